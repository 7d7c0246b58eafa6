"""Pages at the state scale: incident and alert lists with each filter, details, map, live view.

Seeds the state-scale incidents and alerts (200,000 incidents with their
persons, 500,000 alerts) through the demo's COPY path and links them, then
requests each page server-side with Django's test Client, signed in as the
city's analyst (who also sees the county's records through its sharing
agreement), and reports p50/p95 over many requests. For every SQL query a
page runs, it prints the EXPLAIN of plans that read one of the big tables
with a sequential scan.

Run alone: `python -m bench bench_pages` (about five minutes on 2 cores).
PORTAL_BENCH_PAGES_SCALE=city runs it on the city scale instead.
"""

from __future__ import annotations

import os
import random
from typing import Any

from bench.harness import bench_database, timer
from bench.pages_timing import pages_measure, scan_printer, signed_in_client
from bench.report import Measure, peak_memory_mb

SCALE = os.environ.get("PORTAL_BENCH_PAGES_SCALE", "state")
REQUESTS = int(os.environ.get("PORTAL_BENCH_PAGES_REQUESTS", "20"))
TARGET_MS = 1000.0
SEED_TARGET_S = 300.0
BIG_TABLES = (
    "incidents_incident",
    "incidents_incidentperson",
    "incidents_shotspotteralert",
    "incidents_alertincidentlink",
    "incidents_alertpairlink",
)


def _seed() -> tuple[float, Any]:
    from portal import demo as platform_demo
    from portal.demo import SCALES, DemoContext
    from portal.incidents import demo as incidents_demo

    ctx = DemoContext(scale=SCALES[SCALE], seed=7, rng=random.Random(7))
    with timer() as took:
        platform_demo.seed(ctx)
        incidents_demo.seed(ctx)
    for line in ctx.log:
        print(f"seed: {line}", flush=True)
    return took[0], ctx


def _pages(rng: random.Random) -> list[tuple[str, list[str]]]:
    """(label, URLs to cycle through) for each page and filter the lists offer."""
    from portal.incidents.models import Incident, ShotSpotterAlert

    latest = Incident.objects.order_by("-occurred_date").values_list("occurred_date", flat=True)[0]
    month_ago = latest.replace(day=1)
    incident_ids = list(Incident.objects.values_list("pk", flat=True).order_by("?")[:REQUESTS])
    alert_ids = list(ShotSpotterAlert.objects.values_list("pk", flat=True).order_by("?")[:REQUESTS])
    numbers = list(
        Incident.objects.values_list("incident_number", flat=True).order_by("?")[:REQUESTS]
    )
    source_ids = list(
        ShotSpotterAlert.objects.values_list("source_id", flat=True).order_by("?")[:REQUESTS]
    )
    pages = [
        ("incident list", ["/incidents/", "/incidents/?page=40"]),
        ("incident list: number search", [f"/incidents/?q={number}" for number in numbers]),
        ("incident list: text search", ["/incidents/?q=MAPLE", "/incidents/?q=ROBBERY"]),
        (
            "incident list: date range",
            [f"/incidents/?date_from={month_ago:%Y-%m-%d}&date_to={latest:%Y-%m-%d}"],
        ),
        ("incident list: offense", ["/incidents/?offense=homicide"]),
        ("incident list: weapon", ["/incidents/?weapon=gun"]),
        ("incident list: district", [f"/incidents/?district=d{n}" for n in range(1, 10)]),
        ("incident list: beat", [f"/incidents/?beat={rng.randint(100, 999)}" for _ in range(9)]),
        ("incident list: shooting", ["/incidents/?shooting=true", "/incidents/?shooting=false"]),
        ("incident list: linked alerts", ["/incidents/?has_alerts=true"]),
        ("incident list: no linked alerts", ["/incidents/?has_alerts=false"]),
        ("incident detail", [f"/incidents/{pk}/" for pk in incident_ids]),
        ("alert list", ["/alerts/", "/alerts/?page=40"]),
        (
            "alert list: date range",
            [f"/alerts/?date_from={month_ago:%Y-%m-%d}&date_to={latest:%Y-%m-%d}"],
        ),
        (
            "alert list: type",
            ["/alerts/?alert_type=single_gunshot", "/alerts/?alert_type=gunshot_or_firecracker"],
        ),
        ("alert list: coverage area", [f"/alerts/?coverage_area=city-{n}" for n in range(1, 7)]),
        ("alert list: received via", ["/alerts/?received_via=demo", "/alerts/?received_via=feed"]),
        ("alert list: alert id", [f"/alerts/?source_id={sid.lower()}" for sid in source_ids]),
        ("alert list: linked", ["/alerts/?linked=true", "/alerts/?linked=false"]),
        ("alert detail", [f"/alerts/{pk}/" for pk in alert_ids]),
        ("alert map (default: latest 50,000 counted per cell)", ["/alerts/map/"]),
        (
            "alert map: one month",
            [f"/alerts/map/?date_from={month_ago:%Y-%m-%d}&date_to={latest:%Y-%m-%d}"],
        ),
        ("live view", ["/alerts/live/"]),
        ("live view poll (JSON)", ["/alerts/live.json"]),
        ("API incident list", ["/api/v1/incidents/", "/api/v1/incidents/?district=D3"]),
        (
            "API alert list",
            ["/api/v1/shotspotter/alerts/", "/api/v1/shotspotter/alerts/?linked=true"],
        ),
    ]
    return pages


def run() -> list[Measure]:
    with bench_database():
        seconds, ctx = _seed()
        seed = Measure(
            name=f"seed {SCALE} incidents + persons + alerts by COPY, then link",
            value=f"{seconds:.1f} s",
            target=f"< {SEED_TARGET_S:.0f} s",
            reference="the state seed must stay under 15 min with every app",
            ratio=f"{seconds / SEED_TARGET_S:.2f}",
            peak_memory_mb=peak_memory_mb(),
            passed=seconds < SEED_TARGET_S,
        )
        pages = pages_measure(
            signed_in_client(ctx.users["analyst"]),
            _pages(random.Random(11)),
            requests=REQUESTS,
            scale=SCALE,
            target_ms=TARGET_MS,
            reference="server-side, Django test Client, signed in",
            explain=scan_printer(BIG_TABLES),
        )
        return [seed, *pages]

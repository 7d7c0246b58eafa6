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
import statistics
import time
from typing import Any

from bench.harness import bench_database, timer
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


def _sequential_scans(sqls: list[str]) -> list[str]:
    """EXPLAIN of each query whose plan reads a big table with a sequential scan."""
    from django.db import connection

    reports = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.lstrip().upper().startswith("SELECT") or not any(
                table in sql for table in BIG_TABLES
            ):
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if any(f"Seq Scan on {table}" in plan for table in BIG_TABLES):
                reports.append(f"{sql[:600]}\n{plan}")
    return reports


def run() -> list[Measure]:
    measures: list[Measure] = []
    with bench_database():
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from tests.conftest import login

        seconds, ctx = _seed()
        measures.append(
            Measure(
                name=f"seed {SCALE} incidents + persons + alerts by COPY, then link",
                value=f"{seconds:.1f} s",
                target=f"< {SEED_TARGET_S:.0f} s",
                reference="the state seed must stay under 15 min with every app",
                ratio=f"{seconds / SEED_TARGET_S:.2f}",
                peak_memory_mb=peak_memory_mb(),
                passed=seconds < SEED_TARGET_S,
            )
        )
        client = login(Client(HTTP_HOST="127.0.0.1"), ctx.users["analyst"])
        rng = random.Random(11)
        for label, urls in _pages(rng):
            # One warm-up request, whose queries are explained.
            with CaptureQueriesContext(connection) as captured:
                response = client.get(urls[0])
            assert response.status_code == 200, (urls[0], response.status_code)
            query_count = len(captured)
            for report in _sequential_scans([q["sql"] for q in captured.captured_queries]):
                print(f"-- sequential scan on a big table ({label}):\n{report}\n", flush=True)
            times = []
            for index in range(REQUESTS):
                url = urls[index % len(urls)]
                started = time.perf_counter()
                response = client.get(url)
                times.append(1000 * (time.perf_counter() - started))
                assert response.status_code == 200, (url, response.status_code)
            times.sort()
            p50 = statistics.median(times)
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(
                f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(times)} requests, "
                f"{query_count} queries",
                flush=True,
            )
            measures.append(
                Measure(
                    name=f"page {label} ({SCALE})",
                    value=f"p50 {p50:.0f} ms, p95 {p95:.0f} ms ({query_count} queries)",
                    target=f"p95 < {TARGET_MS:.0f} ms",
                    reference="server-side, Django test Client, signed in",
                    ratio=f"{p95 / TARGET_MS:.2f}",
                    peak_memory_mb=peak_memory_mb(),
                    passed=p95 < TARGET_MS,
                )
            )
    return measures

"""The whole state-scale demo: seed time, then the trace and map pages on it.

Runs every app's demo step at the state scale (about 1,250,000 traces through
the e-Trace import, 200,000 incidents, 500,000 alerts, 100,000 casings) in one
transaction, as `seed_demo --scale state` does, timing each step against the
15-minute target. Then requests the trace list (with each filter it offers),
the trace detail and the alert map server-side with Django's test Client,
signed in as the city's analyst (who also sees the county's records), and
reports p50/p95 against the page target. Every query those pages run that
reads a big tracing table with a sequential scan is printed with its plan and
counted: the index check of the trace list's filters.

Run alone: `python -m bench bench_state` (10 to 15 minutes on 2 shared cores).
PORTAL_BENCH_STATE_SCALE=city runs it on the city scale instead;
PORTAL_BENCH_STATE_EXISTING=1 skips the seed and measures the pages on the
configured database, which must hold the demo (`seed_demo --scale state`).
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import bench_database
from bench.report import Measure, peak_memory_mb

SCALE = os.environ.get("PORTAL_BENCH_STATE_SCALE", "state")
REQUESTS = int(os.environ.get("PORTAL_BENCH_STATE_REQUESTS", "10"))
EXISTING = os.environ.get("PORTAL_BENCH_STATE_EXISTING") == "1"
SEED_TARGET_S = 15 * 60.0
PAGE_TARGET_MS = 1000.0
BIG_TABLES = (
    "tracing_trace",
    "tracing_firearm",
    "tracing_purchase",
    "tracing_personmention",
    "incidents_shotspotteralert",
    "incidents_incident",
)


def _seed() -> tuple[float, dict[str, float], Any]:
    """Every demo step at the scale, in one transaction like seed_demo; seconds per step."""
    from django.db import transaction

    from portal.demo import SCALES, DemoContext, demo_steps

    ctx = DemoContext(scale=SCALES[SCALE], seed=7, rng=random.Random(7))
    steps: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        for module in demo_steps():
            step_started = time.perf_counter()
            module.seed(ctx)
            steps[module.__name__] = time.perf_counter() - step_started
            print(f"seed step {module.__name__}: {steps[module.__name__]:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        step_started = time.perf_counter()
        truth = json.dumps({"scale": SCALE, "seed": 7, **ctx.truth}, indent=1)
        (Path(folder) / "ground_truth.json").write_text(truth)
        steps["ground truth JSON"] = time.perf_counter() - step_started
        print(f"ground truth: {len(truth) / 1e6:.0f} MB in {steps['ground truth JSON']:.1f} s")
    for line in ctx.log:
        print(f"seed: {line}", flush=True)
    return time.perf_counter() - started, steps, ctx


def _pages() -> list[tuple[str, list[str]]]:
    """(label, URLs to cycle through): the trace list with each filter, details, the map."""
    from portal.incidents.models import Incident
    from tracing.models import Dealer, Firearm, Trace

    traces = list(
        Trace.objects.order_by("?").values_list("pk", "trace_number", "agency_case_number")[
            :REQUESTS
        ]
    )
    serials = list(
        Firearm.objects.exclude(serial_normalised="")
        .order_by("?")
        .values_list("serial_normalised", flat=True)[:REQUESTS]
    )
    dealers = list(Dealer.objects.order_by("?").values_list("pk", "ffl_number")[:REQUESTS])
    latest = Incident.objects.order_by("-occurred_date").values_list("occurred_date", flat=True)[0]
    month = f"date_from={latest.replace(day=1):%Y-%m-%d}&date_to={latest:%Y-%m-%d}"
    return [
        ("trace list", ["/traces/", "/traces/?page=40"]),
        ("trace list: trace number", [f"/traces/?q={number}" for _, number, _ in traces]),
        ("trace list: case number", [f"/traces/?q={case}" for _, _, case in traces]),
        ("trace list: serial", [f"/traces/?q={serial}" for serial in serials]),
        ("trace list: status", ["/traces/?status=completed", "/traces/?status=not_completed"]),
        (
            "trace list: recovered between",
            ["/traces/?recovered_after=2025-06-01&recovered_before=2025-06-30"],
        ),
        (
            "trace list: manufacturer",
            ["/traces/?manufacturer=glock", "/traces/?manufacturer=ruger"],
        ),
        ("trace list: caliber", ["/traces/?caliber=9mm", "/traces/?caliber=.40 S%26W"]),
        ("trace list: FFL number", [f"/traces/?ffl_number={ffl}" for _, ffl in dealers]),
        ("trace list: dealer", [f"/traces/?dealer={pk}" for pk, _ in dealers]),
        ("trace list: time-to-crime", ["/traces/?max_ttc_days=180"]),
        *[
            (f"trace list: indicator {key}", [f"/traces/?indicator={key}"])
            for key in (
                "ttc_under_1_year",
                "ttc_under_3_years",
                "purchaser_not_possessor",
                "multiple_sale",
                "repeat_purchaser",
                "obliterated_serial",
                "out_of_state_source",
            )
        ],
        ("trace detail", [f"/traces/{pk}/" for pk, _, _ in traces]),
        ("alert map (latest 50,000 alerts, counted per cell)", ["/alerts/map/"]),
        ("alert map: one month", [f"/alerts/map/?{month}"]),
        ("alert map: one month, one type", [f"/alerts/map/?{month}&alert_type=single_gunshot"]),
    ]


# Sequential scans that are right by design, with the reason (substring of the SQL).
EXPECTED_SCANS = {
    '"purchase__dealer"': "the top-dealer ranking reads every visible trace (cached 5 min)",
}


def _sequential_scans(sqls: list[str]) -> list[tuple[str, str | None]]:
    """(SQL and plan, why it is expected or None) of each plan reading a big table whole.

    A scan under a LIMIT with no sort between stops at the limit (the map's
    first-rows sample, the capped count of an unselective filter): expected.
    """
    from django.db import connection

    reports: list[tuple[str, str | None]] = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.lstrip().upper().startswith("SELECT") or not any(
                table in sql for table in BIG_TABLES
            ):
                continue
            cursor.execute("EXPLAIN " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            if not set(re.findall(r"Seq Scan on (\w+)", "\n".join(lines))) & set(BIG_TABLES):
                continue
            reason = next((why for key, why in EXPECTED_SCANS.items() if key in sql), None)
            top = lines[1] if lines[0].startswith("Aggregate") and len(lines) > 1 else lines[0]
            if reason is None and "Limit" in top and not any("Sort" in line for line in lines):
                reason = "stops at its LIMIT"
            reports.append((f"{sql[:600]}\n" + "\n".join(lines), reason))
    return reports


def run() -> list[Measure]:
    if EXISTING:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
        django.setup()
        from portal.models import User

        return _measure_pages(User.objects.get(username="analyst"))
    with bench_database():
        seconds, steps, ctx = _seed()
        detail = ", ".join(f"{name.split('.')[0]} {took:.0f} s" for name, took in steps.items())
        print(f"seed {SCALE}: {seconds:.1f} s ({detail})", flush=True)
        seed = Measure(
            name=f"seed_demo --scale {SCALE} (every app, one transaction)",
            value=f"{seconds:.0f} s ({detail})",
            target=f"< {SEED_TARGET_S:.0f} s",
            reference="issue 11: under 15 minutes on 2 cores",
            ratio=f"{seconds / SEED_TARGET_S:.2f}",
            peak_memory_mb=peak_memory_mb(),
            passed=seconds < SEED_TARGET_S,
        )
        return [seed, *_measure_pages(ctx.users["analyst"])]


def _measure_pages(analyst: Any) -> list[Measure]:
    """p50/p95 of each page, signed in as the city's analyst, and the sequential scans."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import login

    measures: list[Measure] = []
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = login(Client(HTTP_HOST="127.0.0.1"), analyst)
    scanned: list[str] = []
    for label, urls in _pages():
        # One warm-up request, whose queries are explained.
        with CaptureQueriesContext(connection) as captured:
            response = client.get(urls[0])
        assert response.status_code == 200, (urls[0], response.status_code)
        query_count = len(captured)
        for report, reason in _sequential_scans([q["sql"] for q in captured.captured_queries]):
            if reason is None:
                scanned.append(label)
            print(
                f"-- sequential scan on a big table ({label}; {reason or 'NOT EXPECTED'}):"
                f"\n{report}\n",
                flush=True,
            )
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
            f"{query_count} queries; p95 / target = {p95 / PAGE_TARGET_MS:.2f}",
            flush=True,
        )
        measures.append(
            Measure(
                name=f"page {label} ({SCALE})",
                value=f"p50 {p50:.0f} ms, p95 {p95:.0f} ms ({query_count} queries)",
                target=f"p95 < {PAGE_TARGET_MS:.0f} ms",
                reference="server-side, Django test Client, signed in",
                ratio=f"{p95 / PAGE_TARGET_MS:.2f}",
                peak_memory_mb=peak_memory_mb(),
                passed=p95 < PAGE_TARGET_MS,
            )
        )
    measures.append(
        Measure(
            name=f"trace list and map pages with an unexpected sequential scan ({SCALE})",
            value=str(len(scanned)) + (f" ({', '.join(sorted(set(scanned)))})" if scanned else ""),
            target="0",
            reference="EXPLAIN of every query the pages run",
            passed=not scanned,
        )
    )
    return measures

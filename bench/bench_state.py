"""The whole state-scale demo: seed time, then the trace and map pages on it.

Runs every app's demo step at the state scale (about 1,250,000 traces through
the e-Trace import, 200,000 incidents, 500,000 alerts, 100,000 casings) in one
transaction, as `seed_demo --scale state` does, timing each step against the
15-minute target. Then requests the trace list (with each filter it offers),
the trace detail and the alert map server-side with Django's test Client,
signed in as the city's analyst (who also sees the county's records), and
reports p50/p95 against the page target, and the detective's case dashboard,
firearm timeline and search pages (bench_cases) on the same data. Every query those pages run that
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
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_cases import case_pages_measure
from bench.harness import bench_database
from bench.pages_timing import pages_measure, sequential_scans, signed_in_client
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
    """Every demo step at the scale, in one transaction like seed_demo; the seconds until
    committed with its ground truth written, and the seconds of each step (the tasks the
    imports queue for the workers are timed apart, not counted in the seed)."""
    from django.db import transaction

    from portal.celery import app
    from portal.demo import SCALES, DemoContext, demo_steps_run

    # The queued tasks run here, timed, even when REDIS_URL is set (else they would only
    # be sent to a broker no worker of this benchmark reads, and time nothing).
    app.conf.task_always_eager = True
    ctx = DemoContext(scale=SCALES[SCALE], seed=7, rng=random.Random(7))
    steps: dict[str, float] = {}

    def on_step(name: str, seconds: float) -> None:
        steps[name] = seconds
        print(f"seed step {name}: {seconds:.1f} s", flush=True)

    started = time.perf_counter()
    committed: list[float] = []
    with transaction.atomic():
        # The first callback after the commit: the workers' tasks the demo's imports
        # queued (run in this process, Celery being eager) are timed apart.
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        demo_steps_run(ctx, on_step)
        steps_done = time.perf_counter()
    steps["commit"] = committed[0] - steps_done
    steps["queued tasks after the commit"] = time.perf_counter() - committed[0]
    print(
        f"commit {steps['commit']:.1f} s, then the queued tasks "
        f"{steps['queued tasks after the commit']:.1f} s",
        flush=True,
    )
    seconds = committed[0] - started
    with tempfile.TemporaryDirectory() as folder:
        step_started = time.perf_counter()
        truth = json.dumps({"scale": SCALE, "seed": 7, **ctx.truth}, indent=1)
        (Path(folder) / "ground_truth.json").write_text(truth)
        steps["ground truth JSON"] = time.perf_counter() - step_started
        print(f"ground truth: {len(truth) / 1e6:.0f} MB in {steps['ground truth JSON']:.1f} s")
    for line in ctx.log:
        print(f"seed: {line}", flush=True)
    return seconds + steps["ground truth JSON"], steps, ctx


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


def _scan_reason(sql: str, plan: list[str]) -> str | None:
    """Why a sequential scan on a big table is expected, or None when it is not.

    A scan under a LIMIT with no sort between stops at the limit (the map's
    first-rows sample, the capped count of an unselective filter): expected.
    """
    reason = next((why for key, why in EXPECTED_SCANS.items() if key in sql), None)
    top = plan[1] if plan[0].startswith("Aggregate") and len(plan) > 1 else plan[0]
    if reason is None and "Limit" in top and not any("Sort" in line for line in plan):
        reason = "stops at its LIMIT"
    return reason


def run() -> list[Measure]:
    if EXISTING:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
        django.setup()
        from portal.models import User

        detective = User.objects.select_related("agency").get(username="detective")
        return [
            *_measure_pages(User.objects.get(username="analyst")),
            *case_pages_measure(detective.agency, detective, None, SCALE),
        ]
    with bench_database():
        seconds, steps, ctx = _seed()
        detail = ", ".join(
            f"{name.removesuffix('.demo')} {took:.0f} s" for name, took in steps.items()
        )
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
        return [
            seed,
            *_measure_pages(ctx.users["analyst"]),
            # Issue 8's pages (case dashboard, firearm timeline, search) on the same data.
            *case_pages_measure(
                ctx.agencies["city"],
                ctx.users["detective"],
                ctx.truth.get("cases", {}).get("firearm_chain"),
                SCALE,
            ),
        ]


def _measure_pages(analyst: Any) -> list[Measure]:
    """p50/p95 of each page, signed in as the city's analyst, and the sequential scans."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    scanned: list[str] = []

    def explain(label: str, sqls: list[str]) -> None:
        for sql, plan in sequential_scans(sqls, BIG_TABLES):
            reason = _scan_reason(sql, plan)
            if reason is None:
                scanned.append(label)
            report = f"{sql[:600]}\n" + "\n".join(plan)
            print(
                f"-- sequential scan on a big table ({label}; {reason or 'NOT EXPECTED'}):"
                f"\n{report}\n",
                flush=True,
            )

    measures = pages_measure(
        signed_in_client(analyst),
        _pages(),
        requests=REQUESTS,
        scale=SCALE,
        target_ms=PAGE_TARGET_MS,
        reference="server-side, Django test Client, signed in",
        explain=explain,
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

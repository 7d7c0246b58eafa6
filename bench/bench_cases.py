"""Case dashboard, firearm timeline and global search: p95 server time against 150 ms.

Seeds the whole demo (every app's step, so traces, incidents, alerts, ballistic
evidence and the demo cases) at PORTAL_BENCH_CASES_SCALE (default "city": the
largest scale the demo generators build in a couple of minutes here; "state"
runs the same pages on the state scale), adds a large case (50 incidents, 25
traced guns), then requests each page server-side with Django's test Client,
signed in as the city's detective, and reports p50/p95 over the requests and
the query count. Queries whose plan reads a big table with a sequential scan
are printed with their EXPLAIN.

Run alone: `python -m bench bench_cases`.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from typing import Any

from bench.harness import bench_database, timer
from bench.report import Measure, peak_memory_mb

SCALE = os.environ.get("PORTAL_BENCH_CASES_SCALE", "city")
REQUESTS = int(os.environ.get("PORTAL_BENCH_CASES_REQUESTS", "40"))
TARGET_MS = 150.0
BIG_TABLES = (
    "tracing_trace",
    "tracing_personmention",
    "tracing_firearm",
    "tracing_purchase",
    "incidents_incident",
    "incidents_incidentperson",
    "incidents_shotspotteralert",
    "incidents_alertincidentlink",
)


def _seed() -> tuple[float, Any]:
    from portal.demo import seed_demo

    with timer() as took:
        ctx = seed_demo(scale=SCALE, seed_value=7)
    for line in ctx.log:
        print(f"seed: {line}", flush=True)
    return took[0], ctx


def _big_case(ctx: Any, rng: random.Random) -> Any:
    """A case as big as a long investigation gets: 50 incidents, 25 traced guns."""
    from portal.cases.services import case_create, case_item_add
    from portal.incidents.models import Incident
    from tracing.models import Firearm

    city = ctx.agencies["city"]
    detective = ctx.users["detective"]
    case = case_create(
        agency=city, number="BENCH-1", title="Benchmark case", lead_detective=detective
    )
    for incident in Incident.objects.filter(agency=city).order_by("?")[:50]:
        case_item_add(case=case, record=incident, user=detective)
    for firearm in Firearm.objects.filter(agency=city).order_by("?")[:25]:
        case_item_add(case=case, record=firearm, user=detective)
    return case


def _misspell(name: str, rng: random.Random) -> str:
    """One vowel swapped, or one letter doubled: what a hurried detective types."""
    vowels = [i for i, c in enumerate(name[1:], 1) if c in "AEIOU"]
    if vowels:
        i = rng.choice(vowels)
        return name[:i] + rng.choice([v for v in "AEIOU" if v != name[i]]) + name[i + 1 :]
    i = rng.randrange(1, len(name)) if len(name) > 1 else 0
    return name[:i] + name[i] + name[i:]


def _pages(ctx: Any, rng: random.Random) -> list[tuple[str, list[str]]]:
    from portal.cases.models import Case
    from portal.incidents.models import Incident
    from tracing.models import Dealer, Firearm, PersonMention, Trace

    city = ctx.agencies["city"]
    cases = [c.get_absolute_url() for c in Case.objects.filter(agency=city)]
    firearms = [
        f"/traces/firearms/{pk}/"
        for pk in Firearm.objects.filter(agency=city)
        .order_by("?")
        .values_list("pk", flat=True)[:REQUESTS]
    ]
    chain = ctx.truth.get("cases", {}).get("firearm_chain")
    if chain:
        firearms.insert(0, f"/traces/firearms/{chain['firearm']}/")
    people = list(
        PersonMention.objects.filter(agency=city)
        .exclude(last_name="")
        .order_by("?")
        .values_list("first_name", "last_name")[:REQUESTS]
    )
    names = [f"/search/?q={first}+{_misspell(last, rng)}" for first, last in people]
    serials = [
        f"/search/?q={serial}"
        for serial in Firearm.objects.filter(agency=city)
        .exclude(serial_as_written="")
        .order_by("?")
        .values_list("serial_as_written", flat=True)[:10]
    ]
    numbers = [
        f"/search/?q={number}"
        for number in Trace.objects.filter(agency=city)
        .order_by("?")
        .values_list("trace_number", flat=True)[:5]
    ]
    numbers += [
        f"/search/?q={number}"
        for number in Incident.objects.filter(agency=city)
        .order_by("?")
        .values_list("incident_number", flat=True)[:5]
    ]
    ffl = [
        f"/search/?q={number}"
        for number in Dealer.objects.order_by("?").values_list("ffl_number", flat=True)[:10]
    ]
    addresses = ["/search/?q=maple+ave", "/search/?q=north+ave", "/search/?q=harbor+st"]
    return [
        ("case dashboard", cases),
        ("firearm page with purchase-to-crime timeline", firearms),
        ("search: misspelt person name", names),
        ("search: serial number", serials),
        ("search: trace and incident numbers", numbers),
        ("search: FFL number", ffl),
        ("search: address (full-text)", addresses),
    ]


def _sequential_scans(sqls: list[str]) -> list[str]:
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
        rng = random.Random(11)
        _big_case(ctx, rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seed {SCALE}: {seconds:.1f} s", flush=True)
        client = login(Client(HTTP_HOST="127.0.0.1"), ctx.users["detective"])
        for label, urls in _pages(ctx, rng):
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
                f"{query_count} queries; ratio to {TARGET_MS:.0f} ms: {p95 / TARGET_MS:.2f}",
                flush=True,
            )
            measures.append(
                Measure(
                    name=f"page {label} ({SCALE})",
                    value=f"p50 {p50:.0f} ms, p95 {p95:.0f} ms ({query_count} queries)",
                    target=f"p95 < {TARGET_MS:.0f} ms",
                    reference="server-side, Django test Client, signed in as a detective",
                    ratio=f"{p95 / TARGET_MS:.2f}",
                    peak_memory_mb=peak_memory_mb(),
                    passed=p95 < TARGET_MS,
                )
            )
    return measures

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
from typing import Any

from bench.harness import bench_database, timer
from bench.pages_timing import pages_measure, scan_printer, signed_in_client
from bench.report import Measure

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
    # The case's network, its open leads and its recent activity.
    "leads_edge",
    "leads_entity",
    "leads_entitymention",
    "leads_leadrecord",
    "portal_auditevent",
)


def _seed() -> tuple[float, Any]:
    from portal.demo import seed_demo

    with timer() as took:
        ctx = seed_demo(scale=SCALE, seed_value=7)
    for line in ctx.log:
        print(f"seed: {line}", flush=True)
    return took[0], ctx


def _big_case(city: Any, detective: Any) -> Any:
    """A case as big as a long investigation gets: 50 incidents, 25 traced guns."""
    from portal.cases.models import Case
    from portal.cases.services import case_create, case_item_add
    from portal.incidents.models import Incident
    from tracing.models import Firearm

    # A new case each run: a kept database (PORTAL_BENCH_STATE_EXISTING) has the last one.
    earlier = Case.objects.filter(agency=city, number__startswith="BENCH-").count()
    case = case_create(
        agency=city,
        number=f"BENCH-{earlier + 1}",
        title="Benchmark case",
        lead_detective=detective,
    )
    # The same records every run on the same data (a seeded draw, not the database's
    # random order), so that runs on one seed compare the same case.
    rng = random.Random(13)
    for model, count in ((Incident, 50), (Firearm, 25)):
        ids = sorted(model.objects.filter(agency=city).values_list("pk", flat=True))
        for record in model.objects.filter(pk__in=rng.sample(ids, min(count, len(ids)))):
            case_item_add(case=case, record=record, user=detective)
    return case


def _misspell(name: str, rng: random.Random) -> str:
    """One vowel swapped, or one letter doubled: what a hurried detective types."""
    vowels = [i for i, c in enumerate(name[1:], 1) if c in "AEIOU"]
    if vowels:
        i = rng.choice(vowels)
        return name[:i] + rng.choice([v for v in "AEIOU" if v != name[i]]) + name[i + 1 :]
    i = rng.randrange(1, len(name)) if len(name) > 1 else 0
    return name[:i] + name[i] + name[i:]


def _pages(city: Any, chain: Any, rng: random.Random) -> list[tuple[str, list[str]]]:
    from portal.cases.models import Case
    from portal.incidents.models import Incident
    from tracing.models import Dealer, Firearm, PersonMention, Trace

    cases = [c.get_absolute_url() for c in Case.objects.filter(agency=city)]
    firearms = [
        f"/traces/firearms/{pk}/"
        for pk in Firearm.objects.filter(agency=city)
        .order_by("?")
        .values_list("pk", flat=True)[:REQUESTS]
    ]
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


def case_pages_measure(city: Any, detective: Any, chain: Any, scale: str) -> list[Measure]:
    """Add the big case to a seeded demo, then time the detective's pages on it.

    `chain` is the demo's planted purchase-to-crime firearm (ground truth), or None.
    bench_state calls this on the state-scale demo it has just seeded.
    """
    from django.db import connection

    rng = random.Random(11)
    _big_case(city, detective)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return pages_measure(
        signed_in_client(detective),
        _pages(city, chain, rng),
        requests=REQUESTS,
        scale=scale,
        target_ms=TARGET_MS,
        reference="server-side, Django test Client, signed in as a detective",
        explain=scan_printer(BIG_TABLES),
    )


def run() -> list[Measure]:
    with bench_database():
        seconds, ctx = _seed()
        print(f"seed {SCALE}: {seconds:.1f} s", flush=True)
        return case_pages_measure(
            ctx.agencies["city"],
            ctx.users["detective"],
            ctx.truth.get("cases", {}).get("firearm_chain"),
            SCALE,
        )

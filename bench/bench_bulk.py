"""Bulk writes: portal.bulk.copy_rows (COPY) against Django's bulk_create, same rows.

Writes ROWS incidents (every column the demo fills) once with bulk_create in
batches of 2,000 and once with copy_rows, each into an empty table, and
reports rows per second and the speed-up. The reference is bulk_create.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from typing import Any

from bench.harness import bench_database, timer
from bench.report import Measure, peak_memory_mb

ROWS = int(os.environ.get("PORTAL_BENCH_BULK_ROWS", "100000"))
FIELDS = [
    "agency_id",
    "incident_number",
    "occurred_at",
    "occurred_date",
    "reported_at",
    "offense",
    "ncic_code",
    "weapon",
    "address",
    "latitude",
    "longitude",
    "coordinate_decimals",
    "district",
    "beat",
    "killed",
    "injured",
    "narrative",
]


def _rows(agency_id: int) -> list[tuple[Any, ...]]:
    rng = random.Random(3)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = []
    for index in range(ROWS):
        when = start + dt.timedelta(minutes=rng.uniform(0, 365 * 24 * 60))
        rows.append(
            (
                agency_id,
                f"B-{index:07d}",
                when,
                when.date(),
                when + dt.timedelta(minutes=20),
                "AGGRAVATED ASSAULT - GUN",
                "1313",
                "GUN",
                f'{rng.randint(1, 99) * 100} BLOCK OF "MAPLE", AVE\tREAR',
                39.29 + rng.uniform(-0.05, 0.05),
                -76.61 + rng.uniform(-0.05, 0.05),
                6,
                f"D{rng.randint(1, 9)}",
                str(rng.randint(100, 999)),
                0,
                1,
                "Synthetic benchmark incident.\nSecond line with a \\ backslash.",
            )
        )
    return rows


def run() -> list[Measure]:
    with bench_database():
        from portal.bulk import copy_rows
        from portal.incidents.models import Incident
        from portal.models import Agency

        agency = Agency.objects.create(name="Bench Police", ori="BE0990100", state="BE")
        rows = _rows(agency.pk)
        with timer() as orm:
            Incident.objects.bulk_create(
                [Incident(**dict(zip(FIELDS, row, strict=True))) for row in rows],
                batch_size=2000,
            )
        Incident.objects.all().delete()
        with timer() as copied:
            count = copy_rows(Incident, FIELDS, rows)
        assert count == ROWS == Incident.objects.count()
    orm_rate = ROWS / orm[0]
    copy_rate = ROWS / copied[0]
    print(
        f"bulk_create: {orm[0]:.1f} s ({orm_rate:,.0f} rows/s); "
        f"copy_rows: {copied[0]:.1f} s ({copy_rate:,.0f} rows/s)"
    )
    return [
        Measure(
            name=f"write {ROWS:,} incidents with copy_rows (COPY)",
            value=f"{copied[0]:.1f} s ({copy_rate:,.0f} rows/s)",
            target="faster than bulk_create",
            reference=f"bulk_create, batches of 2,000: {orm[0]:.1f} s ({orm_rate:,.0f} rows/s)",
            ratio=f"{copy_rate / orm_rate:.1f}x",
            peak_memory_mb=peak_memory_mb(),
            passed=copy_rate > orm_rate,
        )
    ]

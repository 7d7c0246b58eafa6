"""e-Trace import: 200,000 default-profile rows, against a bare COPY of the same file.

The rows are synthetic (tracing.synthetic), written in chunks of 20,000 so the
generator's memory does not count as the import's. The import is the real
service (validation, normalisation, indicators, set-based writes) on a fresh
migrated database; the reference is PostgreSQL's COPY of the same CSV into
an unindexed table of text columns.

The modules an import's signal handlers load on first use (leads.tasks, and
pandas with it) are imported before the clock starts, as a worker has them
loaded from its start: a one-off cost of the process, not of the file.

The link graph's sync that an import queues for the resolution workers is
left out (its receiver is disconnected for the run): with no broker
configured, Celery runs tasks in the caller's process, and the import would
be timed with a full person resolution of its 200,000 traces in it. The
graph's own benchmarks time that work.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from pathlib import Path

from bench.harness import bench_database
from bench.report import Measure, peak_memory_mb

ROWS = int(os.environ.get("BENCH_ETRACE_ROWS", "200000"))
CHUNK = 20_000
TARGET_ROWS_PER_SECOND = 20_000
TARGET_MEMORY_MB = 1024
TARGET_RATIO = 5.0


def _write_file(path: Path) -> None:
    from tracing.synthetic import HEADER, generate

    rng = random.Random(20261121)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for first in range(0, ROWS, CHUNK):
            synthetic = generate(
                rng, min(CHUNK, ROWS - first), ori="MD0990100", first_trace=first + 1
            )
            writer.writerows(synthetic.rows)


def _copy_seconds(path: Path) -> float:
    from django.db import connection

    from tracing.synthetic import HEADER

    with connection.cursor() as cursor:
        columns = ", ".join(f"{name} text" for name in HEADER)
        cursor.execute(f"CREATE TABLE bench_copy_floor ({columns})")
        raw = cursor.cursor
        started = time.perf_counter()
        with path.open() as handle:
            raw.copy_expert(
                "COPY bench_copy_floor FROM STDIN WITH (FORMAT csv, HEADER true)", handle
            )
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_floor")
    return elapsed


def run() -> list[Measure]:
    with bench_database(), tempfile.TemporaryDirectory() as tmp:
        import leads.tasks  # noqa: F401 - loaded at a worker's start, see the docstring
        from tracing.signals import traces_imported

        traces_imported.disconnect(dispatch_uid="leads_traces")  # see the docstring
        from portal.imports import source_file_store
        from portal.models import Agency
        from tracing.services import trace_import

        path = Path(tmp) / "etrace_200k.csv"
        _write_file(path)
        copy_seconds = _copy_seconds(path)
        agency = Agency.objects.create(name="Bench PD", ori="MD0990100", state="MD")
        with path.open("rb") as handle:
            source_file = source_file_store(
                agency=agency,
                kind="etrace",
                name=path.name,
                chunks=iter(lambda: handle.read(1 << 20), b""),
            )
        started = time.perf_counter()
        result = trace_import(agency=agency, source_file=source_file, path=path)
        seconds = time.perf_counter() - started
        assert result["created"] == ROWS, result
        # Re-import of the same file: everything unchanged.
        started = time.perf_counter()
        again = trace_import(agency=agency, source_file=source_file, path=path)
        reimport_seconds = time.perf_counter() - started
        assert again["unchanged"] == ROWS, again
        memory = peak_memory_mb()

    rate = ROWS / seconds
    ratio = seconds / copy_seconds
    print(f"e-Trace import: {ROWS} rows in {seconds:.1f} s = {rate:,.0f} rows/s")
    print(f"bare COPY of the same file: {copy_seconds:.1f} s; import / COPY = {ratio:.1f}x")
    print(f"re-import of the same file (all unchanged): {reimport_seconds:.1f} s")
    print(f"peak memory: {memory:.0f} MB")
    return [
        Measure(
            name="etrace import rows/s",
            value=f"{rate:,.0f}",
            target=f">= {TARGET_ROWS_PER_SECOND:,}",
            reference=f"COPY {ROWS / copy_seconds:,.0f} rows/s",
            ratio=f"{ratio:.1f}x COPY time (target <= {TARGET_RATIO:g}x)",
            peak_memory_mb=memory,
            passed=rate >= TARGET_ROWS_PER_SECOND
            and ratio <= TARGET_RATIO
            and memory < TARGET_MEMORY_MB,
        ),
        Measure(
            name="etrace re-import (unchanged) rows/s",
            value=f"{ROWS / reimport_seconds:,.0f}",
        ),
    ]

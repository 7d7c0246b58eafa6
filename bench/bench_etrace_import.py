"""e-Trace import: 200,000 default-profile rows, against a bare COPY of the same file.

The rows are synthetic (tracing.synthetic), written in chunks of 20,000 so the
generator's memory does not count as the import's. The import is the real
service (validation, normalisation, indicators, set-based writes) on a fresh
migrated database; the reference is PostgreSQL's COPY of the same CSV into
an unindexed table of text columns.

The modules an import's signal handlers load on first use (leads.tasks, and
pandas with it) are imported before the clock starts, as a worker has them
loaded from its start: a one-off cost of the process, not of the file.

Two figures show where the time goes. The parse alone: the same file read,
validated and normalised into its COPY lines with nothing written. The index
floor: the database's own work to store the rows the import wrote (traces,
guns, person mentions, purchases) into empty copies of their tables with every
index the pages read, from rows already in the database (no parsing, no
validation, no Python); copies that start empty make it a lower bound, since
the real tables' indexes are deeper. No importer of this schema can be faster
than that floor on the same server.

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


# The tables an import writes, in the order of the index floor's copies.
WRITTEN_TABLES = ("tracing_trace", "tracing_firearm", "tracing_personmention", "tracing_purchase")


def _parse_seconds(path: Path) -> float:
    """The file read, validated and normalised into COPY lines, with nothing written."""
    from tracing.importers import EtraceParser, profile_for
    from tracing.services import _read_records, normaliser_load

    header, records = _read_records(path)
    _, mapping = profile_for(header)
    parser = EtraceParser(mapping=mapping, normaliser=normaliser_load(), file_name=path.name)
    started = time.perf_counter()
    lines = sum(1 for _ in parser.lines(header, records))
    elapsed = time.perf_counter() - started
    assert lines == ROWS and not parser.report.errors, parser.report
    return elapsed


def _index_floor_seconds() -> tuple[float, dict[str, float]]:
    """Storing the import's rows again into empty copies of their tables, every index
    included: the database's share of any import of this schema (rolled back)."""
    from django.db import connection, transaction

    each: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        for table in WRITTEN_TABLES:
            cursor.execute(f"CREATE TEMPORARY TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
        for table in WRITTEN_TABLES:
            started = time.perf_counter()
            cursor.execute(f"INSERT INTO bench_{table} SELECT * FROM {table}")  # noqa: S608
            each[table] = time.perf_counter() - started
        transaction.set_rollback(True)
    return sum(each.values()), each


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
        parse_seconds = _parse_seconds(path)
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
        floor_seconds, floor_each = _index_floor_seconds()

    rate = ROWS / seconds
    floor_tables = ", ".join(
        f"{table.removeprefix('tracing_')} {each:.1f} s" for table, each in floor_each.items()
    )
    ratio = seconds / copy_seconds
    print(f"e-Trace import: {ROWS} rows in {seconds:.1f} s = {rate:,.0f} rows/s")
    print(f"bare COPY of the same file: {copy_seconds:.1f} s; import / COPY = {ratio:.1f}x")
    print(f"re-import of the same file (all unchanged): {reimport_seconds:.1f} s")
    print(f"peak memory: {memory:.0f} MB")
    print(f"parse alone (read, validate, normalise; nothing written): {parse_seconds:.1f} s")
    print(
        f"index floor (the rows stored again, every index, no parsing): {floor_seconds:.1f} s "
        f"= {floor_seconds / copy_seconds:.1f}x COPY ({floor_tables})"
    )
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
        Measure(
            name="etrace parse alone (validated, normalised, nothing written) rows/s",
            value=f"{ROWS / parse_seconds:,.0f} ({parse_seconds:.1f} s)",
        ),
        Measure(
            name="etrace index floor: the written rows stored again with every index, "
            "no parsing (lower bound of any import of this schema)",
            value=f"{floor_seconds:.1f} s ({floor_tables})",
            reference=f"COPY {copy_seconds:.1f} s",
            ratio=f"{floor_seconds / copy_seconds:.1f}x COPY time",
        ),
    ]

"""Hand-made e-Trace files for the tests: default header, blanks where a row says nothing."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from portal.imports import import_run_now
from portal.models import Agency, Job
from tracing.synthetic import HEADER

BASE_ROW = {
    "trace_status": "Completed",
    "ori": "AA0000001",
    "recovery_date": "2024-06-01",
    "recovery_city": "TESTVILLE",
    "recovery_state": "AA",
    "serial_number": "ABC123",
    "obliterated": "N",
    "manufacturer": "GLOCK",
    "model": "19",
    "firearm_type": "PISTOL",
    "caliber": "9MM",
    "possessor_last": "DOE",
    "possessor_first": "JOHN",
    "possessor_dob": "1990-01-01",
    "purchaser_last": "DOE",
    "purchaser_first": "JOHN",
    "purchaser_dob": "1990-01-01",
    "purchase_date": "2020-06-01",
    "ffl_number": "1-54-123-01-9A-12345",
    "dealer_name": "ACME GUNS",
    "dealer_city": "TESTVILLE",
    "dealer_state": "AA",
}


def row(trace_number: str, **cells: str) -> dict[str, str]:
    return {"trace_number": trace_number, **BASE_ROW, **cells}


def write_etrace(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    columns = header or HEADER
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for cells in rows:
            writer.writerow({name: cells.get(name, "") for name in columns})
    return path


def run_import(agency: Agency, path: Path, **options: Any) -> Job:
    return import_run_now(agency=agency, kind="etrace", path=path, options=options)

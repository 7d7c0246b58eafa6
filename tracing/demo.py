"""Demo traces for the synthetic city and county, imported through the real e-Trace import.

Every scale runs the same code: the generator hands its rows over in batches,
they are written to a CSV file on disk as they come, and the file goes through
the e-Trace import (COPY into staging, set-based writes) like an agency's
download. At the state scale that is 1,250,000 traces without a million rows
ever held in memory.
"""

from __future__ import annotations

import csv
import random
import tempfile
from pathlib import Path
from typing import Any

from portal.demo import DemoContext
from portal.imports import source_file_path, source_file_store
from tracing.import_jobs import ETRACE_KIND
from tracing.services import trace_import
from tracing.synthetic import ANCHOR, HEADER, generate

ORDER = 10

# (agency key, share of the scale's traces, first trace number, recovery area centre)
DEMO_TRACE_AGENCIES = [
    ("city", 1.0, 1, (39.29, -76.61)),
    ("county", 0.25, 5_000_000, (39.45, -76.80)),
]


def seed(ctx: DemoContext) -> None:
    """Generate each agency's e-Trace download as a CSV file and import it."""
    truth: dict[str, Any] = {
        "anchor_date": ANCHOR.isoformat(),
        "notes": (
            "Per agency: straw_purchasers maps a planted purchaser's person id to their trace "
            "numbers; high_volume_dealers and out_of_state_dealers list planted FFL numbers; "
            "mention_person maps trace number -> role -> person id (the same id is the same "
            "person, whatever the spelling); trace_gun maps trace number -> gun id (the same "
            "id is the same gun, whatever the serial as written); same_person and same_gun "
            "list the pairs written with a typo."
        ),
    }
    for key, share, first_trace, center in DEMO_TRACE_AGENCIES:
        agency = ctx.agencies[key]
        count = max(40, int(ctx.scale.traces * share))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "etrace.csv"
            with path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
                writer.writeheader()
                synthetic = generate(
                    random.Random(ctx.rng.random()),
                    count,
                    ori=agency.ori,
                    state=agency.state,
                    city="METRO CITY" if key == "city" else "RIDGE COUNTY",
                    first_trace=first_trace,
                    center=center,
                    sink=writer.writerows,
                )
            with path.open("rb") as handle:
                source_file = source_file_store(
                    agency=agency,
                    kind=ETRACE_KIND,
                    name=f"etrace_{agency.ori}_demo.csv",
                    chunks=iter(lambda: handle.read(1 << 20), b""),
                )
        result = trace_import(
            agency=agency,
            source_file=source_file,
            path=source_file_path(source_file),
            today=ANCHOR,
        )
        truth[key] = synthetic.truth
        ctx.say(f"{result['created']} traces for {agency.ori}")
    ctx.truth["tracing"] = truth

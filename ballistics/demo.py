"""Demo ballistic evidence: the real Fadul scans as casings from the demo shootings.

Casings fired by the same slide are spread over different shootings, so the
demo holds planted same-gun links between incidents (ctx.truth["ballistics"]).
Features are computed once per scan at import; no correlation runs here.

From the city scale up (BULK_CASINGS_FROM), the rest of the scale's casings
are written with COPY (portal.bulk) as evidence records of the demo
shootings, several casings per shooting, without scans of their own: the
forty real scans are imported once, not copied a hundred thousand times (a
scan belongs to one evidence record and is unique per agency and file). The
small demo is unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ballistics.choices import EvidenceKind, FiringPinShape
from ballistics.models import Evidence, Scan
from ballistics.services import scan_import
from portal.bulk import analyze, copy_rows
from portal.demo import DemoContext

ORDER = 30
CALIBER = "9mm Luger"
# Scales with at least this many casings get the bulk records beside the scanned ones.
BULK_CASINGS_FROM = 1_000
# (caliber, headstamps, firing-pin shape, weight) of the casings found at shootings.
BULK_CALIBERS = [
    (CALIBER, ("FC 9mm LUGER", "WIN 9mm LUGER", "R-P 9mm LUGER"), FiringPinShape.HEMISPHERICAL, 55),
    (".40 S&W", ("FC 40 S&W", "WIN 40 S&W"), FiringPinShape.HEMISPHERICAL, 15),
    (".45 Auto", ("WIN 45 AUTO", "R-P 45 AUTO"), FiringPinShape.HEMISPHERICAL, 10),
    (".380 Auto", ("FC 380 AUTO", "PPU 380 AUTO"), FiringPinShape.HEMISPHERICAL, 10),
    ("5.56x45mm", ("LC 5.56", "PMC 5.56"), FiringPinShape.UNKNOWN, 5),
    ("9mm Luger", ("S&B 9mm LUGER",), FiringPinShape.RECTANGULAR, 5),
]
EVIDENCE_FIELDS = [
    "agency_id",
    "exhibit_number",
    "incident_id",
    "kind",
    "caliber",
    "headstamp",
    "firing_pin_shape",
    "breech_face_marks",
    "ejector_position",
    "recovered_at",
    "recovered_by",
    "notes",
]


def fadul_dir() -> Path | None:
    """The shared Fadul scans (PORTAL_FADUL_DIR, or shared/data beside the checkout)."""
    configured = os.environ.get("PORTAL_FADUL_DIR")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "ballistics" / "fadul"
        if candidate.is_dir():
            return candidate
    return None


def seed(ctx: DemoContext) -> None:
    from portal.incidents.models import Incident

    folder = fadul_dir()
    if folder is None or not (folder / "truth.csv").exists():
        ctx.say("ballistics: Fadul scans not found; no ballistic evidence seeded")
        ctx.truth["ballistics"] = {"evidence": 0, "planted_links": []}
        return
    with (folder / "truth.csv").open(newline="") as handle:
        slides = {row["file"]: row["slide"] for row in csv.DictReader(handle)}
    names = sorted(slides)
    ctx.rng.shuffle(names)
    names = names[: min(len(names), ctx.scale.casings)]
    agencies = [ctx.agencies["city"], ctx.agencies["county"]]
    incidents = {
        agency.pk: list(
            Incident.objects.filter(agency=agency).order_by("pk").values_list("pk", flat=True)
        )
        for agency in agencies
    }
    # One gun (slide) per group of casings; each casing from a different shooting.
    evidence_rows: list[tuple[str, int, int | None]] = []
    for position, name in enumerate(names):
        agency = agencies[position % 2] if position % 3 else agencies[0]
        pool = incidents[agency.pk]
        incident = pool[ctx.rng.randrange(len(pool))] if pool else None
        evidence_rows.append((name, agency.pk, incident))
    by_agency = {agency.pk: agency for agency in agencies}
    planted: list[dict[str, object]] = []
    records: list[tuple[str, Evidence]] = []
    for number, (name, agency_id, incident_id) in enumerate(evidence_rows, 1):
        agency = by_agency[agency_id]
        evidence = Evidence.objects.create(
            agency=agency,
            exhibit_number=f"BE-{number:04d}",
            incident_id=incident_id,
            kind=EvidenceKind.SCENE_CASING,
            caliber=CALIBER,
            headstamp="FC 9mm LUGER",
            firing_pin_shape=FiringPinShape.HEMISPHERICAL,
            breech_face_marks="parallel",
            ejector_position="4 o'clock",
            recovered_by="Crime scene unit",
            notes="Demo casing (real NIST scan, synthetic case).",
        )
        scan, _ = scan_import(
            agency=agency,
            name=name,
            data=(folder / name).read_bytes(),
            caliber=CALIBER,
            firing_pin_shape=FiringPinShape.HEMISPHERICAL,
        )
        Scan.objects.filter(pk=scan.pk).update(evidence=evidence)
        records.append((name, evidence))
    for i, (name_a, ev_a) in enumerate(records):
        for name_b, ev_b in records[i + 1 :]:
            if slides[name_a] == slides[name_b] and ev_a.incident_id != ev_b.incident_id:
                planted.append(
                    {
                        "evidence": [ev_a.exhibit_number, ev_b.exhibit_number],
                        "incidents": [ev_a.incident_id, ev_b.incident_id],
                        "gun": f"slide {slides[name_a]}",
                    }
                )
    bulk = _bulk_casings(ctx, agencies, start=len(records) + 1)
    ctx.truth["ballistics"] = {"evidence": len(records), "planted_links": planted}
    if bulk:
        ctx.truth["ballistics"]["evidence_without_scan"] = bulk
    ctx.say(f"{len(records)} casings with scans; {len(planted)} planted same-gun links")
    if bulk:
        ctx.say(f"{bulk} more casings (evidence records without scans) by COPY")


def _bulk_casings(ctx: DemoContext, agencies: list[Any], *, start: int) -> int:
    """The scale's remaining casings as evidence of the agencies' shootings, by COPY."""
    from portal.incidents.models import Incident

    count = ctx.scale.casings - (start - 1)
    if ctx.scale.casings < BULK_CASINGS_FROM or count <= 0:
        return 0
    rng = random.Random(ctx.rng.random())
    shootings = {
        agency.pk: list(
            Incident.objects.filter(agency=agency, offense__endswith="- GUN")
            .order_by("pk")
            .values_list("pk", "occurred_at")
        )
        for agency in agencies
    }
    calibers = [row[:3] for row in BULK_CALIBERS]
    weights = list(itertools.accumulate(row[3] for row in BULK_CALIBERS))

    def rows() -> Iterator[tuple[Any, ...]]:
        number = start
        while number < start + count:
            agency = agencies[0] if rng.random() < 0.7 else agencies[1]
            pool = shootings[agency.pk]
            incident_id, occurred_at = pool[rng.randrange(len(pool))] if pool else (None, None)
            caliber, headstamps, pin = rng.choices(calibers, cum_weights=weights)[0]
            recovered_at = (
                occurred_at + dt.timedelta(minutes=rng.randint(30, 240)) if occurred_at else None
            )
            # A shooting leaves one to four casings of the one gun.
            for _ in range(min(rng.choice((1, 1, 2, 2, 3, 4)), start + count - number)):
                yield (
                    agency.pk,
                    f"BE-{number:06d}",
                    incident_id,
                    EvidenceKind.SCENE_CASING,
                    caliber,
                    rng.choice(headstamps),
                    pin,
                    rng.choice(("parallel", "granular", "arched", "cross-hatched")),
                    rng.choice(("3 o'clock", "4 o'clock", "5 o'clock", "7 o'clock")),
                    recovered_at,
                    "Crime scene unit",
                    "Demo casing (synthetic case, no scan).",
                )
                number += 1

    written = copy_rows(Evidence, EVIDENCE_FIELDS, rows())
    analyze(Evidence)
    return written

"""Demo ballistic evidence: the real Fadul scans as casings from the demo shootings.

Casings fired by the same slide are spread over different shootings, so the
demo holds planted same-gun links between incidents (ctx.truth["ballistics"]).
Features are computed once per scan at import; no correlation runs here.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from ballistics.choices import EvidenceKind, FiringPinShape
from ballistics.models import Evidence, Scan
from ballistics.services import scan_import
from portal.demo import DemoContext

ORDER = 30
CALIBER = "9mm Luger"


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
    ctx.truth["ballistics"] = {"evidence": len(records), "planted_links": planted}
    ctx.say(f"{len(records)} casings with scans; {len(planted)} planted same-gun links")

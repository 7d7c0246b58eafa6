"""Writes: importing scans (with their engine features) and scoring them."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ballistics.choices import Decision
from ballistics.correlation import coarse, engine
from ballistics.correlation.preprocess import Prepared
from ballistics.models import Candidate, Scan
from ballistics.x3p import X3PError, read_x3p
from portal.audit import audit_log
from portal.choices import AuditEventType
from portal.jobs import JobFailed, job_start, register
from portal.models import Agency, Job, SharingAgreement, User

MAX_SCAN_BYTES = 100 * 1024 * 1024


def originals_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "ballistics" / "originals"
    path.mkdir(parents=True, exist_ok=True)
    return path


def scan_features(scan: Scan) -> engine.ScanFeatures:
    """The stored engine features of a scan, as the engine wants them."""
    side = scan.prepared_side
    heights = np.frombuffer(bytes(scan.prepared), dtype=np.float32).reshape(side, side)
    prepared = Prepared(heights.astype(np.float64), scan.prepared_resolution_um)
    return engine.ScanFeatures(prepared, coarse.Signature.from_bytes(bytes(scan.signature)))


@transaction.atomic
def scan_import(
    *, agency: Agency, name: str, data: bytes, caliber: str = "", firing_pin_shape: str = ""
) -> tuple[Scan, bool]:
    """Store an X3P file under a generated name with its SHA-256 and features.

    Returns (scan, created); the same file imported twice by one agency is one scan.
    """
    if len(data) > MAX_SCAN_BYTES:
        raise X3PError(f"The file is larger than {MAX_SCAN_BYTES} bytes.")
    digest = hashlib.sha256(data).hexdigest()
    existing = Scan.objects.filter(agency=agency, sha256=digest).first()
    if existing is not None:
        return existing, False
    surface = read_x3p(data)
    features = engine.features(surface)
    stored_name = f"{uuid.uuid4().hex}.x3p"
    target = originals_dir() / stored_name
    target.write_bytes(data)
    heights = features.prepared.heights
    scan = Scan.objects.create(
        agency=agency,
        original_name=Path(name).name[:255],
        stored_name=stored_name,
        sha256=digest,
        size=len(data),
        caliber=caliber,
        firing_pin_shape=firing_pin_shape,
        rows=surface.shape[0],
        columns=surface.shape[1],
        resolution_um=surface.resolution_um,
        valid_fraction=surface.valid_fraction,
        prepared_side=heights.shape[0],
        prepared_resolution_um=features.prepared.resolution_um,
        prepared=np.ascontiguousarray(heights, dtype=np.float32).tobytes(),
        signature=features.signature.to_bytes(),
    )
    audit_log(
        request=None,
        event_type=AuditEventType.CREATE,
        obj=scan,
        detail={"file": scan.original_name, "sha256": digest},
    )
    return scan, True


def scans_import_folder(*, agency: Agency, folder: Path) -> dict[str, object]:
    """Import every .x3p file of a folder; a bad file is reported, not fatal."""
    result: dict[str, object] = {"created": 0, "unchanged": 0, "errors": []}
    errors: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.x3p")):
        try:
            _, created = scan_import(agency=agency, name=path.name, data=path.read_bytes())
        except X3PError as error:
            errors.append({"file": path.name, "reason": str(error)})
            continue
        key = "created" if created else "unchanged"
        result[key] = int(result[key]) + 1  # type: ignore[call-overload]
    result["errors"] = errors
    return result


def scans_correlate_all(scans: Iterable[Scan], out: Path, processes: int = 2) -> int:
    """Write the CMC score of every pair of scans (scan_a, scan_b, score) to a CSV file."""
    chosen = list(scans)
    features = [scan_features(scan) for scan in chosen]
    scores = engine.all_pairs(features, processes=processes)
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["scan_a", "scan_b", "score"])
        for i, j in itertools.combinations(range(len(chosen)), 2):
            writer.writerow([chosen[i].original_name, chosen[j].original_name, scores[i, j]])
    return len(scores)


def gallery_agencies(agency: Agency) -> list[int]:
    """The agency itself and every agency that shares its records with it."""
    sharing = SharingAgreement.objects.active().filter(partner=agency)
    return [agency.pk, *sharing.values_list("owner_id", flat=True)]


SHORTLIST = 40
KEEP = 20


def scan_correlate(
    *, scan: Scan, progress: Callable[[int, int], None] | None = None
) -> list[Candidate]:
    """Rank the same-class scans the agency may see against `scan`; store the best KEEP.

    Idempotent: a second run replaces the undecided candidates and keeps decisions.
    """
    gallery = list(
        Scan.objects.filter(
            agency_id__in=gallery_agencies(scan.agency),
            caliber=scan.caliber,
            firing_pin_shape=scan.firing_pin_shape,
        )
        .exclude(pk=scan.pk)
        .only("pk", "signature", "original_name")
    )
    if not gallery:
        return []
    stacked = np.stack([coarse.Signature.from_bytes(bytes(s.signature)).spectrum for s in gallery])

    def load(index: int) -> engine.ScanFeatures:
        return scan_features(Scan.objects.get(pk=gallery[index].pk))

    if progress:
        progress(0, 1)
    ranked = engine.rank(scan_features(scan), stacked, load, shortlist=SHORTLIST)
    kept: list[Candidate] = []
    with transaction.atomic():
        Candidate.objects.filter(query=scan, decision=Decision.PENDING).delete()
        for position, item in enumerate(ranked[:KEEP], 1):
            result = item.result
            forward = result.forward if result else None
            size = forward.cell_size if forward else 0
            cells = [
                {
                    "top": c.top,
                    "left": c.left,
                    "size": size,
                    "dx": c.dx,
                    "dy": c.dy,
                    "ccf": round(c.ccf, 3),
                    "congruent": c.congruent,
                }
                for c in (forward.cells if forward else [])
            ]
            resolution = scan.prepared_resolution_um
            candidate, _ = Candidate.objects.update_or_create(
                query=scan,
                candidate=gallery[item.index],
                defaults={
                    "agency": scan.agency,
                    "rank": position,
                    "coarse_score": item.coarse_score,
                    "score": item.score or 0.0,
                    "angle": forward.angle if forward else 0.0,
                    "dx_um": (forward.dx if forward else 0.0) * resolution,
                    "dy_um": (forward.dy if forward else 0.0) * resolution,
                    "cells": cells,
                },
            )
            kept.append(candidate)
    if progress:
        progress(1, 1)
    return kept


@transaction.atomic
def candidate_decide(
    *, candidate: Candidate, decision: str, user: User, examined_on: dt.date | None = None
) -> Candidate:
    """Record the examiner's decision; a confirmed match needs the examination date."""
    if decision not in Decision.values or decision == Decision.PENDING:
        raise ValueError(f"Unknown decision {decision!r}.")
    if decision == Decision.CONFIRMED and examined_on is None:
        raise ValueError("A confirmed match needs the date of the microscope examination.")
    candidate.decision = decision
    candidate.examiner = user
    candidate.decided_at = timezone.now()
    candidate.examined_on = examined_on
    candidate.save(
        update_fields=["decision", "examiner", "decided_at", "examined_on", "updated_at"]
    )
    audit_log(
        request=None,
        event_type=AuditEventType.UPDATE,
        obj=candidate,
        user=user,
        detail={"decision": decision},
    )
    return candidate


@register("ballistics_correlate", queue="correlation")
def _correlate_job(job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
    scan = Scan.objects.filter(pk=job.params.get("scan_id"), agency=job.agency).first()
    if scan is None:
        raise JobFailed("The scan no longer exists.")
    kept = scan_correlate(scan=scan, progress=progress)
    return {"candidates": len(kept), "best": kept[0].score if kept else None}


def scan_correlate_start(*, scan: Scan, user: User | None = None) -> Job:
    """Enqueue the correlation of a new scan on the correlation queue (after commit)."""
    return job_start(
        agency=scan.agency,
        kind="ballistics_correlate",
        label=f"Correlate {scan.original_name}",
        created_by=user,
        params={"scan_id": scan.pk},
    )

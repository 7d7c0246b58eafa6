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
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ballistics.choices import Decision
from ballistics.correlation import coarse, engine
from ballistics.correlation.preprocess import Prepared
from ballistics.models import Candidate, Evidence, Photograph, Scan
from ballistics.validators import decision_problem
from ballistics.x3p import X3PError, read_x3p
from portal.audit import audit_log
from portal.choices import AuditEventType
from portal.jobs import JobFailed, job_start, register
from portal.models import Agency, Job, SharingAgreement, User
from portal.uploads import image_store

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
    *,
    agency: Agency,
    name: str,
    data: bytes,
    caliber: str = "",
    firing_pin_shape: str = "",
    evidence: Evidence | None = None,
    request: HttpRequest | None = None,
) -> tuple[Scan, bool]:
    """Store an X3P file under a generated name with its SHA-256 and features.

    Returns (scan, created); the same file imported twice by one agency is one scan.
    With `evidence`, the scan belongs to it and takes its correlation class.
    """
    if len(data) > MAX_SCAN_BYTES:
        raise X3PError(f"The file is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB.")
    if evidence is not None:
        caliber, firing_pin_shape = evidence.caliber, evidence.firing_pin_shape
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
        evidence=evidence,
    )
    audit_log(
        request=request,
        event_type=AuditEventType.CREATE,
        obj=scan,
        detail={"file": scan.original_name, "sha256": digest},
    )
    return scan, True


def scan_upload(
    *,
    evidence: Evidence,
    user: User,
    upload: UploadedFile,
    request: HttpRequest | None = None,
) -> tuple[Scan, bool]:
    """Store an uploaded X3P scan of an evidence item and start its correlation on a worker.

    The declared size is checked before anything is read, and the stream is cut
    off at the limit whatever the declaration said. The same file uploaded
    again is the stored scan, not re-correlated.
    """
    if (upload.size or 0) > MAX_SCAN_BYTES:
        raise X3PError(f"The file is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB.")
    parts: list[bytes] = []
    read = 0
    for chunk in upload.chunks():
        read += len(chunk)
        if read > MAX_SCAN_BYTES:
            raise X3PError(f"The file is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB.")
        parts.append(chunk)
    with transaction.atomic():
        scan, created = scan_import(
            agency=evidence.agency,
            name=upload.name or "scan.x3p",
            data=b"".join(parts),
            evidence=evidence,
            request=request,
        )
        if created:
            scan_correlate_start(scan=scan, user=user)
    return scan, created


def scan_original_path(scan: Scan) -> str:
    """The storage name of the scan's untouched X3P file (for original_download)."""
    return f"ballistics/originals/{scan.stored_name}"


@transaction.atomic
def evidence_create(*, user: User, request: HttpRequest | None = None, **fields: Any) -> Evidence:
    """Register an evidence item for the user's agency; the first custody entry is its receipt."""
    evidence = Evidence(agency=user.agency, **fields)
    evidence.full_clean()
    evidence.custody_log = [
        {
            "at": timezone.now().isoformat(timespec="seconds"),
            "by": user.get_username(),
            "action": "Registered in the portal",
        }
    ]
    evidence.save()
    audit_log(request=request, event_type=AuditEventType.CREATE, obj=evidence, user=user)
    return evidence


@transaction.atomic
def evidence_custody_append(
    *,
    evidence: Evidence,
    user: User,
    action: str,
    at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> Evidence:
    """Append one chain-of-custody entry; earlier entries are never changed.

    The row is locked so that two entries written at once both survive.
    """
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    entry = {
        "at": (at or timezone.now()).isoformat(timespec="seconds"),
        "by": user.get_username(),
        "action": action.strip()[:500],
        "recorded_at": timezone.now().isoformat(timespec="seconds"),
    }
    locked.custody_log = [*locked.custody_log, entry]
    locked.save(update_fields=["custody_log", "updated_at"])
    audit_log(
        request=request,
        event_type=AuditEventType.UPDATE,
        obj=locked,
        user=user,
        detail={"custody": entry["action"]},
    )
    return locked


def photograph_add(
    *,
    evidence: Evidence,
    user: User,
    chunks: Iterable[bytes],
    original_name: str,
    caption: str = "",
    request: HttpRequest | None = None,
) -> Photograph:
    """Check and store a photograph (SECURITY.md item 12 through image_store)."""
    stored = image_store(chunks, original_name=original_name, folder="ballistics/photographs")
    photograph = Photograph.objects.create(
        agency=evidence.agency,
        evidence=evidence,
        caption=caption[:200],
        original_name=stored.original_name,
        original_path=stored.original_path,
        display_path=stored.display_path,
        sha256=stored.sha256,
        size=stored.size,
        width=stored.width,
        height=stored.height,
        image_type=stored.image_type,
    )
    audit_log(
        request=request,
        event_type=AuditEventType.CREATE,
        obj=photograph,
        user=user,
        detail={"file": stored.original_name, "sha256": stored.sha256},
    )
    return photograph


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
            # Surfaces are compared at one sampling (a scan whose original was
            # missing when the engine changed keeps the old one).
            prepared_resolution_um=scan.prepared_resolution_um,
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
        progress(0, min(SHORTLIST, len(gallery)))
    ranked = engine.rank(scan_features(scan), stacked, load, shortlist=SHORTLIST, progress=progress)
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
    return kept


@transaction.atomic
def candidate_decide(
    *,
    candidate: Candidate,
    decision: str,
    user: User,
    examined_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> Candidate:
    """Record the examiner's decision; a confirmed match needs the examination date.

    A plain save() so that post_save fires: the leads app raises or joins a
    ballistic lead from it (this app knows nothing of leads).
    """
    if decision not in Decision.values or decision == Decision.PENDING:
        raise ValueError(f"Unknown decision {decision!r}.")
    problem = decision_problem(decision, examined_on)
    if problem:
        raise ValueError(problem)
    candidate.decision = decision
    candidate.examiner = user
    candidate.decided_at = timezone.now()
    candidate.examined_on = examined_on
    candidate.save()
    audit_log(
        request=request,
        event_type=AuditEventType.UPDATE,
        obj=candidate,
        user=user,
        detail={
            "decision": decision,
            "examined_on": examined_on.isoformat() if examined_on else None,
        },
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

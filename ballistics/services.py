"""Writes: importing scans (with their engine features) and scoring them."""

from __future__ import annotations

import csv
import hashlib
import itertools
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from ballistics.correlation import coarse, engine
from ballistics.correlation.preprocess import Prepared
from ballistics.models import Scan
from ballistics.x3p import X3PError, read_x3p
from portal.audit import audit_log
from portal.choices import AuditEventType
from portal.models import Agency

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

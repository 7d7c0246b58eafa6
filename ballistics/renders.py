"""The review images of scans and candidates, drawn once and kept on disk.

Drawing a comparison means rebuilding both surfaces from their stored
features and rotating one of them: tens of milliseconds that a page with
several images, opened by several examiners, should not pay each time. The
files are keyed by scan id and (for a candidate) by the alignment, so a
re-correlation that moves the alignment draws afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from ballistics import rendering
from ballistics.models import Candidate, Scan
from ballistics.services import scan_features

CANDIDATE_IMAGES = ("query", "candidate", "overlay")


def renders_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "ballistics" / "renders"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cached(name: str, draw: Callable[[], bytes]) -> bytes:
    target = renders_dir() / name
    if target.exists():
        return target.read_bytes()
    data = draw()
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: a concurrent reader never sees half a file
    return data


def scan_surface(scan: Scan) -> bytes:
    """The prepared surface of a scan with its colour scale."""
    return _cached(
        f"scan-{scan.pk}-{scan.sha256[:12]}.png",
        lambda: rendering.surface_png(
            scan_features(scan).prepared.heights, f"{scan.original_name} (breech face)"
        ),
    )


def candidate_image(candidate: Candidate, which: str) -> bytes:
    """One of the candidate page's images: 'query', 'candidate' or 'overlay'."""
    alignment = json.dumps(
        [candidate.angle, candidate.dx_um, candidate.dy_um, candidate.cells], sort_keys=True
    )
    key = hashlib.sha256(alignment.encode()).hexdigest()[:12]
    pair = f"{candidate.query_id}-{candidate.candidate_id}"
    return _cached(
        f"candidate-{candidate.pk}-{pair}-{which}-{key}.png", lambda: _draw(candidate, which)
    )


def _draw(candidate: Candidate, which: str) -> bytes:
    query = scan_features(candidate.query).bank()
    other = scan_features(candidate.candidate).bank()
    cells = candidate.cells
    if which == "query":
        return rendering.reference_cells_png(
            query.heights, cells, f"{candidate.query.original_name}: cells (green = congruent)"
        )
    if which == "candidate":
        return rendering.matched_cells_png(
            query.side,
            other.heights,
            candidate.angle,
            cells,
            f"{candidate.candidate.original_name}, turned {candidate.angle:+.0f}°",
        )
    resolution = candidate.query.prepared_resolution_um
    return rendering.overlay_png(
        query.heights,
        other.heights,
        candidate.angle,
        candidate.dx_um / resolution,
        candidate.dy_um / resolution,
        "Aligned overlay",
    )

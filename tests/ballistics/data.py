"""Test data: the shared real data (found by walking up), and X3P zips to tamper with."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from ballistics.x3p import Surface, write_x3p


def fadul_dir() -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "ballistics" / "fadul"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared/data/ballistics/fadul not found beside the repository")


def x3p_members() -> dict[str, bytes]:
    """The members of a small valid X3P file, by name, for a test to alter."""
    with zipfile.ZipFile(io.BytesIO(write_x3p(Surface(np.zeros((4, 4)), 1e-6, 1e-6)))) as z:
        return {name: z.read(name) for name in z.namelist()}


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """The members zipped again (deflated), as an uploaded X3P file would be."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()

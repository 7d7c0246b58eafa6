"""Fixtures of the incident tests: the shared real data, an analyst of agency A."""

from __future__ import annotations

from pathlib import Path


def _shared_data() -> Path:
    # The repository is checked out beside shared/ (CI and main); a worktree sits one deeper.
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    raise RuntimeError("shared/data is not beside the repository")


SHARED = _shared_data()

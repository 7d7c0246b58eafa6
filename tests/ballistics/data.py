"""Where the shared real data lives (beside the repository, found by walking up)."""

from __future__ import annotations

from pathlib import Path


def fadul_dir() -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "ballistics" / "fadul"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared/data/ballistics/fadul not found beside the repository")

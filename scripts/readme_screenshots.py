"""Copy the README's screenshots from the browser journeys' output into docs/screenshots.

The journeys in tests/e2e save a full-page PNG of every page they visit under
test-output/screenshots/<test name>/<NN>-<label>.png. This script picks the
few the README shows, crops each to the top of the page (what a user sees
first) and writes it as a JPEG under a stable name, small enough to commit:

    .venv/bin/pytest -q -p no:cacheprovider tests/e2e
    .venv/bin/python scripts/readme_screenshots.py

It fails, naming what is missing, if a journey did not produce a screenshot.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "test-output" / "screenshots"
TARGET = ROOT / "docs" / "screenshots"
MAX_BYTES = 250_000
MAX_HEIGHT = 1600

# Stable name in docs/screenshots -> (journey test, label the journey gave `snap`).
CHOSEN: dict[str, tuple[str, str]] = {
    "lab-side-by-side.jpg": (
        "test_register_casing_upload_scan_review_candidates_and_confirm",
        "side-by-side",
    ),
    "etrace-import-report.jpg": (
        "test_analyst_imports_an_etrace_file_and_finds_the_trafficking_lead",
        "import-report",
    ),
    "lead-queue.jpg": (
        "test_register_casing_upload_scan_review_candidates_and_confirm",
        "lead-queue-after-match",
    ),
    "lead-page.jpg": (
        "test_analyst_imports_an_etrace_file_and_finds_the_trafficking_lead",
        "trafficking-lead",
    ),
    "case-dashboard.jpg": ("test_detective_case_gun_story_and_search", "case-dashboard"),
    "firearm-timeline.jpg": ("test_detective_case_gun_story_and_search", "firearm-timeline"),
    "network.jpg": ("test_network_page_draws_filters_exports_and_clicks_through", "network-drawn"),
    "alert-map.jpg": ("test_incident_map_alert_map_and_live_view_draw_their_charts", "alerts_map"),
}


def screenshot_find(test: str, label: str) -> Path | None:
    """The last screenshot a journey took under `label` (numbered NN-label.png)."""
    found = sorted((SOURCE / test).glob(f"[0-9][0-9]-{label}.png"))
    return found[-1] if found else None


def screenshot_write(source: Path, target: Path) -> int:
    """Crop to the top of the page and save as a JPEG under MAX_BYTES; return its size."""
    with Image.open(source) as image:
        picture = image.convert("RGB")
    if picture.height > MAX_HEIGHT:
        picture = picture.crop((0, 0, picture.width, MAX_HEIGHT))
    for quality in (82, 72, 62, 52):
        picture.save(target, "JPEG", quality=quality, optimize=True, progressive=True)
        if target.stat().st_size <= MAX_BYTES:
            break
    return target.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    TARGET.mkdir(parents=True, exist_ok=True)
    missing = []
    for name, (test, label) in CHOSEN.items():
        source = screenshot_find(test, label)
        if source is None:
            missing.append(f"{test}: {label}")
            continue
        size = screenshot_write(source, TARGET / name)
        print(f"{name}: {source.relative_to(ROOT)} ({size // 1000} kB)")
    if missing:
        print("missing (run tests/e2e first):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""An analyst opens the source analytics and the trafficking index in Chromium.

The choropleth and the hot-spot map are MapLibre maps on the white-bg style with
the portal's own state shapes: the page fixture fails on any request that leaves
the portal, any failed request and any console error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import sign_in, snap, visit
from tests.factories import UserFactory
from tests.tracing.helpers import row, run_import, write_etrace

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def traces(agency_a, tmp_path):
    straw = {
        "purchaser_last": "ROE",
        "purchaser_first": "RAY",
        "purchaser_dob": "1991-02-03",
        "possessor_last": "POE",
        "purchase_date": "2024-01-02",
        "ffl_number": "1-57-041-01-9A-00077",
        "dealer_name": "CORRIDOR PAWN",
        "dealer_state": "SC",
    }
    rows = [
        row(
            f"T-S{i}",
            serial_number=f"S{i}",
            recovery_lat=f"39.{30 + i}",
            recovery_lon="-76.6",
            **straw,
        )
        for i in range(3)
    ]
    rows.append(
        row(
            "T-OLD",
            serial_number="OLD1",
            purchase_date="2010-05-05",
            recovery_lat="39.2",
            recovery_lon="-76.5",
        )
    )
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))


def test_analytics_maps_charts_downloads_and_ranking(page, agency_a, password, traces):
    UserFactory(username="analyst9", agency=agency_a, role="analyst")
    sign_in(page, "analyst9", password)

    visit(page, "/traces/analytics/")
    for name in ("states", "hotspots"):
        page.wait_for_selector(f"#chart-{name} canvas.maplibregl-canvas", timeout=20000)
    for name in ("comparison", "corridors", "ttc", "dealers", "months", "types"):
        page.wait_for_selector(f"#chart-{name} .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")
    snap(page, "analytics-drawn")

    # The choropleth's PNG, from plotly's own modebar (no server round trip).
    page.locator("#chart-states").hover()
    with page.expect_download() as png:
        page.locator('#chart-states .modebar-btn[data-title="Download plot as a PNG"]').click()
    assert png.value.suggested_filename == "source-states.png"
    image = Path(png.value.path()).read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 20_000

    with page.expect_download() as data:
        page.locator("#h-states").locator("xpath=..").get_by_role(
            "link", name="its data as CSV"
        ).click()
    assert data.value.suggested_filename == "source-states.csv"
    assert "SC,3" in Path(data.value.path()).read_text()

    visit(page, "/traces/analytics/dealers/")
    page.wait_for_selector("#chart-dealers .main-svg", timeout=20000)
    assert "CORRIDOR PAWN" in page.content()

    visit(page, "/traces/analytics/trafficking/")
    assert "3 guns recovered within a year of sale (+9.0)" in page.content()
    page.get_by_role("link", name="Dealers").click()
    page.wait_for_load_state("networkidle")
    snap(page, "trafficking-dealers")
    assert "CORRIDOR PAWN" in page.content()

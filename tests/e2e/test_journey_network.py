"""A detective finds a gun, opens its network in Chromium, filters it and follows a node.

The page fixture fails on any console error, failed request or request that
leaves the portal (plotly is served by the portal; the click handler is a static file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leads.models import Entity, EntityKind, EntityMention
from leads.sources import agency_sources_sync
from tests.e2e.conftest import sign_in, snap, visit
from tests.factories import UserFactory
from tests.tracing.helpers import row, run_import, write_etrace
from tracing.models import Firearm

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_network_page_draws_filters_exports_and_clicks_through(page, agency_a, password, tmp_path):
    rows = [
        row("T1", possessor_last="ROE", possessor_first="RICHARD", possessor_dob=""),
        row("T2", serial_number="XYZ987", recovery_address="5 OAK AVE"),
    ]
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))
    agency_sources_sync(agency_id=agency_a.pk)
    gun = Firearm.objects.get(serial_normalised="ABC123")
    entity = EntityMention.objects.get(content_type__model="firearm", object_id=gun.pk).entity
    dealer = Entity.objects.get(kind=EntityKind.DEALER)
    UserFactory(username="detective9", agency=agency_a, role="detective")
    sign_in(page, "detective9", password)

    visit(page, "/entities/?q=ABC123")
    page.get_by_role("link", name="Network").first.click()
    page.wait_for_selector("#network-chart .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")
    snap(page, "network-drawn")
    assert page.get_by_role("link", name=dealer.label).count() >= 1

    # The picture from plotly's own toolbar, the data as CSV.
    page.locator("#network-chart").hover()
    with page.expect_download() as png:
        page.locator('#network-chart .modebar-btn[data-title="Download plot as a PNG"]').click()
    assert png.value.suggested_filename == f"network-{entity.pk}.png"
    with page.expect_download() as data:
        page.get_by_role("link", name="its nodes and links as CSV").click()
    assert "sold_by" in Path(data.value.path()).read_text()

    # Only "sold by" links: the possessor drops out of the table.
    page.get_by_label("Sold by").check()
    page.get_by_role("button", name="Draw").click()
    page.wait_for_selector("#network-chart .main-svg", timeout=20000)
    snap(page, "network-sold-by")
    assert "Possessed" not in page.locator("table").last.inner_text()

    # A click on the dealer's node opens the dealer's entity page.
    point = page.locator("#network-chart .scatterlayer .trace .points path").last
    with page.expect_navigation():
        point.click(force=True)
    page.wait_for_load_state("networkidle")
    snap(page, "entity-from-node")
    assert "/entities/" in page.url

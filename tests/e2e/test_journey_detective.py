"""A detective opens a case, follows a gun from the dealer to the crime scene, and finds a
person by a misspelt name."""

from __future__ import annotations

import pytest

from tests.cases.story import build_story
from tests.e2e.conftest import sign_in, snap, visit

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_detective_case_gun_story_and_search(page, agency_a, agency_b, owner, outsider, password):
    story = build_story(agency_a, agency_b, owner, outsider)
    sign_in(page, "owner", password)

    # Home: my cases.
    visit(page, "/")
    page.get_by_role("link", name="C-2024-17: Elm Street shootings").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(story.case.get_absolute_url())
    # Map, timeline and network are drawn by plotly from the page's figures.
    for chart in ("#case-map", "#case-timeline", "#case-network"):
        page.wait_for_selector(f"{chart} .main-svg", timeout=15000)
    # The incident, its alert and the gun's recovery are points on the offline map (SVG).
    assert page.locator("#case-map .scatterlayer path.point").count() == 3
    assert page.get_by_role("heading", name="This gun was also used in").is_visible()
    assert (
        "Incident 24-900202"
        in page.locator("section", has_text="This gun was also used in").inner_text()
    )
    snap(page, "case-dashboard")

    # The gun's page: from the dealer's counter to the crime scene.
    page.get_by_role("link", name="GLOCK 19 9MM (XK41977)").first.click()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#firearm-timeline .main-svg", timeout=15000)
    steps = page.locator("ol.timeline li").all_inner_texts()
    sale = next(
        i for i, step in enumerate(steps) if "Sold by RIVERSIDE ARMS to JOHNSON, MARCUS" in step
    )
    shooting = next(i for i, step in enumerate(steps) if "Incident 24-900101" in step)
    recovery = next(i for i, step in enumerate(steps) if "Recovered at 1200 HARBOR LANE" in step)
    assert sale < shooting < recovery
    assert "Time-to-crime (purchase to recovery): 508 days" in page.content()
    snap(page, "firearm-timeline")
    page.locator("ol.timeline").get_by_role(
        "link", name="Sold by RIVERSIDE ARMS to JOHNSON, MARCUS"
    ).click()
    page.wait_for_load_state("networkidle")
    snap(page, "dealer")
    assert "RIVERSIDE ARMS" in page.content()
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.locator("ol.timeline").get_by_role(
        "link", name="Incident 24-900101: AGGRAVATED ASSAULT"
    ).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Incident 24-900101").is_visible()
    assert "SS-CASE-1" in page.content()
    snap(page, "crime-scene")

    # A misspelt name in the header's search box finds the purchaser.
    page.locator("#site-search-q").fill("Marcus Jonson")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_load_state("networkidle")
    snap(page, "search")
    page.get_by_role("link", name="JOHNSON, MARCUS").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Timeline of this person").is_visible()
    snap(page, "person")

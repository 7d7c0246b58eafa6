"""An analyst looks at an incident with its linked alerts, the alert map and the live view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.e2e.conftest import sign_in, visit
from tests.factories import UserFactory
from tests.incidents.factories import AlertFactory, AlertIncidentLinkFactory, IncidentFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_incident_map_alert_map_and_live_view_draw_their_charts(page, agency_a, password):
    UserFactory(username="analyst1", agency=agency_a, role="analyst")
    now = timezone.now() - dt.timedelta(hours=1)
    incident = IncidentFactory(agency=agency_a, incident_number="26-000123", occurred_at=now)
    alert = AlertFactory(agency=agency_a, source_id="LIVE0001", fired_at=now)
    AlertIncidentLinkFactory(agency=agency_a, alert=alert, incident=incident)

    sign_in(page, "analyst1", password)
    visit(page, incident.get_absolute_url())
    assert page.get_by_role("heading", name="26-000123").count() or "26-000123" in page.content()
    assert "LIVE0001" in page.content()
    # plotly drew the map from the figure in the page (no inline script).
    page.wait_for_selector("#incident-map .main-svg", timeout=15000)

    visit(page, "/alerts/map/")
    page.wait_for_selector("#alert-map .main-svg", timeout=15000)

    visit(page, "/alerts/live/")
    page.wait_for_selector("#live-map .main-svg", timeout=15000)
    assert "LIVE0001" in page.content()

"""The demo city's incidents and alerts: the planted links and shootings are found."""

from __future__ import annotations

import pytest

from portal.demo import seed_demo
from portal.incidents.models import AlertIncidentLink, Incident, IncidentPerson, ShotSpotterAlert

pytestmark = pytest.mark.django_db


def test_demo_incidents_alerts_and_the_links_linking_finds(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    ctx = seed_demo(scale="small", seed_value=5)
    truth = ctx.truth["incidents"]
    assert Incident.objects.count() == truth["incidents"] == ctx.scale.incidents
    assert ShotSpotterAlert.objects.count() == truth["alerts"] == ctx.scale.alerts
    assert IncidentPerson.objects.count() == truth["persons"] > 0
    found = set(
        AlertIncidentLink.objects.values_list("alert__source_id", "incident__incident_number")
    )
    planted = {tuple(pair) for pair in truth["planted_links"]}
    assert planted and planted <= found
    for event in truth["planted_events"]:
        events = set(
            ShotSpotterAlert.objects.filter(source_id__in=event).values_list("event_id", flat=True)
        )
        assert len(events) == 1 and None not in events

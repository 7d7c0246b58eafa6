"""The demo city's incidents and alerts: the planted links and shootings are found."""

from __future__ import annotations

import random

import pytest

from portal import demo as platform_demo
from portal.demo import SCALES, DemoContext, seed_demo
from portal.incidents import demo as incidents_demo
from portal.incidents.demo import TRUTH_MAX_LINKS, truth_stride
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


def test_city_scale_is_complete_and_linked():
    # The platform and incident steps only: other apps' city demos are theirs to test.
    ctx = DemoContext(scale=SCALES["city"], seed=11, rng=random.Random(11))
    platform_demo.seed(ctx)
    incidents_demo.seed(ctx)
    truth = ctx.truth["incidents"]
    assert Incident.objects.count() == 5_000 and ShotSpotterAlert.objects.count() == 15_000
    assert IncidentPerson.objects.count() == truth["persons"]
    # Up to the city scale the truth lists every planted link, and linking finds each.
    assert truth["truth_sample_every"] == 1
    assert len(truth["planted_links"]) == truth["planted_links_total"] > 1000
    found = set(
        AlertIncidentLink.objects.values_list("alert__source_id", "incident__incident_number")
    )
    assert {tuple(pair) for pair in truth["planted_links"]} <= found
    grouped = dict(ShotSpotterAlert.objects.values_list("source_id", "event_id"))
    for event in truth["planted_events"]:
        assert len({grouped[source_id] for source_id in event}) == 1
        assert grouped[event[0]] is not None
    # Person keys are unique within each incident, as the importer keys them.
    assert IncidentPerson.objects.values("person_key").distinct().count() == truth["persons"]


def test_state_scale_truth_is_a_sample_of_bounded_size():
    stride = truth_stride(200_000)
    assert stride > 1
    # About 0.6 planted links per incident: the sample stays near TRUTH_MAX_LINKS.
    assert 200_000 * 0.6 / stride <= TRUTH_MAX_LINKS
    assert truth_stride(5_000) == truth_stride(250) == 1

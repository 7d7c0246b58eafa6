"""Incident and alert pages and API lists: pinned query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from portal.incidents.models import Incident, ShotSpotterAlert
from tests.incidents.factories import (
    AlertFactory,
    AlertIncidentLinkFactory,
    IncidentFactory,
    IncidentPersonFactory,
    ShootingEventFactory,
)
from tests.query_counts import assert_flat_query_count

pytestmark = pytest.mark.django_db


def _linked(agency, *, when=None):
    """Incidents with persons, each with an alert linked to it and grouped into an event."""

    def grow(n):
        for _ in range(n):
            fired = when or timezone.now() - dt.timedelta(hours=2)
            incident = IncidentFactory(agency=agency, occurred_at=fired)
            IncidentPersonFactory(agency=agency, incident=incident)
            event = ShootingEventFactory(agency=agency, first_fired_at=fired, last_fired_at=fired)
            alert = AlertFactory(agency=agency, fired_at=fired, event=event)
            AlertIncidentLinkFactory(agency=agency, alert=alert, incident=incident)

    return grow


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        ("/incidents/", 6),
        ("/incidents/?shooting=true&has_alerts=true&district=&q=ASSAULT", 6),
        ("/alerts/", 6),
        ("/alerts/?linked=true&alert_type=multiple_gunshots", 7),
        ("/alerts/map/", 6),
        ("/alerts/live/", 5),
        ("/alerts/live.json", 4),
        ("/api/v1/incidents/", 5),
        ("/api/v1/shotspotter/alerts/", 5),
        ("/api/v1/alert-incident-links/", 5),
    ],
)
def test_lists_and_maps(analyst_client, agency_a, url, max_queries):
    assert_flat_query_count(analyst_client, url, _linked(agency_a), max_queries=max_queries)


def test_incident_detail(analyst_client, agency_a):
    incident = IncidentFactory(agency=agency_a)

    def grow(n):
        for _ in range(n):
            IncidentPersonFactory(agency=agency_a, incident=incident)
            AlertIncidentLinkFactory(
                agency=agency_a, alert=AlertFactory(agency=agency_a), incident=incident
            )

    # Content types are cached per process after first use (the "Add to case" form's).
    ContentType.objects.get_for_model(Incident)
    # 9 for the page, 1 for the "Add to case" form's open cases.
    assert_flat_query_count(analyst_client, incident.get_absolute_url(), grow, max_queries=10)


def test_alert_detail(analyst_client, agency_a):
    event = ShootingEventFactory(agency=agency_a)
    alert = AlertFactory(agency=agency_a, event=event)

    def grow(n):
        for _ in range(n):
            AlertFactory(agency=agency_a, event=event)
            AlertIncidentLinkFactory(
                agency=agency_a, alert=alert, incident=IncidentFactory(agency=agency_a)
            )

    ContentType.objects.get_for_model(ShotSpotterAlert)
    # 9 for the page, 1 for the "Add to case" form's open cases.
    assert_flat_query_count(analyst_client, alert.get_absolute_url(), grow, max_queries=10)


@pytest.mark.parametrize(
    ("route", "max_queries"),
    [("incident-detail", 8), ("shotspotter-alert-detail", 7), ("alert-link-detail", 5)],
)
def test_api_details(analyst_client, agency_a, route, max_queries):
    incident = IncidentFactory(agency=agency_a)
    alert = AlertFactory(agency=agency_a)
    link = AlertIncidentLinkFactory(agency=agency_a, alert=alert, incident=incident)

    def grow(n):
        for _ in range(n):
            IncidentPersonFactory(agency=agency_a, incident=incident)
            AlertIncidentLinkFactory(
                agency=agency_a, alert=AlertFactory(agency=agency_a), incident=incident
            )
            AlertIncidentLinkFactory(
                agency=agency_a, alert=alert, incident=IncidentFactory(agency=agency_a)
            )

    record = {"incident-detail": incident, "shotspotter-alert-detail": alert}.get(route, link)
    url = reverse(route, args=[record.pk])
    assert_flat_query_count(analyst_client, url, grow, max_queries=max_queries)

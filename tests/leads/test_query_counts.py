"""Lead, notification and entity pages and API lists: pinned query counts that do not grow
with the rows (the lead queue, lead page, entity page and review queue are pinned beside
their other tests)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Edge, EdgeKind, EntityKind, Notification
from tests.leads.factories import (
    EntityFactory,
    EntityMentionFactory,
    LeadFactory,
    LeadRecordFactory,
)
from tests.query_counts import assert_flat_query_count

pytestmark = pytest.mark.django_db
serial = itertools.count(1)


def _leads_and_entities(agency, user):
    """Assigned ballistic leads with a notification each, and linked, mentioned entities."""

    def grow(n):
        now = timezone.now()
        for _ in range(n):
            i = next(serial)
            lead: Any = LeadFactory(
                agency=agency,
                assignee=user,
                evidence_entered_at=now - dt.timedelta(hours=30 + i),
                assigned_at=now,
            )
            Notification.objects.create(user=user, lead=lead, text=f"Lead {i}", url="/leads/")
            person: Any = EntityFactory(agency=agency, label=f"Person {i}")
            gun: Any = EntityFactory(agency=agency, kind=EntityKind.FIREARM, label=f"SN{i:06d}")
            mention: Any = EntityMentionFactory(agency=agency, entity=person)
            EntityMentionFactory(agency=agency, entity=gun, role="firearm")
            Edge.objects.create(
                source=person, source_mention=mention, target=gun, kind=EdgeKind.POSSESSED
            )

    return grow


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        ("/leads/time-to-lead/", 6),
        ("/notifications/", 5),
        ("/notifications/count.json", 4),
        ("/leads/settings/", 5),
        ("/entities/", 5),
        ("/entities/?q=person&kind=person", 6),
        ("/api/v1/entities/", 5),
    ],
)
def test_pages_and_api_lists(supervisor_client, supervisor, agency_a, url, max_queries):
    grow = _leads_and_entities(agency_a, supervisor)
    assert_flat_query_count(supervisor_client, url, grow, max_queries=max_queries)


def test_entity_network(supervisor_client, agency_a):
    entity: Any = EntityFactory(agency=agency_a)

    def grow(n):
        for _ in range(n):
            mention: Any = EntityMentionFactory(agency=agency_a, entity=entity)
            gun: Any = EntityFactory(agency=agency_a, kind=EntityKind.FIREARM)
            Edge.objects.create(
                source=entity, source_mention=mention, target=gun, kind=EdgeKind.POSSESSED
            )

    url = reverse("entity_network", args=[entity.pk])
    assert_flat_query_count(supervisor_client, url, grow, max_queries=14)


@pytest.mark.parametrize(
    ("route", "max_queries"), [("lead-detail", 6), ("entity-detail", 6), ("entity-network", 13)]
)
def test_api_details(supervisor_client, agency_a, route, max_queries):
    lead: Any = LeadFactory(agency=agency_a)
    entity: Any = EntityFactory(agency=agency_a)

    def grow(n):
        for _ in range(n):
            LeadRecordFactory(lead=lead)
            mention: Any = EntityMentionFactory(agency=agency_a, entity=entity)
            gun: Any = EntityFactory(agency=agency_a, kind=EntityKind.FIREARM)
            Edge.objects.create(
                source=entity, source_mention=mention, target=gun, kind=EdgeKind.POSSESSED
            )

    url = reverse(route, args=[(lead if route == "lead-detail" else entity).pk])
    assert_flat_query_count(supervisor_client, url, grow, max_queries=max_queries)

"""The leads API: scoped like the pages, one lead with its records and their evidence."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from leads.models import Lead
from portal.models import AuditEvent
from tests.leads.factories import LeadFactory, LeadRecordFactory
from tests.query_counts import assert_flat_query_count

pytestmark = pytest.mark.django_db


def test_list_and_detail_are_scoped_and_the_detail_is_audited(
    owner_client: Client, outsider_client: Client, lead: Lead
) -> None:
    listed = owner_client.get("/api/v1/leads/").json()
    assert [row["number"] for row in listed["results"]] == [lead.number]
    detail = owner_client.get(f"/api/v1/leads/{lead.pk}/").json()
    assert detail["score_explanation"] == lead.score_explanation
    assert {r["label"] for r in detail["records"]} == set(
        lead.records.values_list("label", flat=True)
    )
    assert AuditEvent.objects.filter(event_type="view", object_id=str(lead.pk)).exists()
    assert outsider_client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert outsider_client.get("/api/v1/leads/").json()["results"] == []
    filtered = owner_client.get("/api/v1/leads/?kind=trafficking").json()
    assert filtered["results"] == []


def test_list_query_count_is_flat(owner_client: Client, agency_a: Any) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            LeadRecordFactory(lead=LeadFactory(agency=agency_a))

    assert_flat_query_count(owner_client, "/api/v1/leads/", grow, max_queries=5)

"""Open leads on the case dashboard, and the leads panels of the home pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from leads.models import Lead
from tests.cases.helpers import page_text
from tests.conftest import login
from tests.factories import UserFactory
from tests.leads.factories import LeadFactory, LeadRecordFactory
from tests.tracing.factories import TraceFactory

pytestmark = pytest.mark.django_db


def _on(lead, record):
    return LeadRecordFactory(
        lead=lead,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        label=str(record),
    )


@pytest.fixture
def leads(story, agency_a, agency_b, owner):
    on_incident = LeadFactory(agency=agency_a, title="Same gun at Elm and Quarry", assignee=owner)
    _on(on_incident, story.incident_in_case)
    on_trace = LeadFactory(agency=agency_a, title="Straw purchase pattern")
    _on(on_trace, story.trace)
    closed = LeadFactory(agency=agency_a, title="Closed lead", status="closed")
    _on(closed, story.incident_in_case)
    elsewhere = LeadFactory(agency=agency_a, title="Unrelated lead")
    _on(elsewhere, TraceFactory(agency=agency_a))
    foreign = LeadFactory(agency=agency_b, title="Agency B lead")
    _on(foreign, story.incident_in_case)
    return on_incident, on_trace


def test_case_shows_open_leads_on_its_records_only(story, leads, owner_client):
    text = page_text(owner_client.get(story.case.get_absolute_url()))
    panel = text[text.index("Open leads (") : text.index("People (")]
    assert "Open leads (2)" in panel
    assert "Same gun at Elm and Quarry" in panel and "owner" in panel
    assert "Straw purchase pattern" in panel  # on the trace of the case's gun
    for hidden in ("Closed lead", "Unrelated lead", "Agency B lead"):
        assert hidden not in text


def test_a_lead_added_to_the_case_is_an_open_lead_of_it(story, agency_a, owner_client):
    lead = LeadFactory(agency=agency_a, title="Added by hand")
    # The lead's own page carries the form.
    assert "Add to case" in page_text(owner_client.get(lead.get_absolute_url()))
    response = owner_client.post(
        "/cases/add/",
        {
            "case": story.case.pk,
            "content_type": ContentType.objects.get_for_model(Lead).pk,
            "object_id": lead.pk,
        },
    )
    assert response.status_code == 302
    assert "Added by hand" in page_text(owner_client.get(story.case.get_absolute_url()))


def test_outsider_cannot_add_an_agency_a_lead(story, agency_a, outsider_client):
    lead = LeadFactory(agency=agency_a)
    response = outsider_client.post(
        "/cases/add/",
        {
            "case": story.case_b.pk,
            "content_type": ContentType.objects.get_for_model(Lead).pk,
            "object_id": lead.pk,
        },
    )
    assert response.status_code == 404


def test_detective_home_lists_my_leads(story, leads, client, owner):
    login(client, owner)
    text = page_text(client.get("/"))
    section = text[text.index("My leads") : text.index("New links on my cases")]
    assert "Same gun at Elm and Quarry" in section
    assert "Straw purchase pattern" not in section  # not assigned to me


def test_analyst_home_lists_the_open_lead_queue(story, leads, client, agency_a):
    login(client, UserFactory(agency=agency_a, role="analyst"))
    text = page_text(client.get("/"))
    section = text[text.index("Lead queue") : text.index("Person pairs to review")]
    assert "Same gun at Elm and Quarry" in section and "Straw purchase pattern" in section
    assert "Closed lead" not in section and "Agency B lead" not in section


def test_supervisor_home_shows_time_to_lead(story, client, agency_a, agency_b):
    now = timezone.now()
    lead = LeadFactory(agency=agency_a)
    Lead.objects.filter(pk=lead.pk).update(
        created_at=now, evidence_entered_at=now - dt.timedelta(hours=30)
    )
    foreign = LeadFactory(agency=agency_b)
    Lead.objects.filter(pk=foreign.pk).update(
        created_at=now, evidence_entered_at=now - dt.timedelta(hours=500)
    )
    login(client, UserFactory(agency=agency_a, role="supervisor"))
    text = page_text(client.get("/"))
    assert "Median 30.0 hours from evidence entry to a ballistic lead (1 leads)" in text

"""The lead workflow: allowed and refused transitions, assignment, notifications, e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from leads.models import Lead, LeadEvent, LeadStatus, Notification
from leads.workflow import (
    TransitionRefused,
    allowed_transitions,
    lead_assign,
    lead_transition,
)
from portal.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_allowed_path_new_assigned_investigating_closed(
    lead: Lead, owner: Any, teammate: Any
) -> None:
    assert allowed_transitions(lead) == [LeadStatus.ASSIGNED, LeadStatus.CLOSED]
    lead = lead_assign(lead=lead, assignee=teammate, user=owner)
    assert lead.status == LeadStatus.ASSIGNED and lead.assigned_at is not None
    lead = lead_transition(lead=lead, status=LeadStatus.INVESTIGATING, user=teammate)
    lead = lead_transition(
        lead=lead, status=LeadStatus.CLOSED, user=teammate, outcome="arrest", note="Arrested."
    )
    lead.refresh_from_db()
    assert (lead.status, lead.outcome) == (LeadStatus.CLOSED, "arrest")
    assert lead.closed_at is not None
    assert allowed_transitions(lead) == []
    actions = list(LeadEvent.objects.filter(lead=lead).values_list("action", flat=True))
    assert actions == ["raised", "assigned", "status", "status"]
    assert AuditEvent.objects.filter(object_type="leads.lead", event_type="update").count() == 3


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (LeadStatus.NEW, LeadStatus.INVESTIGATING),
        (LeadStatus.NEW, LeadStatus.NEW),
        (LeadStatus.INVESTIGATING, LeadStatus.ASSIGNED),
        (LeadStatus.INVESTIGATING, LeadStatus.NEW),
        (LeadStatus.CLOSED, LeadStatus.NEW),
        (LeadStatus.CLOSED, LeadStatus.INVESTIGATING),
        (LeadStatus.ASSIGNED, "archived"),
    ],
)
def test_forbidden_transitions_are_refused(lead: Lead, owner: Any, start: str, target: str) -> None:
    Lead.objects.filter(pk=lead.pk).update(status=start, assignee=owner)
    with pytest.raises(TransitionRefused):
        lead_transition(lead=lead, status=target, user=owner, outcome="no_action")
    lead.refresh_from_db()
    assert lead.status == start


def test_closing_needs_an_outcome_and_assigning_needs_someone(lead: Lead, owner: Any) -> None:
    with pytest.raises(TransitionRefused):
        lead_transition(lead=lead, status=LeadStatus.CLOSED, user=owner)
    with pytest.raises(TransitionRefused):
        lead_transition(lead=lead, status=LeadStatus.ASSIGNED, user=owner)


def test_an_assignee_of_another_agency_is_refused(lead: Lead, owner: Any, outsider: Any) -> None:
    with pytest.raises(Exception, match="active user of its agency"):
        lead_assign(lead=lead, assignee=outsider, user=owner)


@pytest.mark.django_db(transaction=True)
def test_the_assignee_is_notified_in_the_portal_and_by_e_mail(
    agency_a: Any, owner: Any, settings: Any
) -> None:
    from tests.leads.conftest import raise_ballistic_lead

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    detective: Any = UserFactory(username="det1", agency=agency_a, email="det1@example.org")
    lead = raise_ballistic_lead(agency_a)
    lead_assign(lead=lead, assignee=detective, user=owner)
    notification = Notification.objects.get(user=detective)
    assert lead.number in notification.text and notification.url == lead.get_absolute_url()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["det1@example.org"]
    assert lead.number in mail.outbox[0].subject
    assert lead.get_absolute_url() in mail.outbox[0].body

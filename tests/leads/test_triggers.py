"""What starts the rules (the linking job's end) and what other pages read (leads on records)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from leads.models import Lead, LeadKind, LeadStatus
from leads.selectors import leads_for_records
from portal.incidents.models import Incident, ShootingEvent
from portal.incidents.services import link_job_start
from tests.ballistics.factories import EvidenceFactory
from tests.incidents.factories import T0, AlertFactory, IncidentFactory
from tests.leads.conftest import raise_ballistic_lead

pytestmark = pytest.mark.django_db


def test_the_end_of_the_linking_job_raises_the_alert_cluster_lead(
    agency_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Two alerts a minute apart over a shooting where casings were recovered.
    for minutes in (0, 1):
        AlertFactory(agency=agency_a, fired_at=T0 + dt.timedelta(minutes=minutes))
    incident = IncidentFactory(agency=agency_a, occurred_at=T0 + dt.timedelta(minutes=3))
    EvidenceFactory(agency=agency_a, incident=incident)
    with django_capture_on_commit_callbacks(execute=True):
        link_job_start(agency=agency_a, dates=[T0.date()])
    assert ShootingEvent.objects.filter(agency=agency_a).exists()
    lead = Lead.objects.get(kind=LeadKind.ALERT_CLUSTER)
    incident_type = ContentType.objects.get_for_model(Incident)
    assert lead.records.filter(content_type=incident_type, object_id=incident.pk).exists()


def test_leads_for_records_gives_the_open_leads_a_user_may_see(
    agency_a: Any, owner: Any, outsider: Any
) -> None:
    lead = raise_ballistic_lead(agency_a)
    closed = raise_ballistic_lead(agency_a)
    Lead.objects.filter(pk=closed.pk).update(status=LeadStatus.CLOSED, outcome="no_action")
    incident_type = ContentType.objects.get_for_model(Incident)
    ids = list(
        lead.records.filter(content_type=incident_type).values_list("object_id", flat=True)
    ) + list(closed.records.filter(content_type=incident_type).values_list("object_id", flat=True))
    assert list(leads_for_records(owner, incident_type, ids)) == [lead]
    assert set(leads_for_records(owner, incident_type, ids, open_only=False)) == {lead, closed}
    assert not leads_for_records(outsider, incident_type, ids).exists()

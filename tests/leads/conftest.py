"""A ballistic lead raised by the rule from hand-made evidence, for the page and report tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from ballistics.choices import Decision
from leads.models import Lead
from leads.rules import ballistic_findings
from leads.workflow import leads_raise
from tests.ballistics.factories import CandidateFactory, EvidenceFactory, ScanFactory
from tests.incidents.factories import IncidentFactory


def raise_ballistic_lead(agency: Any, *, offense: str = "AGGRAVATED ASSAULT") -> Lead:
    """Two shootings whose casings an examiner confirmed as fired by one gun, as a lead."""
    scans = []
    for shift in (0.0, 0.004):
        incident = IncidentFactory(
            agency=agency, offense=offense, latitude=39.29 + shift, longitude=-76.61 - shift
        )
        evidence = EvidenceFactory(agency=agency, incident=incident)
        scans.append(ScanFactory(agency=agency, evidence=evidence))
    match = CandidateFactory(
        agency=agency,
        query=scans[0],
        candidate=scans[1],
        decision=Decision.CONFIRMED,
        examined_on=dt.date(2024, 5, 3),
    )
    # (Outside a test transaction the decision's signal has raised it already.)
    leads_raise(ballistic_findings(agency))
    return Lead.objects.get(
        records__content_type=ContentType.objects.get_for_model(match),
        records__object_id=match.pk,
    )


@pytest.fixture
def lead(agency_a: Any) -> Lead:
    return raise_ballistic_lead(agency_a)

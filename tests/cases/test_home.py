"""The home page by role: each role sees its own panels, only with its agency's records."""

from __future__ import annotations

import pytest
from django.utils import timezone

from leads.models import MatchCandidate
from tests.ballistics.factories import CandidateFactory, EvidenceFactory, ScanFactory
from tests.cases.factories import CaseFactory
from tests.cases.helpers import page_text
from tests.cases.story import add_mention
from tests.conftest import login
from tests.factories import JobFactory, UserFactory
from tests.incidents.factories import IncidentPersonFactory

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    login(client, user)
    return page_text(client.get("/"))


def test_detective_sees_my_cases_and_new_links_on_them(story, owner, client, agency_b):
    from ballistics.models import Candidate

    Candidate.objects.filter(decision="confirmed", agency=story.case.agency).update(
        decided_at=timezone.now()
    )
    CaseFactory(agency=agency_b, number="B-SECRET", title="Other agency case")
    text = _home(client, owner)
    assert "My cases" in text and "C-2024-17: Elm Street shootings (2 records, open)" in text
    assert "Confirmed match: casing" in text and "incident 24-900101" in text
    assert "B-SECRET" not in text


def test_analyst_sees_the_review_queue_of_visible_pairs_and_imports(
    story, client, agency_a, agency_b
):
    from leads.models import EntityMention

    analyst = UserFactory(agency=agency_a, role="analyst")
    JobFactory(agency=agency_a, label="e-Trace import March")
    JobFactory(agency=agency_b, label="B import")
    left = EntityMention.objects.get(object_id=story.purchaser.pk, kind="person")
    left.reference, left.source = "T2024000777", "trace"
    left.save()
    right = story.person_entity.mentions.first()
    other = IncidentPersonFactory(agency=agency_a, last_name="JONSON")
    foreign = IncidentPersonFactory(agency=agency_b, last_name="JOHNSON")

    def mention(record, ref):
        return add_mention(
            story.person_entity, record, kind="person", reference=ref, source="incident"
        )

    visible = mention(other, "VISIBLE-REF")
    hidden = mention(foreign, "HIDDEN-REF")
    MatchCandidate.objects.create(
        left=right, right=visible, probability=0.7, weight=1, reasons=[], decision="review"
    )
    MatchCandidate.objects.create(
        left=right, right=hidden, probability=0.8, weight=1, reasons=[], decision="review"
    )
    text = _home(client, analyst)
    assert "Person pairs to review" in text and "VISIBLE-REF" in text and "0.700" in text
    assert "HIDDEN-REF" not in text
    assert "e-Trace import March" in text and "B import" not in text


def test_lab_sees_evidence_and_pending_candidates(story, client, agency_a, agency_b):
    lab = UserFactory(agency=agency_a, role="lab")
    CandidateFactory(
        agency=agency_a,
        query=ScanFactory(
            agency=agency_a, evidence=EvidenceFactory(agency=agency_a, exhibit_number="NEW-1")
        ),
        candidate=ScanFactory(
            agency=agency_a, evidence=EvidenceFactory(agency=agency_a, exhibit_number="OLD-9")
        ),
        score=17.5,
    )
    EvidenceFactory(agency=agency_b, exhibit_number="B-EVIDENCE")
    text = _home(client, lab)
    assert "Evidence queue" in text and "TF-0001" in text and "GLOCK 19" in text
    assert "NEW-1 ~ OLD-9: score 17.5" in text
    assert "B-EVIDENCE" not in text


def test_supervisor_sees_workload_per_detective(story, client, agency_a, agency_b, owner):
    supervisor = UserFactory(agency=agency_a, role="supervisor")
    CaseFactory(agency=agency_a, lead_detective=owner)
    CaseFactory(agency=agency_b, lead_detective=UserFactory(agency=agency_b, username="bdet"))
    text = _home(client, supervisor)
    assert "Workload per detective" in text and "owner 2" in text
    assert "bdet" not in text

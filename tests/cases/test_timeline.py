"""The purchase-to-crime timeline on the firearm page, and the person timeline."""

from __future__ import annotations

import pytest

from portal.models import AuditEvent
from tests.cases.helpers import figure, page_text
from tests.cases.story import add_mention, mention_entity
from tests.incidents.factories import IncidentFactory, IncidentPersonFactory
from tests.tracing.factories import PersonMentionFactory

pytestmark = pytest.mark.django_db


def _story_text(response) -> str:
    text = page_text(response)
    return text[text.index("From the dealer's counter") : text.index("Add to case")]


def test_firearm_timeline_goes_from_the_dealer_to_the_crime_scene(story, owner_client):
    response = owner_client.get(story.firearm.get_absolute_url())
    text = _story_text(response)
    steps = [
        "Made by GLOCK in AUSTRIA, imported by GLOCK INC",
        "Sold by RIVERSIDE ARMS to JOHNSON, MARCUS",
        "Incident 24-900101: AGGRAVATED ASSAULT",
        "Casing SC-0101 matched to test-fire TF-0001",
        "Alert SS-CASE-1",
        "Incident 24-900202: HOMICIDE",
        "potential match (not confirmed)",
        "Recovered at 1200 HARBOR LANE, METRO CITY from SMITH, DEVON",
        "Trace T2024000777: Completed",
    ]
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "Time-to-crime (purchase to recovery): 508 days" in text
    # 2023-01-10 to 2024-03-05.
    assert "First shooting its casings were matched to: 420 days after the sale" in text
    assert "24-900303" not in response.content.decode()
    html = response.content.decode()
    for record in (
        story.dealer,
        story.incident_in_case,
        story.incident_outside,
        story.alert,
        story.possessor,
        story.trace,
    ):
        assert f'href="{record.get_absolute_url()}"' in html
    chart = figure(response, "firearm-timeline-figure")
    kinds = {trace["name"] for trace in chart["data"]}
    assert kinds == {
        "Sale by the dealer",
        "Incident",
        "Casing matched",
        "Gunshot alert",
        "Recovery",
        "Trace request",
    }


def test_firearm_page_is_audited_and_hidden_from_outsiders(
    story, owner, owner_client, outsider_client
):
    owner_client.get(story.firearm.get_absolute_url())
    assert AuditEvent.objects.filter(
        actor=owner, event_type="view", object_type="tracing.firearm"
    ).exists()
    assert outsider_client.get(story.firearm.get_absolute_url()).status_code == 404


def test_a_gun_without_purchase_or_match_says_time_to_crime_unknown(agency_a, owner_client):
    from tests.tracing.factories import TraceFactory

    trace = TraceFactory(agency=agency_a)
    text = page_text(owner_client.get(trace.firearm.get_absolute_url()))
    assert "Time-to-crime unknown" in text
    assert f"Trace {trace.trace_number}" in text


def test_person_timeline_from_same_name_and_birth_date(story, owner_client):
    later = PersonMentionFactory(
        agency=story.case.agency,
        role="possessor",
        last_name="JOHNSON",
        first_name="MARCUS",
        person_key=story.purchaser.person_key,
    )
    text = page_text(owner_client.get(story.purchaser.get_absolute_url()))
    timeline = text[text.index("Timeline of this person") :]
    assert "JOHNSON, MARCUS bought GLOCK 19 from RIVERSIDE ARMS" in timeline
    assert (
        f"trace {later.trace.trace_number}" not in timeline
        or "possessor: JOHNSON, MARCUS" in timeline
    )
    assert "possessor: JOHNSON, MARCUS" in timeline


def test_person_timeline_follows_the_resolved_entity_into_incidents(story, owner_client, agency_b):
    incident = IncidentFactory(
        agency=story.case.agency, incident_number="24-900909", offense="ROBBERY"
    )
    suspect = IncidentPersonFactory(
        agency=story.case.agency,
        incident=incident,
        role="suspect",
        last_name="JONSON",
        first_name="MARK",
    )
    foreign = IncidentPersonFactory(
        agency=agency_b,
        role="suspect",
        incident=IncidentFactory(agency=agency_b, incident_number="B-77"),
    )
    for record in (suspect, foreign):
        add_mention(story.person_entity, record, kind="person")
    text = page_text(owner_client.get(story.purchaser.get_absolute_url()))
    timeline = text[text.index("Timeline of this person") :]
    assert "Across every record that person resolution put in the same person" in timeline
    assert "Suspect in incident 24-900909" in timeline
    assert "B-77" not in timeline


def test_mention_entity_helper_is_unique_per_record(story):
    other = mention_entity(story.possessor, "person", "Devon Smith", "possessor")
    assert other.mentions.count() == 1

"""The case dashboard: each panel's content on the hand-made case, and agency scoping."""

from __future__ import annotations

import pytest

from portal.models import AuditEvent
from tests.cases.helpers import figure, page_text

pytestmark = pytest.mark.django_db


def test_map_shows_the_case_incident_its_alert_and_the_recovery(story, owner_client):
    response = owner_client.get(story.case.get_absolute_url())
    data = figure(response, "case-map-figure")["data"]
    names = {trace["name"]: trace["text"] for trace in data}
    assert names["Incidents"] == ["Incident 24-900101"]
    assert names["Gunshot alerts"] == ["Alert SS-CASE-1"]
    assert names["Gun recoveries"] == ["Recovery, trace T2024000777"]
    # The incident outside the case is not on the case's map.
    assert "24-900202" not in str(data)


def test_timeline_lists_every_event_in_date_order_with_links(story, owner_client):
    response = owner_client.get(story.case.get_absolute_url())
    text = page_text(response)
    start = text.index("Timeline (")
    timeline = text[start : text.index("Firearms and trace results")]
    order = [
        "Sold by RIVERSIDE ARMS to JOHNSON, MARCUS",
        "Incident 24-900101: AGGRAVATED ASSAULT",
        "Casing SC-0101 matched to test-fire TF-0001",
        "Alert SS-CASE-1",
        "Recovered at 1200 HARBOR LANE, METRO CITY from SMITH, DEVON",
        "Trace T2024000777: Completed",
    ]
    positions = [timeline.index(step) for step in order]
    assert positions == sorted(positions)
    assert timeline.count("Incident 24-900101: AGGRAVATED ASSAULT") == 1
    html = response.content.decode()
    assert f'href="{story.dealer.get_absolute_url()}"' in html
    assert f'href="{story.alert.get_absolute_url()}"' in html
    chart = figure(response, "case-timeline-figure")
    assert {trace["name"] for trace in chart["data"]} >= {"Sale by the dealer", "Recovery"}


def test_firearm_panel_and_this_gun_was_also_used_in(story, owner_client):
    text = page_text(owner_client.get(story.case.get_absolute_url()))
    assert "T2024000777 Completed 2023-01-10 RIVERSIDE ARMS JOHNSON, MARCUS 2024-06-01 508" in text
    also = text[text.index("This gun was also used in") : text.index("People (")]
    assert "Incident 24-900202 HOMICIDE" in also
    assert "potential, not confirmed" in also
    # The case's own incident is not "also", and agency B's shooting is never shown.
    assert "24-900101" not in also
    assert "24-900303" not in text


def test_people_with_their_roles(story, owner_client):
    text = page_text(owner_client.get(story.case.get_absolute_url()))
    people = text[text.index("People (") : text.index("Incidents (")]
    assert "JOHNSON, MARCUS Purchaser trace T2024000777" in people
    assert "SMITH, DEVON Possessor trace T2024000777" in people
    assert "RIVERA, ANA Victim incident 24-900101" in people


def test_network_shows_visible_entities_only(story, owner_client):
    response = owner_client.get(story.case.get_absolute_url())
    labels = str(figure(response, "case-network-figure")["data"])
    assert "Marcus Johnson" in labels and "Glock 19 XK41977" in labels and "Rob Kline" in labels
    # Linked to the gun only through agency B's record: hidden.
    assert "Hidden Person B" not in labels
    assert "Hidden Person B" not in response.content.decode()


def test_a_network_too_big_to_show_whole_shows_every_kind_and_the_entities_added_first(
    agency_a, owner, owner_client, monkeypatch
):
    from portal.cases import selectors
    from tests.cases.factories import CaseFactory, CaseItemFactory
    from tests.cases.story import mention_entity
    from tests.incidents.factories import IncidentFactory, IncidentPersonFactory
    from tests.tracing.factories import FirearmFactory

    monkeypatch.setattr(selectors, "NETWORK_MAX_NODES", 4)
    case = CaseFactory(agency=agency_a, lead_detective=owner)
    incident = IncidentFactory(agency=agency_a)
    CaseItemFactory(agency=agency_a, case=case, record=incident)
    # Five people of the incident, resolved before its gun and the incident itself.
    for index in range(5):
        person = IncidentPersonFactory(agency=agency_a, incident=incident)
        mention_entity(person, "person", f"Person {index}")
    firearm = FirearmFactory(agency=agency_a)
    CaseItemFactory(agency=agency_a, case=case, record=firearm)
    mention_entity(firearm, "firearm", "The case gun")
    mention_entity(incident, "incident", "The shooting")
    added = mention_entity(IncidentFactory(agency=agency_a), "person", "Added by the detective")
    CaseItemFactory(agency=agency_a, case=case, record=added)

    labels = [
        label
        for trace in figure(owner_client.get(case.get_absolute_url()), "case-network-figure")[
            "data"
        ][1:]
        for label in trace["text"]
    ]
    assert sorted(labels) == ["Added by the detective", "Person 0", "The case gun", "The shooting"]


def test_network_says_so_when_no_entity_exists(agency_a, owner, owner_client):
    from tests.cases.factories import CaseFactory, CaseItemFactory

    case = CaseFactory(agency=agency_a, lead_detective=owner)
    CaseItemFactory(agency=agency_a, case=case)
    text = page_text(owner_client.get(case.get_absolute_url()))
    assert "No resolved entity exists for the case's records yet" in text


def test_recent_activity_shows_items_added_and_audit_events(story, owner_client):
    owner_client.get(story.incident_in_case.get_absolute_url())
    text = page_text(owner_client.get(story.case.get_absolute_url()))
    activity = text[text.index("Recent activity") :]
    assert "owner added incident" in activity
    assert f"owner record view incidents.incident {story.incident_in_case.pk}" in activity


def test_viewing_a_case_is_audited(story, owner, owner_client):
    owner_client.get(story.case.get_absolute_url())
    assert AuditEvent.objects.filter(
        actor=owner, event_type="view", object_type="cases.case", object_id=str(story.case.pk)
    ).exists()


def test_outsider_gets_404_and_the_list_hides_the_case(story, outsider_client):
    assert outsider_client.get(story.case.get_absolute_url()).status_code == 404
    text = page_text(outsider_client.get("/cases/"))
    assert "C-2024-17" not in text
    assert "B-1" in text


def test_outsider_case_shows_nothing_of_agency_a(story, outsider_client, agency_b):
    """Agency B's own case holding A's records by id shows none of them."""
    from tests.cases.factories import CaseItemFactory

    CaseItemFactory(agency=agency_b, case=story.case_b, record=story.firearm)
    text = page_text(outsider_client.get(story.case_b.get_absolute_url()))
    for secret in ("XK41977", "JOHNSON", "24-900101", "24-900202", "RIVERSIDE", "SS-CASE-1"):
        assert secret not in text


def test_shared_agency_sees_the_case(story, agency_a, agency_b, outsider_client):
    from tests.factories import SharingAgreementFactory

    SharingAgreementFactory(owner=agency_a, partner=agency_b)
    text = page_text(outsider_client.get(story.case.get_absolute_url()))
    assert "Elm Street shootings" in text and "JOHNSON, MARCUS" in text


def test_new_case_form_opens_a_case_led_by_its_author(owner, owner_client):
    response = owner_client.post(
        "/cases/new/", {"number": "C-9", "title": "Harbor robberies", "status": "open"}
    )
    case = owner.cases_led.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.agency_id == owner.agency_id
    again = owner_client.post("/cases/new/", {"number": "C-9", "title": "x", "status": "open"})
    assert "already has a case with this number" in page_text(again)

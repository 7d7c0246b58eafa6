"""Adding a record to a case from its own page."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from portal.cases.models import CaseItem
from portal.models import AuditEvent
from tests.cases.helpers import page_text
from tests.incidents.factories import AlertFactory

pytestmark = pytest.mark.django_db


def _post(client, case, record, **extra):
    return client.post(
        "/cases/add/",
        {
            "case": case.pk,
            "content_type": ContentType.objects.get_for_model(record).pk,
            "object_id": record.pk,
            "note": "seen on the corner",
            **extra,
        },
    )


@pytest.mark.parametrize(
    "attribute",
    ["incident_in_case", "alert", "firearm", "trace", "purchaser", "test_fire", "person_entity"],
)
def test_record_pages_carry_the_add_to_case_form(story, owner_client, attribute):
    record = getattr(story, attribute)
    text = page_text(owner_client.get(record.get_absolute_url()))
    assert "Add to case" in text and "C-2024-17: Elm Street shootings" in text


def test_adding_a_record_puts_it_in_the_case_once_and_is_audited(story, owner, owner_client):
    alert = AlertFactory(agency=story.case.agency, source_id="SS-NEW")
    response = _post(owner_client, story.case, alert, next=alert.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == alert.get_absolute_url()
    item = CaseItem.objects.get(case=story.case, object_id=alert.pk)
    assert item.added_by == owner and item.note == "seen on the corner"
    _post(owner_client, story.case, alert)
    assert CaseItem.objects.filter(case=story.case, object_id=alert.pk).count() == 1
    assert (
        AuditEvent.objects.filter(
            event_type="update", object_type="cases.case", detail__added__record_id=alert.pk
        ).count()
        == 1
    )
    assert "Alert SS-NEW" in page_text(owner_client.get(story.case.get_absolute_url()))


def test_a_foreign_redirect_target_is_ignored(story, owner_client):
    response = _post(owner_client, story.case, story.trace, next="https://evil.example/")
    assert response["Location"] == story.case.get_absolute_url()


def test_outsider_cannot_add_to_a_case_of_agency_a(story, outsider_client):
    assert _post(outsider_client, story.case, story.incident_other_agency).status_code == 404


def test_nobody_adds_a_record_they_may_not_see(story, owner_client, outsider_client):
    assert _post(owner_client, story.case, story.incident_other_agency).status_code == 404
    assert _post(outsider_client, story.case_b, story.firearm).status_code == 404
    assert not CaseItem.objects.filter(
        object_id=story.incident_other_agency.pk, case=story.case
    ).exists()


def test_a_partner_may_read_but_not_add_to_a_shared_case(
    story, agency_a, agency_b, outsider_client
):
    from tests.factories import SharingAgreementFactory

    SharingAgreementFactory(owner=agency_a, partner=agency_b)
    assert _post(outsider_client, story.case, story.firearm).status_code == 404


def test_get_is_refused(owner_client):
    assert owner_client.get("/cases/add/").status_code == 405

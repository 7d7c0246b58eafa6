"""visible_to: a user sees their agency's records and those shared with it, nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Agency, Job
from tests.factories import AgencyFactory, SharingAgreementFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_job(agency: Agency, label: str) -> Job:
    return Job.objects.create(agency=agency, kind="test", label=label)


def test_user_sees_own_agency_records_only(owner, outsider, agency_a, agency_b):
    mine = make_job(agency_a, "mine")
    theirs = make_job(agency_b, "theirs")

    assert list(Job.objects.visible_to(owner)) == [mine]
    assert list(Job.objects.visible_to(outsider)) == [theirs]


def test_sharing_agreement_shows_owner_records_to_partner_only(owner, outsider, agency_a, agency_b):
    shared = make_job(agency_a, "shared by A")
    SharingAgreementFactory(owner=agency_a, partner=agency_b)

    assert list(Job.objects.visible_to(outsider)) == [shared]
    # Sharing is one way: A does not see B's records because A shares with B.
    make_job(agency_b, "B's own")
    assert [job.label for job in Job.objects.visible_to(owner)] == ["shared by A"]


def test_inactive_or_expired_agreement_shares_nothing(outsider, agency_a, agency_b):
    make_job(agency_a, "not shared")
    SharingAgreementFactory(owner=agency_a, partner=agency_b, is_active=False)
    assert not Job.objects.visible_to(outsider).exists()

    third = AgencyFactory(ori="CC0000001")
    make_job(third, "expired")
    SharingAgreementFactory(
        owner=third, partner=agency_b, ends_on=timezone.localdate() - timedelta(days=1)
    )
    assert not Job.objects.visible_to(outsider).exists()


def test_anonymous_inactive_and_agencyless_users_see_nothing(agency_a):
    make_job(agency_a, "secret")
    inactive = UserFactory(agency=agency_a, is_active=False)
    no_agency = UserFactory(agency=None)
    for user in (AnonymousUser(), inactive, no_agency, None):
        assert not Job.objects.visible_to(user).exists()


def test_agencies_visible_to_follow_the_same_rule(owner, outsider, agency_a, agency_b):
    assert list(Agency.objects.visible_to(owner)) == [agency_a]
    SharingAgreementFactory(owner=agency_b, partner=agency_a)
    assert set(Agency.objects.visible_to(owner)) == {agency_a, agency_b}
    assert list(Agency.objects.visible_to(outsider)) == [agency_b]


def test_record_pages_of_other_agencies_are_404(owner_client, outsider_client, agency_a):
    job = make_job(agency_a, "A's import")
    assert owner_client.get(job.get_absolute_url()).status_code == 200
    assert outsider_client.get(job.get_absolute_url()).status_code == 404
    assert outsider_client.get(f"/jobs/{job.pk}/status.json").status_code == 404
    assert outsider_client.get(agency_a.get_absolute_url()).status_code == 404


def test_api_lists_only_visible_records(owner_client, outsider_client, agency_a):
    job = make_job(agency_a, "A's import")
    assert [row["id"] for row in owner_client.get("/api/v1/jobs/").json()["results"]] == [job.pk]
    assert outsider_client.get("/api/v1/jobs/").json()["results"] == []
    assert outsider_client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404


def test_a_request_reads_the_sharing_agreements_with_its_user_and_the_next_request_again(
    outsider, outsider_client, agency_a, agency_b
):
    """The signed-in user's query reads the agreements (not each query of the page); a
    revoked agreement hides the owner's records from the very next request."""
    job = make_job(agency_a, "shared by A")
    agreement = SharingAgreementFactory(owner=agency_a, partner=agency_b)
    with CaptureQueriesContext(connection) as captured:
        assert outsider_client.get(job.get_absolute_url()).status_code == 200
        assert outsider_client.get("/api/v1/jobs/").json()["results"][0]["id"] == job.pk
    reads = [q["sql"] for q in captured if '"portal_sharingagreement"' in q["sql"]]
    assert len(reads) == 2, reads  # one per request, in the query of its user
    assert all('FROM "portal_user"' in sql for sql in reads)

    agreement.is_active = False
    agreement.save()
    assert outsider_client.get(job.get_absolute_url()).status_code == 404
    assert outsider_client.get("/api/v1/jobs/").json()["results"] == []
    # A user not loaded by a request (a task, a command) carries the rule in each query.
    shared = Job.objects.visible_to(outsider)
    assert 'FROM "portal_sharingagreement"' in str(shared.query)
    assert not shared.exists()
    agreement.is_active = True
    agreement.save()
    assert list(shared.all()) == [job]

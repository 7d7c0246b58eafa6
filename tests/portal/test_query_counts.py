"""Platform pages and API lists: pinned query counts that do not grow with the rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from portal.services import api_token_create
from tests.conftest import login
from tests.factories import AgencyFactory, JobFactory, SharingAgreementFactory, UserFactory
from tests.query_counts import assert_flat_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(agency_a):
    return UserFactory(username="admin-a", agency=agency_a, role="admin")


@pytest.fixture
def admin_client(client, admin):
    return login(client, admin)


def _jobs(agency, user, kind="test"):
    def grow(n):
        for _ in range(n):
            JobFactory(agency=agency, created_by=user, kind=kind, result={"created": 3})

    return grow


def test_dashboard(admin_client, admin, agency_a):
    def grow(n):
        _jobs(agency_a, admin)(n)
        for _ in range(n):
            SharingAgreementFactory(owner=agency_a, partner=AgencyFactory())

    # 7 for the platform panels, 2 for the role home (time to lead, workload per detective).
    assert_flat_query_count(admin_client, "/", grow, max_queries=9)


def test_job_list(admin_client, admin, agency_a):
    assert_flat_query_count(admin_client, "/jobs/", _jobs(agency_a, admin), max_queries=5)


def test_import_index(admin_client, admin, agency_a):
    assert_flat_query_count(
        admin_client, "/imports/", _jobs(agency_a, admin, kind="incidents"), max_queries=5
    )


def test_audit_list(admin_client, admin, agency_a):
    def grow(n):
        for index in range(n):
            AuditEvent.objects.create(
                actor=admin,
                actor_username=admin.username,
                agency=agency_a,
                event_type="view",
                object_type="incidents.incident",
                object_id=str(index),
                detail={"n": index},
            )

    assert_flat_query_count(admin_client, "/audit/", grow, max_queries=7)


def test_user_list(admin_client, agency_a):
    def grow(n):
        for _ in range(n):
            UserFactory(agency=agency_a)

    assert_flat_query_count(admin_client, "/users/", grow, max_queries=5)


@pytest.mark.parametrize("url", ["/api/v1/jobs/", "/api/v1/agencies/"])
def test_api_lists(admin_client, admin, agency_a, url):
    def grow(n):
        _jobs(agency_a, admin)(n)
        for _ in range(n):
            SharingAgreementFactory(owner=AgencyFactory(), partner=agency_a)

    assert_flat_query_count(admin_client, url, grow, max_queries=5)


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        ("/account/", 6),
        ("/agencies/{agency}/", 6),
        ("/users/{admin}/", 6),
        ("/jobs/{job}/", 5),
        ("/jobs/{job}/status.json", 4),
        ("/api/v1/me/", 4),
    ],
)
def test_own_pages(admin_client, admin, agency_a, url, pinned):
    """The account page lists the user's API tokens; the agency, user and job pages and the
    job status poll show one record whatever else the agency holds."""
    job = JobFactory(agency=agency_a, created_by=admin, result={"created": 3})

    def grow(n):
        _jobs(agency_a, admin)(n)
        for _ in range(n):
            api_token_create(user=admin)
            UserFactory(agency=agency_a)
            SharingAgreementFactory(owner=agency_a, partner=AgencyFactory())

    url = url.format(agency=agency_a.pk, admin=admin.pk, job=job.pk)
    assert_flat_query_count(admin_client, url, grow, max_queries=pinned)


@pytest.mark.parametrize(("route", "pinned"), [("agency-detail", 5), ("job-detail", 5)])
def test_api_details(admin_client, admin, agency_a, route, pinned):
    job: Any = JobFactory(agency=agency_a, created_by=admin, result={"created": 3})

    def grow(n):
        _jobs(agency_a, admin)(n)
        for _ in range(n):
            SharingAgreementFactory(owner=agency_a, partner=AgencyFactory())

    record = agency_a if route == "agency-detail" else job
    url = reverse(route, args=[record.pk])
    assert_flat_query_count(admin_client, url, grow, max_queries=pinned)

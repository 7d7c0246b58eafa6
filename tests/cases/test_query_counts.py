"""Pinned query counts: the case dashboard, firearm timeline, search and home pages do not
issue more queries when the case, the gun's history or the results grow."""

from __future__ import annotations

import itertools

import pytest

from tests.ballistics.factories import CandidateFactory, EvidenceFactory, ScanFactory
from tests.cases.factories import CaseFactory, CaseItemFactory
from tests.cases.story import mention_entity
from tests.conftest import login
from tests.factories import SharingAgreementFactory, UserFactory
from tests.incidents.factories import (
    AlertIncidentLinkFactory,
    IncidentFactory,
    IncidentPersonFactory,
)
from tests.query_counts import assert_flat_query_count
from tests.tracing.factories import PersonMentionFactory, PurchaseFactory

pytestmark = pytest.mark.django_db
serial = itertools.count(1)


def _shooting(agency, gun_scan=None):
    incident = IncidentFactory(agency=agency)
    AlertIncidentLinkFactory(agency=agency, incident=incident)
    IncidentPersonFactory(agency=agency, incident=incident)
    casing = EvidenceFactory(agency=agency, incident=incident)
    if gun_scan is not None:
        CandidateFactory(
            agency=agency,
            query=gun_scan,
            candidate=ScanFactory(agency=agency, evidence=casing),
            decision="confirmed",
            rank=next(serial),
        )
    return incident


def _traced_gun(agency):
    purchase = PurchaseFactory(agency=agency)
    firearm = purchase.trace.firearm
    PersonMentionFactory(agency=agency, trace=purchase.trace, role="possessor")
    test_fire = EvidenceFactory(agency=agency, kind="test_fire", firearm=firearm)
    return firearm, ScanFactory(agency=agency, evidence=test_fire)


def test_case_dashboard_query_count_is_flat(story, owner_client, agency_a):
    case = story.case

    def grow(n: int) -> None:
        for _ in range(n):
            incident = _shooting(agency_a)
            CaseItemFactory(agency=agency_a, case=case, record=incident)
            firearm, scan = _traced_gun(agency_a)
            CaseItemFactory(agency=agency_a, case=case, record=firearm)
            _shooting(agency_a, gun_scan=scan)  # also used outside the case
            person = mention_entity(firearm, "firearm", f"gun {firearm.pk}")
            from leads.models import Edge

            Edge.objects.create(source=story.person_entity, target=person, kind="purchased")

    # Content types are cached per process after the first page that needs them.
    owner_client.get(case.get_absolute_url())
    assert_flat_query_count(owner_client, case.get_absolute_url(), grow, max_queries=27)


def test_firearm_timeline_query_count_is_flat(story, owner_client, agency_a):
    firearm = story.firearm
    scan = ScanFactory(
        agency=agency_a,
        evidence=EvidenceFactory(agency=agency_a, kind="test_fire", firearm=firearm),
    )

    def grow(n: int) -> None:
        for _ in range(n):
            _shooting(agency_a, gun_scan=scan)
            purchase = PurchaseFactory(agency=agency_a, trace__firearm=firearm)
            PersonMentionFactory(agency=agency_a, trace=purchase.trace, role="possessor")

    assert_flat_query_count(owner_client, firearm.get_absolute_url(), grow, max_queries=14)


def test_search_query_count_is_flat(story, owner_client, agency_a):
    def grow(n: int) -> None:
        for _ in range(n):
            PersonMentionFactory(
                agency=agency_a,
                last_name="JOHNSTON",
                last_name_key="JOHNSTON",
                first_name="MARC",
                first_name_key="MARC",
            )
            IncidentPersonFactory(agency=agency_a, last_name="JONSON", first_name="MARK")
            IncidentFactory(agency=agency_a, address="12 JOHNSON MARKET ROAD")

    assert_flat_query_count(owner_client, "/search/?q=jonson+marcus", grow, max_queries=10)


@pytest.mark.parametrize(
    ("role", "pinned"), [("detective", 11), ("analyst", 10), ("lab", 9), ("supervisor", 9)]
)
def test_home_page_query_count_is_flat(story, client, agency_a, role, pinned):
    user = UserFactory(agency=agency_a, role=role)
    login(client, user)

    def grow(n: int) -> None:
        for _ in range(n):
            case = CaseFactory(agency=agency_a, lead_detective=user)
            CaseItemFactory(agency=agency_a, case=case, record=_shooting(agency_a))
            CandidateFactory(agency=agency_a)

    assert_flat_query_count(client, "/", grow, max_queries=pinned)


@pytest.mark.parametrize(("url", "pinned"), [("/cases/", 6), ("/cases/?mine=1", 6)])
def test_case_list_query_count_is_flat(owner_client, owner, agency_a, agency_b, url, pinned):
    # Agency B shares with A: A's list shows B's cases too, with their agency.
    SharingAgreementFactory(owner=agency_b, partner=agency_a)

    def grow(n: int) -> None:
        for _ in range(n):
            CaseFactory(agency=agency_a, lead_detective=owner)
            CaseFactory(agency=agency_a)
            CaseFactory(agency=agency_b)

    assert_flat_query_count(owner_client, url, grow, max_queries=pinned)

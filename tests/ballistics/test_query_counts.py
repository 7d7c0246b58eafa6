"""Evidence and candidate pages and the scan API list: pinned query counts that do not grow
with the rows (the evidence list, scan page and other API lists are pinned beside their
other tests)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ballistics.services import evidence_custody_append
from tests.ballistics.factories import (
    CandidateFactory,
    EvidenceFactory,
    PhotographFactory,
    ScanFactory,
)
from tests.incidents.factories import IncidentFactory
from tests.query_counts import assert_flat_query_count

pytestmark = pytest.mark.django_db


def _evidence_rows(lab, *evidence):
    """Scans (each ranked against another casing), photographs and custody entries."""

    def grow(n):
        for _ in range(n):
            for item in evidence:
                scan = ScanFactory(agency=item.agency, evidence=item)
                CandidateFactory(agency=item.agency, query=scan)
                PhotographFactory(agency=item.agency, evidence=item)
                evidence_custody_append(evidence=item, user=lab, action="received")

    return grow


def test_evidence_detail(lab_client, lab, agency_a):
    evidence = EvidenceFactory(agency=agency_a, incident=IncidentFactory(agency=agency_a))
    assert_flat_query_count(
        lab_client, evidence.get_absolute_url(), _evidence_rows(lab, evidence), max_queries=9
    )


def test_candidate_detail(lab_client, lab, agency_a):
    candidate = CandidateFactory(agency=agency_a)
    grow = _evidence_rows(lab, candidate.query.evidence, candidate.candidate.evidence)
    assert_flat_query_count(lab_client, candidate.get_absolute_url(), grow, max_queries=6)


def test_scan_api_list(lab_client, lab, agency_a):
    evidence = EvidenceFactory(agency=agency_a)
    assert_flat_query_count(
        lab_client, "/api/v1/scans/", _evidence_rows(lab, evidence), max_queries=5
    )


@pytest.mark.parametrize(
    ("route", "max_queries"), [("evidence-detail", 7), ("scan-detail", 5), ("candidate-detail", 5)]
)
def test_api_details(lab_client, lab, agency_a, route, max_queries):
    candidate = CandidateFactory(agency=agency_a)
    records = {
        "evidence-detail": candidate.query.evidence,
        "scan-detail": candidate.query,
        "candidate-detail": candidate,
    }
    grow = _evidence_rows(lab, candidate.query.evidence, candidate.candidate.evidence)
    url = reverse(route, args=[records[route].pk])
    assert_flat_query_count(lab_client, url, grow, max_queries=max_queries)

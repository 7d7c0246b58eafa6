"""API: evidence, scan upload, candidates and decisions, scoped and permission-checked."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from ballistics.choices import Decision
from ballistics.models import Candidate, Evidence, Scan
from ballistics.services import scan_import
from portal.choices import Role
from portal.models import Job
from portal.services import api_token_create
from tests.ballistics.data import fadul_dir
from tests.ballistics.factories import EvidenceFactory, ScanFactory
from tests.conftest import login
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.query_counts import assert_flat_query_count


def _scan(**fields: Any) -> Scan:
    return cast(Scan, ScanFactory(**fields))


def _token_client(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)}")


@pytest.fixture
def lab_api(lab: Any) -> Client:
    return _token_client(lab)


@pytest.mark.django_db
def test_lab_creates_evidence_and_others_may_not(
    lab_api: Client, owner: Any, agency_a: Any, agency_b: Any
) -> None:
    incident = IncidentFactory(agency=agency_a)
    hidden = IncidentFactory(agency=agency_b)
    body = {"exhibit_number": "API-1", "incident": incident.pk, "caliber": "9mm Luger"}
    created = lab_api.post("/api/v1/evidence/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["agency"] == agency_a.pk
    assert created.json()["custody_log"][0]["by"] == "lab-a"
    again = lab_api.post("/api/v1/evidence/", body, content_type="application/json")
    assert again.status_code == 400 and "exhibit_number" in again.json()
    foreign = lab_api.post(
        "/api/v1/evidence/",
        {"exhibit_number": "API-2", "incident": hidden.pk},
        content_type="application/json",
    )
    assert foreign.status_code == 400 and "incident" in foreign.json()
    detective = _token_client(owner).post(
        "/api/v1/evidence/", {"exhibit_number": "API-3"}, content_type="application/json"
    )
    assert detective.status_code == 403
    assert Evidence.objects.count() == 1


@pytest.mark.django_db
def test_evidence_list_and_detail_are_scoped(
    owner: Any, outsider: Any, agency_a: Any, agency_b: Any
) -> None:
    mine = EvidenceFactory(agency=agency_a, exhibit_number="MINE")
    _scan(agency=agency_a, evidence=mine)
    EvidenceFactory(agency=agency_b, exhibit_number="THEIRS")
    client = _token_client(owner)
    listed = client.get("/api/v1/evidence/").json()
    assert [e["exhibit_number"] for e in listed["results"]] == ["MINE"]
    detail = client.get(f"/api/v1/evidence/{mine.pk}/").json()
    assert len(detail["scans"]) == 1 and "prepared" not in detail["scans"][0]
    assert _token_client(outsider).get(f"/api/v1/evidence/{mine.pk}/").status_code == 404


@pytest.mark.django_db
def test_evidence_api_query_count_is_flat(owner: Any, agency_a: Any) -> None:
    client = login(Client(), owner)

    def grow(n: int) -> None:
        for _ in range(n):
            EvidenceFactory(agency=agency_a, incident=IncidentFactory(agency=agency_a))

    assert_flat_query_count(client, "/api/v1/evidence/", grow, max_queries=5)


@pytest.mark.django_db
def test_scan_upload_refuses_bad_files_and_foreign_evidence(
    lab_api: Client, agency_a: Any, agency_b: Any
) -> None:
    evidence = EvidenceFactory(agency=agency_a)
    theirs = EvidenceFactory(agency=agency_b)
    bad = lab_api.post(
        "/api/v1/scans/",
        {"evidence": evidence.pk, "file": SimpleUploadedFile("x.x3p", b"not a zip")},
    )
    assert bad.status_code == 400 and "not a zip" in bad.json()["file"][0]
    foreign = lab_api.post(
        "/api/v1/scans/",
        {"evidence": theirs.pk, "file": SimpleUploadedFile("x.x3p", b"PK")},
    )
    assert foreign.status_code == 400 and "evidence" in foreign.json()
    assert not Scan.objects.exists()


@pytest.mark.django_db
def test_upload_correlate_list_candidates_and_decide(
    lab_api: Client,
    owner: Any,
    outsider: Any,
    agency_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    stored = EvidenceFactory(agency=agency_a, caliber="9mm", firing_pin_shape="hemispherical")
    for name in ("Fadul_1-2.x3p", "Fadul_2-1.x3p"):
        scan_import(
            agency=agency_a, name=name, data=(fadul_dir() / name).read_bytes(), evidence=stored
        )
    evidence = EvidenceFactory(agency=agency_a, caliber="9mm", firing_pin_shape="hemispherical")
    data = (fadul_dir() / "Fadul_1-1.x3p").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = lab_api.post(
            "/api/v1/scans/",
            {"evidence": evidence.pk, "file": SimpleUploadedFile("Fadul_1-1.x3p", data)},
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True and Job.objects.get(pk=body["job"]).status == "succeeded"
    scan_id = body["id"]
    listed = lab_api.get(f"/api/v1/candidates/?query={scan_id}").json()["results"]
    assert [c["rank"] for c in listed] == [1, 2]
    best = listed[0]
    assert Scan.objects.get(pk=best["candidate"]).original_name == "Fadul_1-2.x3p"
    assert any(cell["congruent"] for cell in best["cells"])

    url = f"/api/v1/candidates/{best['id']}/decide/"
    assert (
        _token_client(owner)
        .post(url, {"decision": "not_a_match"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        _token_client(outsider)
        .post(url, {"decision": "not_a_match"}, content_type="application/json")
        .status_code
        == 403  # not lab either; a lab user of agency B gets 404, below
    )
    lab_b = UserFactory(agency=outsider.agency, role=Role.LAB)
    assert (
        _token_client(lab_b)
        .post(url, {"decision": "not_a_match"}, content_type="application/json")
        .status_code
        == 404
    )
    missing_date = lab_api.post(url, {"decision": "confirmed"}, content_type="application/json")
    assert missing_date.status_code == 400 and "examined_on" in missing_date.json()
    decided = lab_api.post(
        url,
        {"decision": "confirmed", "examined_on": "2026-11-20"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "confirmed"
    candidate = Candidate.objects.get(pk=best["id"])
    assert candidate.decision == Decision.CONFIRMED
    assert candidate.examiner is not None and candidate.examiner.username == "lab-a"
    assert _token_client(outsider).get(f"/api/v1/candidates/{best['id']}/").status_code == 404

    again = lab_api.post(
        "/api/v1/scans/",
        {"evidence": evidence.pk, "file": SimpleUploadedFile("Fadul_1-1.x3p", data)},
    )
    assert again.status_code == 200 and again.json()["created"] is False


def _wait(job: Job, seconds: float = 120) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} did not finish: {job.status}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_scan_is_correlated_by_a_real_worker(celery_worker: Any, agency_a: Any) -> None:
    lab = UserFactory(username="lab-w", agency=agency_a, role=Role.LAB)
    client = login(Client(), lab)
    stored = EvidenceFactory(agency=agency_a, caliber="9mm", firing_pin_shape="hemispherical")
    with transaction.atomic():
        scan_import(
            agency=agency_a,
            name="Fadul_1-2.x3p",
            data=(fadul_dir() / "Fadul_1-2.x3p").read_bytes(),
            evidence=stored,
        )
    evidence = EvidenceFactory(agency=agency_a, caliber="9mm", firing_pin_shape="hemispherical")
    data = (fadul_dir() / "Fadul_1-1.x3p").read_bytes()
    response = client.post(
        f"/ballistics/{evidence.pk}/scans/", {"scan": SimpleUploadedFile("Fadul_1-1.x3p", data)}
    )
    assert response.status_code == 302
    job = _wait(Job.objects.get(kind="ballistics_correlate"))
    assert job.status == "succeeded", job.message
    assert job.result["candidates"] == 1 and job.result["best"] > 5
    page = client.get(response.url).content.decode()
    assert "Fadul_1-2.x3p" in page and 'data-finished="true"' in page


@pytest.mark.django_db
def test_candidate_api_query_count_is_flat(owner: Any, agency_a: Any) -> None:
    client = login(Client(), owner)
    query = _scan(agency=agency_a)

    def grow(n: int) -> None:
        for rank in range(n):
            Candidate.objects.create(
                agency=agency_a,
                query=query,
                candidate=_scan(agency=agency_a),
                rank=rank + 1,
                coarse_score=0.1,
                score=1,
            )

    assert_flat_query_count(client, f"/api/v1/candidates/?query={query.pk}", grow, max_queries=5)

"""Lab pages: evidence list, register form, custody, uploads, candidates, decisions, scoping."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ballistics.choices import Decision
from ballistics.models import Candidate, Evidence, Photograph, Scan
from ballistics.services import scan_import
from portal.choices import AuditEventType
from portal.models import AuditEvent, Job
from tests.ballistics.data import fadul_dir, x3p_members, zip_bytes
from tests.ballistics.factories import EvidenceFactory, PhotographFactory, ScanFactory
from tests.incidents.factories import IncidentFactory
from tests.query_counts import assert_flat_query_count

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _scan(**fields: Any) -> Scan:
    return cast(Scan, ScanFactory(**fields))


def _fadul(name: str) -> bytes:
    return (fadul_dir() / name).read_bytes()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 90, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def _wrong_xml() -> bytes:
    members = x3p_members()
    members["main.xml"] = b"<html><body>not a surface</body></html>"
    return zip_bytes(members)


def _huge_declared() -> bytes:
    members = x3p_members()
    members["main.xml"] = (
        members["main.xml"]
        .replace(b"<SizeX>4</SizeX>", b"<SizeX>100000</SizeX>")
        .replace(b"<SizeY>4</SizeY>", b"<SizeY>100000</SizeY>")
    )
    return zip_bytes(members)


def _zip_bomb() -> bytes:
    members = x3p_members()
    members["bindata/data.bin"] = b"\0" * 50_000_000
    return zip_bytes(members)


# --- list and register ---------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_own_and_hides_other_agencies_evidence(
    owner_client: Client, agency_a: Any, agency_b: Any, outsider_client: Client
) -> None:
    EvidenceFactory(agency=agency_a, exhibit_number="A-CASING-1")
    EvidenceFactory(agency=agency_b, exhibit_number="B-CASING-1")
    page = owner_client.get("/ballistics/").content.decode()
    assert "A-CASING-1" in page and "B-CASING-1" not in page
    assert "Register evidence" not in page  # a detective does not enter evidence
    other = outsider_client.get("/ballistics/").content.decode()
    assert "B-CASING-1" in other and "A-CASING-1" not in other
    filtered = owner_client.get("/ballistics/?q=nothing-like-this").content.decode()
    assert "No evidence matches" in filtered


@pytest.mark.django_db
def test_nav_shows_ballistic_evidence_to_every_role(owner_client: Client) -> None:
    assert 'href="/ballistics/"' in owner_client.get("/").content.decode()


@pytest.mark.django_db
def test_evidence_list_query_count_is_flat(owner_client: Client, agency_a: Any) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            evidence = EvidenceFactory(agency=agency_a, incident=IncidentFactory(agency=agency_a))
            _scan(agency=agency_a, evidence=evidence)

    assert_flat_query_count(owner_client, "/ballistics/", grow, max_queries=6)


@pytest.mark.django_db
def test_lab_registers_evidence_with_a_visible_incident(
    lab_client: Client, lab: Any, agency_a: Any, agency_b: Any
) -> None:
    incident = IncidentFactory(agency=agency_a, incident_number="24-000123")
    hidden = IncidentFactory(agency=agency_b, incident_number="24-999999")
    form = lab_client.get("/ballistics/new/").content.decode()
    assert "24-000123" in form and "24-999999" not in form
    fields = {
        "exhibit_number": "LAB-0001",
        "incident": incident.pk,
        "kind": "scene_casing",
        "caliber": "9mm Luger",
        "headstamp": "FC 9mm LUGER",
        "firing_pin_shape": "hemispherical",
        "breech_face_marks": "parallel",
        "ejector_position": "4 o'clock",
        "recovered_at": "2026-11-01T10:30",
        "recovered_by": "Crime scene unit",
        "notes": "Found by the door",
    }
    refused = lab_client.post("/ballistics/new/", {**fields, "incident": hidden.pk})
    assert refused.status_code == 200 and not Evidence.objects.exists()
    response = lab_client.post("/ballistics/new/", fields)
    evidence = Evidence.objects.get()
    assert response.status_code == 302 and response.url == evidence.get_absolute_url()
    assert (evidence.agency, evidence.incident, evidence.headstamp) == (
        agency_a,
        incident,
        "FC 9mm LUGER",
    )
    assert evidence.custody_log[0]["by"] == "lab-a"
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.CREATE, object_type="ballistics.evidence"
    ).exists()
    again = lab_client.post("/ballistics/new/", fields).content.decode()
    assert "already has an exhibit" in again


@pytest.mark.django_db
def test_only_lab_enters_evidence(owner_client: Client, agency_a: Any) -> None:
    evidence = EvidenceFactory(agency=agency_a)
    assert owner_client.get("/ballistics/new/").status_code == 403
    assert (
        owner_client.post(f"/ballistics/{evidence.pk}/custody/", {"action": "x"}).status_code == 403
    )
    page = owner_client.get(evidence.get_absolute_url()).content.decode()
    assert "Add custody entry" not in page and "Upload scan" not in page


@pytest.mark.django_db
def test_custody_entries_are_appended_never_edited(lab_client: Client, agency_a: Any) -> None:
    evidence = EvidenceFactory(agency=agency_a, custody_log=[{"at": "x", "by": "y", "action": "z"}])
    lab_client.post(f"/ballistics/{evidence.pk}/custody/", {"action": "Received from property"})
    lab_client.post(
        f"/ballistics/{evidence.pk}/custody/", {"action": "Sent to lab", "at": "2026-11-02T09:00"}
    )
    evidence.refresh_from_db()
    assert [e["action"] for e in evidence.custody_log] == [
        "z",
        "Received from property",
        "Sent to lab",
    ]
    assert evidence.custody_log[0] == {"at": "x", "by": "y", "action": "z"}
    page = lab_client.get(evidence.get_absolute_url()).content.decode()
    assert "Sent to lab" in page


@pytest.mark.django_db
def test_outsider_gets_404_on_every_evidence_page(
    outsider_client: Client, agency_a: Any, owner: Any
) -> None:
    evidence = EvidenceFactory(agency=agency_a)
    scan = _scan(agency=agency_a, evidence=evidence)
    photo = PhotographFactory(agency=agency_a, evidence=evidence)
    candidate = Candidate.objects.create(
        agency=agency_a,
        query=scan,
        candidate=_scan(agency=agency_a),
        rank=1,
        coarse_score=0.5,
        score=10,
    )
    urls = [
        evidence.get_absolute_url(),
        scan.get_absolute_url(),
        f"/ballistics/scans/{scan.pk}/surface.png",
        f"/ballistics/scans/{scan.pk}/original.x3p",
        candidate.get_absolute_url(),
        f"/ballistics/candidates/{candidate.pk}/overlay.png",
        f"/ballistics/photographs/{photo.pk}/",
        f"/ballistics/photographs/{photo.pk}/original/",
    ]
    for url in urls:
        assert outsider_client.get(url).status_code == 404, url


# --- uploads -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_photograph_upload_keeps_original_and_shows_a_clean_copy(
    lab_client: Client, agency_a: Any
) -> None:
    evidence = EvidenceFactory(agency=agency_a)
    data = _png()
    lab_client.post(
        f"/ballistics/{evidence.pk}/photographs/",
        {"photograph": SimpleUploadedFile("casing.png", data), "caption": "Head"},
    )
    photo = Photograph.objects.get()
    import hashlib

    assert photo.sha256 == hashlib.sha256(data).hexdigest() and photo.caption == "Head"
    shown = lab_client.get(f"/ballistics/photographs/{photo.pk}/")
    assert shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content).startswith(PNG_MAGIC)
    original = lab_client.get(f"/ballistics/photographs/{photo.pk}/original/")
    assert original["Content-Disposition"].startswith("attachment")
    assert b"".join(original.streaming_content) == data
    assert "casing.png" not in photo.original_path  # stored under a generated name


@pytest.mark.django_db
def test_an_image_that_is_not_what_it_claims_is_refused(lab_client: Client, agency_a: Any) -> None:
    evidence = EvidenceFactory(agency=agency_a)
    fake = b"\xff\xd8\xff" + b"<script>not a jpeg</script>" * 10
    response = lab_client.post(
        f"/ballistics/{evidence.pk}/photographs/",
        {"photograph": SimpleUploadedFile("casing.jpg", fake)},
        follow=True,
    )
    assert "The photograph was refused" in response.content.decode()
    text = lab_client.post(
        f"/ballistics/{evidence.pk}/photographs/",
        {"photograph": SimpleUploadedFile("casing.png", b"hello, not an image")},
        follow=True,
    )
    assert "Not a PNG, JPEG or TIFF" in text.content.decode()
    assert not Photograph.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"plain text, not an archive", "not a zip"),
        (_wrong_xml(), "not &lt;ISO5436_2&gt;"),
        (_huge_declared(), "exceeds the limit"),
        (_zip_bomb(), "bytes"),
    ],
    ids=["not-a-zip", "wrong-xml", "huge-declared-size", "zip-bomb"],
)
def test_bad_scan_uploads_are_refused_with_the_reason(
    lab_client: Client, agency_a: Any, content: bytes, reason: str
) -> None:
    evidence = EvidenceFactory(agency=agency_a)
    response = lab_client.post(
        f"/ballistics/{evidence.pk}/scans/",
        {"scan": SimpleUploadedFile("scan.x3p", content)},
        follow=True,
    )
    page = response.content.decode()
    assert "The scan was refused" in page and reason in page
    assert not Scan.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_scan_upload_stores_the_original_and_correlates(
    lab_client: Client,
    agency_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    stored = EvidenceFactory(agency=agency_a, caliber="9mm Luger", firing_pin_shape="hemispherical")
    scan_import(
        agency=agency_a, name="Fadul_1-2.x3p", data=_fadul("Fadul_1-2.x3p"), evidence=stored
    )
    scan_import(
        agency=agency_a, name="Fadul_2-1.x3p", data=_fadul("Fadul_2-1.x3p"), evidence=stored
    )
    evidence: Any = EvidenceFactory(
        agency=agency_a, caliber="9mm Luger", firing_pin_shape="hemispherical"
    )
    data = _fadul("Fadul_1-1.x3p")
    with django_capture_on_commit_callbacks(execute=True):
        response = lab_client.post(
            f"/ballistics/{evidence.pk}/scans/", {"scan": SimpleUploadedFile("Fadul_1-1.x3p", data)}
        )
    scan = Scan.objects.get(evidence=evidence)
    assert response.status_code == 302 and response.url == scan.get_absolute_url()
    job = Job.objects.get(kind="ballistics_correlate")
    assert job.status == "succeeded" and job.params == {"scan_id": scan.pk}
    page = lab_client.get(scan.get_absolute_url()).content.decode()
    assert "<progress" in page and "Fadul_1-2.x3p" in page
    candidates = list(Candidate.objects.filter(query=scan))
    assert candidates[0].candidate.original_name == "Fadul_1-2.x3p"
    download = lab_client.get(f"/ballistics/scans/{scan.pk}/original.x3p")
    assert b"".join(download.streaming_content) == data
    assert download["Content-Disposition"].startswith("attachment")
    surface = lab_client.get(f"/ballistics/scans/{scan.pk}/surface.png")
    assert surface["Content-Type"] == "image/png" and surface.content.startswith(PNG_MAGIC)

    # The candidate page: scores, the three images, and the decision workflow.
    best = candidates[0]
    page = lab_client.get(best.get_absolute_url()).content.decode()
    assert "Side by side" in page and "Aligned overlay" in page and "Record decision" in page
    for which in ("query", "candidate", "overlay"):
        image = lab_client.get(f"/ballistics/candidates/{best.pk}/{which}.png")
        assert image.status_code == 200 and image.content.startswith(PNG_MAGIC), which
        decoded = Image.open(io.BytesIO(image.content))
        assert decoded.width > 300
    assert lab_client.get(f"/ballistics/candidates/{best.pk}/other.png").status_code == 404

    refused = lab_client.post(
        f"/ballistics/candidates/{best.pk}/decide/", {"decision": "confirmed"}, follow=True
    )
    assert "needs the examination date" in refused.content.decode()
    best.refresh_from_db()
    assert best.decision == Decision.PENDING
    lab_client.post(
        f"/ballistics/candidates/{best.pk}/decide/",
        {"decision": "confirmed", "examined_on": "2026-11-20"},
    )
    best.refresh_from_db()
    assert best.decision == Decision.CONFIRMED
    assert (
        best.examiner is not None
        and best.examiner.username == "lab-a"
        and best.examined_on == dt.date(2026, 11, 20)
    )
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.UPDATE, object_type="ballistics.candidate"
    ).exists()
    assert "Confirmed match" in lab_client.get(scan.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_detective_sees_candidates_but_cannot_decide(owner_client: Client, agency_a: Any) -> None:
    candidate = Candidate.objects.create(
        agency=agency_a,
        query=_scan(agency=agency_a),
        candidate=_scan(agency=agency_a),
        rank=1,
        coarse_score=0.5,
        score=10,
    )
    page = owner_client.get(candidate.get_absolute_url()).content.decode()
    assert "Record decision" not in page
    response = owner_client.post(
        f"/ballistics/candidates/{candidate.pk}/decide/", {"decision": "not_a_match"}
    )
    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.decision == Decision.PENDING


@pytest.mark.django_db
def test_scan_candidates_query_count_is_flat(owner_client: Client, agency_a: Any) -> None:
    query = _scan(agency=agency_a)

    def grow(n: int) -> None:
        for _ in range(n):
            other = _scan(
                agency=agency_a,
                evidence=EvidenceFactory(
                    agency=agency_a, incident=IncidentFactory(agency=agency_a)
                ),
            )
            Candidate.objects.create(
                agency=agency_a, query=query, candidate=other, rank=1, coarse_score=0.1, score=1
            )

    assert_flat_query_count(owner_client, query.get_absolute_url(), grow, max_queries=8)

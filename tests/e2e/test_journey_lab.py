"""A lab examiner registers a casing, adds a photograph and a 3D scan, confirms a match,
and the ballistic lead linking the two shootings appears in the lead queue."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.db import transaction
from PIL import Image

from ballistics.choices import Decision
from ballistics.models import Candidate, Evidence
from ballistics.services import scan_import
from tests.ballistics.data import fadul_dir
from tests.ballistics.factories import EvidenceFactory
from tests.e2e.conftest import sign_in, snap, visit
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_register_casing_upload_scan_review_candidates_and_confirm(
    page, agency_a, password, celery_worker, tmp_path
):
    UserFactory(username="examiner1", agency=agency_a, role="lab")
    shooting = IncidentFactory(agency=agency_a, incident_number="26-004711", offense="Shooting")
    earlier = EvidenceFactory(
        agency=agency_a,
        exhibit_number="BE-0100",
        incident=IncidentFactory(agency=agency_a, incident_number="26-003900"),
        caliber="9mm Luger",
        firing_pin_shape="hemispherical",
    )
    with transaction.atomic():
        for name in ("Fadul_1-2.x3p", "Fadul_2-1.x3p", "Fadul_3-1.x3p"):
            scan_import(
                agency=agency_a,
                name=name,
                data=(fadul_dir() / name).read_bytes(),
                evidence=earlier,
            )
    photograph = tmp_path / "casing-head.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (170, 130, 60)).save(buffer, format="JPEG")
    photograph.write_bytes(buffer.getvalue())

    sign_in(page, "examiner1", password)
    visit(page, "/ballistics/")
    page.get_by_role("link", name="Register evidence").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Exhibit number").fill("BE-0200")
    incident = page.get_by_label("Incident")
    assert "26-004711" in incident.inner_text()
    incident.select_option(str(shooting.pk))
    page.get_by_label("Caliber").fill("9mm Luger")
    page.get_by_label("Headstamp").fill("FC 9mm LUGER")
    page.get_by_label("Firing pin shape").select_option("hemispherical")
    page.get_by_label("Recovered by").fill("Crime scene unit")
    snap(page, "register-form")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Exhibit BE-0200").is_visible()
    evidence = Evidence.objects.get(exhibit_number="BE-0200")

    page.get_by_label("Photograph (PNG, JPEG or TIFF)").set_input_files(str(photograph))
    page.get_by_label("Caption").fill("Head of the casing")
    page.get_by_role("button", name="Add photograph").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Photograph added.").is_visible()
    page.wait_for_selector("figure img[alt^='Photograph casing-head.jpg']")
    snap(page, "evidence-with-photograph")

    page.get_by_label("3D scan (X3P)").set_input_files(str(fadul_dir() / "Fadul_1-1.x3p"))
    page.get_by_role("button", name="Upload scan and correlate").click()
    page.wait_for_load_state("networkidle")
    assert "Scan Fadul_1-1.x3p" in page.title()
    # The page follows the worker's job and reloads when the correlation is done.
    page.wait_for_selector(".job-progress[data-finished='true']", timeout=120_000)
    page.wait_for_load_state("networkidle")
    candidates = page.get_by_role("table")
    candidates.get_by_role("link", name="Fadul_1-2.x3p").wait_for(timeout=30_000)
    first_row = candidates.locator("tbody tr").first
    assert "Fadul_1-2.x3p" in first_row.inner_text()  # the same slide ranks first
    snap(page, "candidates")

    first_row.get_by_role("link", name="Fadul_1-2.x3p").click()
    page.wait_for_load_state("networkidle")
    for alt in ("Query surface", "Candidate surface", "Both surfaces aligned"):
        image = page.locator(f"img[alt^='{alt}']")
        image.wait_for()
        assert image.evaluate("img => img.complete && img.naturalWidth > 300"), alt
    snap(page, "side-by-side")

    page.get_by_label("Confirmed match").check()
    page.get_by_label("Microscope examination date").fill("2026-11-20")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Decision recorded: Confirmed match.").is_visible()
    snap(page, "confirmed")
    candidate = Candidate.objects.get(query__evidence=evidence, rank=1)
    assert candidate.decision == Decision.CONFIRMED
    assert candidate.examiner is not None and candidate.examiner.username == "examiner1"

    # The confirmed match between casings of two incidents raises a ballistic lead on a worker.
    lead_row = page.locator("tbody tr").filter(
        has_text=re.compile(r"Ballistic link: incidents 26-00(3900|4711) and 26-00(3900|4711)")
    )
    deadline = time.monotonic() + 60
    while True:
        visit(page, "/leads/")
        if lead_row.count() or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert lead_row.count() == 1, "the ballistic lead did not appear in the queue"
    snap(page, "lead-queue-after-match")
    lead_row.get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert "26-003900" in body and "26-004711" in body
    assert "BE-0200" in body or "Fadul_1-1.x3p" in body
    snap(page, "ballistic-lead")

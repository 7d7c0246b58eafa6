"""An analyst triages the lead queue, assigns a lead, works it and downloads its reports."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from leads.models import LeadStatus, Notification
from tests.e2e.conftest import sign_in, snap, visit
from tests.factories import UserFactory
from tests.leads.conftest import raise_ballistic_lead

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_analyst_assigns_works_and_exports_a_lead(page, agency_a, password):
    UserFactory(username="analyst1", agency=agency_a, role="analyst")
    detective: Any = UserFactory(username="detective1", agency=agency_a, role="detective")
    lead = raise_ballistic_lead(agency_a)

    sign_in(page, "analyst1", password)
    visit(page, "/leads/")
    assert lead.number in page.content()
    page.get_by_label(f"Select lead {lead.number}").check()
    page.locator("form[aria-label='Assign leads'] select[name=assignee]").select_option(
        label="detective1"
    )
    page.get_by_role("button", name="Assign selected leads").click()
    page.wait_for_load_state("networkidle")
    snap(page, "assigned")
    assert "1 lead assigned to detective1" in page.content()
    assert Notification.objects.filter(user=detective, lead=lead).exists()

    page.get_by_role("link", name=lead.number).click()
    page.wait_for_load_state("networkidle")
    page.locator("#id_status").select_option(value=LeadStatus.INVESTIGATING)
    page.get_by_role("button", name="Change status").click()
    page.wait_for_load_state("networkidle")
    snap(page, "investigating")
    assert re.search(r"Status:\s*<strong>Investigating</strong>", page.content())
    lead.refresh_from_db()
    assert lead.status == LeadStatus.INVESTIGATING and lead.assignee == detective

    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF for prosecutors").click()
    reader = PdfReader(Path(pdf.value.path()))
    text = " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())
    assert f"Lead report {lead.number}" in text and "Investigating" in text
    assert "Produced by analyst1" in text

    with page.expect_download() as data:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.DictReader(io.StringIO(Path(data.value.path()).read_text())))
    assert len(rows) == lead.records.count()
    assert {row["lead_number"] for row in rows} == {lead.number}
    assert {row["lead_status"] for row in rows} == {"Investigating"}
    assert all(row["exported_by"] == "analyst1" for row in rows)

    # The time-to-lead dashboard draws its weekly chart (plotly, served by the portal).
    visit(page, "/leads/time-to-lead/")
    page.wait_for_selector("#chart-time-to-lead .main-svg", timeout=20000)
    snap(page, "time-to-lead")
    assert lead.number in page.content()

    # The detective sees the assignment in the header and in the notification list.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")
    sign_in(page, "detective1", password)
    visit(page, "/leads/")
    badge = page.locator(".notifications-link .badge")
    badge.wait_for(timeout=10000)
    assert badge.inner_text() == "1 unread"
    page.locator(".notifications-link").click()
    page.wait_for_load_state("networkidle")
    snap(page, "notifications")
    assert f"Lead {lead.number} assigned to you" in page.content()

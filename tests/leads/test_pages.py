"""Lead pages and reports as users see them: queue, lead, bulk assignment, exports, scoping."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from leads.models import Lead, LeadStatus, Notification
from portal.models import AuditEvent
from tests.conftest import login
from tests.factories import UserFactory
from tests.leads.conftest import raise_ballistic_lead
from tests.leads.factories import LeadFactory, LeadRecordFactory
from tests.query_counts import assert_flat_query_count

pytestmark = pytest.mark.django_db

INJECTIONS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_queue_lists_scored_leads_and_filters_them(
    analyst_client: Client, agency_a: Any, lead: Lead
) -> None:
    other: Any = LeadFactory(
        agency=agency_a, kind="trafficking", title="Possible straw purchaser X"
    )
    page = analyst_client.get("/leads/").content.decode()
    assert lead.number in page and other.number in page
    assert lead.score_explanation[0]["why"].split(":")[0] in page  # the score in words
    filtered = analyst_client.get("/leads/?kind=trafficking").content.decode()
    assert other.number in filtered and lead.number not in filtered
    Lead.objects.filter(pk=other.pk).update(status=LeadStatus.CLOSED, outcome="no_action")
    still_open = analyst_client.get("/leads/?state=open").content.decode()
    assert lead.number in still_open and other.number not in still_open
    assert AuditEvent.objects.filter(event_type="search", object_type="leads.lead").exists()


def test_bulk_assignment_assigns_and_notifies(
    analyst_client: Client, agency_a: Any, lead: Lead
) -> None:
    second = raise_ballistic_lead(agency_a)
    detective: Any = UserFactory(username="det7", agency=agency_a)
    response = analyst_client.post(
        "/leads/assign/", {"lead": [lead.pk, second.pk], "assignee": detective.pk}
    )
    assert response.status_code == 302
    assert set(Lead.objects.filter(assignee=detective).values_list("pk", flat=True)) == {
        lead.pk,
        second.pk,
    }
    assert Notification.objects.filter(user=detective).count() == 2
    det_client = login(Client(), detective)
    # The header's count (fetched by static/js/notifications.js) and the list.
    assert det_client.get("/notifications/count.json").json() == {"unread": 2}
    page = det_client.get("/leads/").content.decode()
    assert 'data-count-url="/notifications/count.json"' in page
    assert lead.number in det_client.get("/notifications/").content.decode()


def test_the_lead_page_moves_the_lead_through_its_statuses(
    analyst_client: Client, analyst: Any, lead: Lead
) -> None:
    page = analyst_client.get(lead.get_absolute_url()).content.decode()
    assert lead.summary[:40] in page
    for record in lead.records.all():
        assert record.label in page
        if record.url:
            assert f'href="{record.url}"' in page
    assert AuditEvent.objects.filter(event_type="view", object_id=str(lead.pk)).exists()
    analyst_client.post(f"/leads/{lead.pk}/assign/", {"assignee": analyst.pk})
    analyst_client.post(f"/leads/{lead.pk}/status/", {"status": "investigating"})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.INVESTIGATING
    # Backwards is refused, with a message, and changes nothing.
    response = analyst_client.post(f"/leads/{lead.pk}/status/", {"status": "new"}, follow=True)
    assert "cannot go from investigating to new" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.INVESTIGATING


def test_the_pdf_report_holds_the_lead_s_facts(analyst_client: Client, lead: Lead) -> None:
    response = analyst_client.get(f"/leads/{lead.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    text = " ".join(text.split())
    assert f"Lead report {lead.number}" in text
    assert lead.agency.name in text
    for record in lead.records.all():
        assert record.label[:30] in text
        assert f"#{record.object_id}" in text  # each fact names its source record
    assert "Produced by analyst" in text
    assert "Timeline" in text and "Map of the records" in text and "Network" in text
    event = AuditEvent.objects.get(event_type="export", object_type="leads.lead")
    assert event.detail["format"] == "pdf" and event.actor_username == "analyst"


def _injected_lead(agency: Any) -> Any:
    lead = LeadFactory(agency=agency, title="=HYPERLINK(1)")
    for label in INJECTIONS:
        LeadRecordFactory(lead=lead, label=label, evidence={"why": label})
    return lead


def test_csv_and_xlsx_reports_neutralise_formulas_and_are_audited(
    analyst_client: Client, agency_a: Any
) -> None:
    lead = _injected_lead(agency_a)
    response = analyst_client.get(f"/leads/{lead.pk}/report.csv")
    rows = list(csv.DictReader(io.StringIO(_body(response).decode())))
    assert len(rows) == len(INJECTIONS)
    assert {row["record_label"] for row in rows} == {"'" + value for value in INJECTIONS}
    assert all(row["lead_title"] == "'=HYPERLINK(1)" for row in rows)
    assert all(row["exported_by"] == "analyst" and row["exported_at"] for row in rows)

    response = analyst_client.get(f"/leads/{lead.pk}/report.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    labels = {v for v in values if isinstance(v, str) and v.startswith("'")}
    assert "'=1+2" in labels and "'@cmd" in labels and "'-2+3" in labels
    assert not any(isinstance(v, str) and v[:1] in "=+-@\t\r" for v in values)
    formats = sorted(
        AuditEvent.objects.filter(event_type="export").values_list("detail__format", flat=True)
    )
    assert formats == ["csv", "xlsx"]


def test_the_filtered_queue_exports_as_one_file(
    analyst_client: Client, agency_a: Any, lead: Lead
) -> None:
    other = _injected_lead(agency_a)
    Lead.objects.filter(pk=other.pk).update(kind="trafficking")
    body = _body(analyst_client.get("/leads/export.csv?kind=ballistic")).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["lead_number"] for row in rows} == {lead.number}
    assert len(rows) == lead.records.count()
    response = analyst_client.get("/leads/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.max_row == 1 + lead.records.count() + len(INJECTIONS)
    assert AuditEvent.objects.filter(event_type="export", detail__format="xlsx").exists()


def test_exports_need_the_export_permission(agency_a: Any, lead: Lead) -> None:
    lab = login(Client(), UserFactory(username="lab1", agency=agency_a, role="lab"))
    for suffix in ("report.pdf", "report.csv", "report.xlsx"):
        assert lab.get(f"/leads/{lead.pk}/{suffix}").status_code == 403
    assert lab.get("/leads/export.csv").status_code == 403
    assert not AuditEvent.objects.filter(event_type="export").exists()


def test_outsiders_get_404_on_every_lead_url(outsider_client: Client, lead: Lead) -> None:
    for suffix in ("", "report.pdf", "report.csv", "report.xlsx"):
        assert outsider_client.get(f"/leads/{lead.pk}/{suffix}").status_code == 404
    for suffix, data in (
        ("assign/", {"assignee": 1}),
        ("status/", {"status": "closed", "outcome": "no_action"}),
        ("seen/", {}),
    ):
        assert outsider_client.post(f"/leads/{lead.pk}/{suffix}", data).status_code in (403, 404)
    page = outsider_client.get("/leads/").content.decode()
    assert lead.number not in page
    body = _body(outsider_client.get("/leads/export.csv")).decode()
    assert lead.number not in body
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_time_to_lead_dashboard_shows_the_weeks(analyst_client: Client, lead: Lead) -> None:
    page = analyst_client.get("/leads/time-to-lead/").content.decode()
    assert "data-time-to-lead" in page and "24 to 48 hours" in page


def test_supervisors_set_the_thresholds(agency_a: Any) -> None:
    supervisor = login(Client(), UserFactory(username="sup1", agency=agency_a, role="supervisor"))
    form = {
        "ttc_days": 200,
        "purchaser_min_guns": 3,
        "firearm_min_incidents": 2,
        "alert_min_alerts": 2,
        "alert_min_casings": 1,
        "person_min_records": 2,
        "goal_hours": 24,
    }
    assert supervisor.post("/leads/settings/", form).status_code == 302
    from leads.rules import lead_settings

    assert lead_settings(agency_a).ttc_days == 200
    detective = login(Client(), UserFactory(username="det9", agency=agency_a))
    assert detective.post("/leads/settings/", form).status_code == 403


def test_queue_and_lead_page_query_counts_are_flat(analyst_client: Client, agency_a: Any) -> None:
    lead = LeadFactory(agency=agency_a)

    def grow_leads(n: int) -> None:
        for _ in range(n):
            LeadRecordFactory(lead=LeadFactory(agency=agency_a))

    def grow_records(n: int) -> None:
        for _ in range(n):
            LeadRecordFactory(lead=lead, is_new=True)

    assert_flat_query_count(analyst_client, "/leads/", grow_leads, max_queries=7)
    assert_flat_query_count(analyst_client, lead.get_absolute_url(), grow_records, max_queries=10)


def test_a_record_without_a_kept_address_links_to_its_page_when_it_has_one(
    analyst_client: Client, agency_a: Any, lead: Lead
) -> None:
    record = lead.records.filter(role="incident").first()
    assert record is not None
    expected = record.url
    type(record).objects.filter(pk=record.pk).update(url="")
    page = analyst_client.get(lead.get_absolute_url()).content.decode()
    assert f'href="{expected}"' in page


def test_a_sharing_partner_reads_the_lead_but_cannot_work_it(
    agency_a: Any, agency_b: Any, lead: Lead
) -> None:
    from tests.factories import SharingAgreementFactory

    SharingAgreementFactory(owner=agency_a, partner=agency_b)
    partner_analyst: Any = UserFactory(username="b-analyst", agency=agency_b, role="analyst")
    partner = login(Client(), partner_analyst)
    page = partner.get(lead.get_absolute_url()).content.decode()
    assert lead.title in page and "Change status" not in page
    assert f"Select lead {lead.number}" not in partner.get("/leads/").content.decode()
    assert (
        partner.post(f"/leads/{lead.pk}/assign/", {"assignee": partner_analyst.pk}).status_code
        == 404
    )
    partner.post("/leads/assign/", {"lead": [lead.pk], "assignee": partner_analyst.pk})
    lead.refresh_from_db()
    assert lead.assignee is None and lead.status == LeadStatus.NEW


def test_time_to_lead_measures_entry_to_lead_and_lead_to_assignment(
    analyst_client: Client, analyst: Any, lead: Lead
) -> None:
    import datetime as dt

    from leads.workflow import lead_assign

    lead_assign(lead=lead, assignee=analyst, user=analyst)
    Lead.objects.filter(pk=lead.pk).update(
        evidence_entered_at=lead.created_at - dt.timedelta(hours=10),
        assigned_at=lead.created_at + dt.timedelta(hours=20),
    )
    page = analyst_client.get("/leads/time-to-lead/").content.decode()
    row = page[page.index(lead.number) :]
    assert "<td>10.0</td><td>20.0</td><td>yes</td>" in row.replace("\n", "")
    assert "1 of 1 assigned ballistic lead reached a detective within 48 hours" in page

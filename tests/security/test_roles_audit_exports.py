"""SECURITY.md items 8 (roles), 9 and 10 (audit) and 13 (safe exports)."""

from __future__ import annotations

import csv
import io
from datetime import UTC

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import Client
from openpyxl import load_workbook

from portal.choices import AuditEventType, Role
from portal.exports import csv_response, neutralise, xlsx_bytes
from portal.models import AuditEvent, User
from portal.permissions import ENTER_EVIDENCE, EXPORT_PERSON_DATA, user_can
from portal.services import user_update_access
from tests.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- 8. roles ------------------------------------------------------------------------------


def test_item_08_lab_staff_enter_evidence_but_cannot_export_person_data(agency_a):
    lab = UserFactory(agency=agency_a, role=Role.LAB)
    analyst = UserFactory(agency=agency_a, role=Role.ANALYST)
    assert user_can(lab, ENTER_EVIDENCE) and not user_can(lab, EXPORT_PERSON_DATA)
    assert user_can(analyst, EXPORT_PERSON_DATA) and not user_can(analyst, ENTER_EVIDENCE)
    assert not user_can(UserFactory(agency=agency_a, role=Role.ADMIN), EXPORT_PERSON_DATA)


@pytest.mark.parametrize(
    ("role", "audit_status", "users_status"),
    [
        (Role.DETECTIVE, 403, 403),
        (Role.ANALYST, 403, 403),
        (Role.LAB, 403, 403),
        (Role.SUPERVISOR, 200, 403),
        (Role.ADMIN, 200, 200),
    ],
)
def test_item_08_least_privilege_pages_by_role(agency_a, role, audit_status, users_status):
    client = login(Client(), UserFactory(agency=agency_a, role=role))
    assert client.get("/audit/").status_code == audit_status
    assert client.get("/audit/export.csv").status_code == audit_status
    assert client.get("/users/").status_code == users_status


def test_item_08_admins_manage_users_of_their_own_agency_only(agency_a, agency_b, owner):
    other_admin = UserFactory(agency=agency_b, role=Role.ADMIN)
    client = login(Client(), other_admin)
    assert b"owner" not in client.get("/users/").content
    assert client.get(f"/users/{owner.pk}/").status_code == 404
    assert client.post(f"/users/{owner.pk}/", {"role": "admin"}).status_code == 404
    assert client.post(f"/users/{owner.pk}/unlock/").status_code == 404
    assert client.post(f"/users/{owner.pk}/mfa-reset/").status_code == 404
    with pytest.raises(PermissionDenied):
        user_update_access(user=owner, by=other_admin, role=Role.ADMIN)
    assert User.objects.get(pk=owner.pk).role == Role.DETECTIVE

    own_admin = login(Client(), UserFactory(agency=agency_a, role=Role.ADMIN))
    own_admin.post(f"/users/{owner.pk}/", {"role": "analyst", "is_active": "on"})
    assert User.objects.get(pk=owner.pk).role == Role.ANALYST
    created = own_admin.post(
        "/users/new/",
        {"username": "newcomer", "role": "lab", "password": "a fresh long pass-phrase"},
    )
    assert created.status_code == 302
    assert User.objects.get(username="newcomer").agency == agency_a


def test_item_08_the_django_admin_is_for_verified_superusers_only(agency_a):
    staff_admin = UserFactory(agency=agency_a, role=Role.ADMIN, is_staff=True)
    assert login(Client(), staff_admin).get("/admin/").status_code == 302
    superuser = UserFactory(agency=agency_a, role=Role.ADMIN, is_staff=True, is_superuser=True)
    assert login(Client(), superuser).get("/admin/").status_code == 200
    unverified = Client()
    unverified.force_login(superuser)
    assert unverified.get("/admin/").status_code == 302


# --- 9. audit events ----------------------------------------------------------------------


def test_item_09_permission_mfa_and_audit_access_events_are_written(agency_a, owner):
    admin_user = UserFactory(agency=agency_a, role=Role.ADMIN)
    admin = login(Client(), admin_user)
    admin.post(f"/users/{owner.pk}/", {"role": "supervisor", "is_active": "on"})
    admin.post(f"/users/{owner.pk}/mfa-reset/")
    admin.get("/audit/?event_type=permission_change")
    admin.get("/audit/export.csv")

    def last(event_type: str) -> AuditEvent:
        return AuditEvent.objects.filter(event_type=event_type).latest("id")

    change = last(AuditEventType.PERMISSION_CHANGE)
    assert change.actor == admin_user and change.object_id == str(owner.pk)
    assert change.detail["role"] == ["detective", "supervisor"]
    assert last(AuditEventType.MFA_CHANGE).detail["action"] == "reset"
    access = last(AuditEventType.AUDIT_ACCESS)
    assert access.actor == admin_user and access.agency == agency_a
    assert access.client_address == "127.0.0.1" and len(access.request_id) == 32
    assert last(AuditEventType.EXPORT).object_type == "portal.auditevent"


def test_item_09_failed_sign_ins_are_visible_to_the_agency_supervisor(client, agency_a, owner):
    client.post("/login/", {"username": "owner", "password": "nope-nope-1", "acknowledge": "on"})
    supervisor = login(Client(), UserFactory(agency=agency_a, role=Role.SUPERVISOR))
    page = supervisor.get("/audit/?event_type=login_failed").content.decode()
    assert "<td>Failed login</td>" in page and "<td>owner</td>" in page
    outsider_supervisor = login(Client(), UserFactory(role=Role.SUPERVISOR))
    elsewhere = outsider_supervisor.get("/audit/?event_type=login_failed").content.decode()
    assert "<td>Failed login</td>" not in elsewhere


def test_item_09_the_audit_page_filters_and_exports_csv(agency_a, owner_client, owner):
    owner_client.get(owner.agency.get_absolute_url())
    supervisor_user = UserFactory(agency=agency_a, role=Role.SUPERVISOR)
    supervisor = login(Client(), supervisor_user)
    views = supervisor.get("/audit/?event_type=view&actor=own").content.decode()
    assert "<td>Record view</td>" in views and "portal.agency" in views
    event = AuditEvent.objects.filter(event_type=AuditEventType.VIEW).latest("id")
    assert f"<td>{event.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}</td>" in views  # UTC
    assert "<td>Login</td>" not in views
    response = supervisor.get("/audit/export.csv?event_type=view")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["occurred_at_utc", "actor", "agency", "event_type"]
    assert [row[3] for row in rows[1:]] == ["view"]
    assert rows[1][1] == "owner" and rows[1][0].endswith("+00:00")


def test_item_09_changes_in_the_django_admin_are_audited(agency_a):
    superuser = UserFactory(agency=agency_a, role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = login(Client(), superuser)
    response = client.post(
        "/admin/portal/agency/add/", {"name": "New Agency", "ori": "NA0000001", "state": "NA"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(event_type=AuditEventType.CREATE).latest("id")
    assert event.actor == superuser and event.object_type == "portal.agency"


# --- 10. append-only ------------------------------------------------------------------------


def test_item_10_audit_rows_cannot_be_changed_or_deleted(owner_client, agency_a):
    owner_client.get(agency_a.get_absolute_url())
    event = AuditEvent.objects.get(event_type=AuditEventType.VIEW)
    event.outcome = "failure"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    for statement in (
        "UPDATE portal_auditevent SET outcome = 'failure'",
        "DELETE FROM portal_auditevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_item_10_no_page_or_admin_action_deletes_audit_rows(agency_a):
    superuser = UserFactory(agency=agency_a, role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = login(Client(), superuser)
    event = AuditEvent.objects.filter(actor_username=superuser.username).latest("id")
    assert client.get(f"/admin/portal/auditevent/{event.pk}/delete/").status_code == 403
    client.post(f"/admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- 13. exports ---------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\0NUL"]


def test_item_13_csv_and_xlsx_cells_are_neutralised():
    for value in DANGEROUS:
        assert neutralise(value) == "'" + value
    assert neutralise("Smith") == "Smith" and neutralise(-5) == -5

    response = csv_response("x.csv", ["name"], [[value] for value in DANGEROUS])
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    assert all(row[0].startswith("'") for row in rows[1:])

    sheet = load_workbook(io.BytesIO(xlsx_bytes({"People": (["name"], [[v] for v in DANGEROUS])})))[
        "People"
    ]
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(cell, str) and cell.startswith("'") for cell in cells)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_item_13_the_audit_export_neutralises_a_hostile_username(client, agency_a):
    client.post("/login/", {"username": "=cmd|'/c calc'!A1", "password": "x", "acknowledge": "on"})
    supervisor = login(Client(), UserFactory(agency=agency_a, role=Role.SUPERVISOR))
    # The failed sign-in of an unknown name belongs to no agency: make one that does.
    hostile = UserFactory(agency=agency_a, username="@evil")
    client.post("/login/", {"username": hostile.username, "password": "x", "acknowledge": "on"})
    body = b"".join(supervisor.get("/audit/export.csv").streaming_content).decode()
    assert "'@evil" in body and "\n@evil" not in body and ",@evil" not in body

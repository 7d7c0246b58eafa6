"""The audit trail: sign-in events and record views are written, and never changed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from portal.choices import AuditEventType, AuditOutcome
from portal.models import AuditEvent
from tests.conftest import login, totp_code

pytestmark = pytest.mark.django_db


def login_form(client: Client, username: str, password: str, **extra: str):
    return client.post(
        "/login/",
        {"username": username, "password": password, "acknowledge": "on"},
        **extra,
    )


def sign_in(client: Client, user, password: str, **extra: str):
    """Both steps of the sign-in: password (with the notice), then the TOTP code."""
    login_form(client, user.username, password, **extra)
    return client.post("/login/otp/", {"code": totp_code(user)}, **extra)


def test_successful_login_is_audited_with_address_and_request_id(client, owner, password):
    login_form(client, "owner", password, REMOTE_ADDR="10.1.2.3")
    assert not AuditEvent.objects.filter(event_type=AuditEventType.LOGIN).exists()
    response = client.post("/login/otp/", {"code": totp_code(owner)}, REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type=AuditEventType.LOGIN)
    assert event.actor == owner
    assert event.agency == owner.agency
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.client_address == "10.1.2.3"
    assert event.request_id == response["X-Request-ID"]


def test_failed_login_is_audited_without_the_password(client, owner):
    response = login_form(client, "owner", "wrong-password-1")

    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type=AuditEventType.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_username == "owner"
    assert event.outcome == AuditOutcome.FAILURE
    assert "wrong-password-1" not in str(event.detail)


def test_login_requires_acknowledging_the_system_use_notice(client, owner, password):
    page = client.get("/login/")
    assert b"System-use notice" in page.content

    response = client.post("/login/", {"username": "owner", "password": password})
    assert response.status_code == 200
    assert b"You must acknowledge the system-use notice" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_is_audited(client, owner):
    login(client, owner)
    client.post("/logout/")
    assert AuditEvent.objects.filter(event_type=AuditEventType.LOGOUT, actor=owner).exists()


def test_viewing_a_record_is_audited(owner_client, owner, agency_a):
    owner_client.get(agency_a.get_absolute_url())
    event = AuditEvent.objects.get(event_type=AuditEventType.VIEW)
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "portal.agency",
        str(agency_a.pk),
    )


def test_api_retrieve_is_audited(owner_client, owner, agency_a):
    owner_client.get(f"/api/v1/agencies/{agency_a.pk}/")
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.VIEW, actor=owner, object_id=str(agency_a.pk)
    ).exists()


def test_spoofed_forwarded_for_is_not_believed_without_trusted_proxy(client, owner, password):
    sign_in(client, owner, password, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert AuditEvent.objects.get(event_type=AuditEventType.LOGIN).client_address == "10.9.9.9"


def test_only_the_trusted_proxy_entry_is_believed(client, owner, password, settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    sign_in(
        client,
        owner,
        password,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
    )
    assert AuditEvent.objects.get(event_type=AuditEventType.LOGIN).client_address == "203.0.113.7"


def test_audit_rows_cannot_be_changed_through_the_orm(owner_client, agency_a):
    owner_client.get(agency_a.get_absolute_url())
    event = AuditEvent.objects.get(event_type=AuditEventType.VIEW)
    event.outcome = AuditOutcome.FAILURE
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(outcome=AuditOutcome.FAILURE)


def test_database_refuses_update_and_delete_of_audit_rows(owner_client, agency_a):
    owner_client.get(agency_a.get_absolute_url())
    for statement in (
        "UPDATE portal_auditevent SET outcome = 'failure'",
        "DELETE FROM portal_auditevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get(event_type=AuditEventType.VIEW).outcome == AuditOutcome.SUCCESS

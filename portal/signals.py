"""Audit of sign-in events, connected in PortalConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.audit import audit_log
from portal.choices import AuditEventType, AuditOutcome


def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(request=request, event_type=AuditEventType.LOGIN, user=user)


def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(request=request, event_type=AuditEventType.LOGOUT, user=user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username is kept: never the password that was tried.
    audit_log(
        request=request,
        event_type=AuditEventType.LOGIN_FAILED,
        outcome=AuditOutcome.FAILURE,
        username=str(credentials.get("username", "")),
    )

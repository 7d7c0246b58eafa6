"""Audit of sign-in events, connected in PortalConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.audit import audit_log
from portal.choices import AuditEventType, AuditOutcome


def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    from portal.security import session_start

    audit_log(request=request, event_type=AuditEventType.LOGIN, user=user)
    if request is not None and hasattr(request, "session"):
        session_start(request)


def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    from portal.security import sessions_end_all

    if user is not None and user.is_authenticated:
        audit_log(request=request, event_type=AuditEventType.LOGOUT, user=user)
        # Signing out ends every session of the user, not only this browser's.
        sessions_end_all(user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from portal.lockout import record_failure

    # Only the username is kept: never the password that was tried.
    username = str(credentials.get("username", ""))[:150]
    audit_log(
        request=request,
        event_type=AuditEventType.LOGIN_FAILED,
        outcome=AuditOutcome.FAILURE,
        username=username,
    )
    record_failure(request, username)


def on_admin_log_entry(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Mirror each change made in the Django admin into the audit trail."""
    if not created:
        return
    event_type = {
        1: AuditEventType.CREATE,  # django.contrib.admin.models.ADDITION
        2: AuditEventType.UPDATE,  # CHANGE
        3: AuditEventType.DELETE,  # DELETION
    }.get(instance.action_flag)
    if event_type is None:
        return
    content_type = instance.content_type
    audit_log(
        request=None,
        event_type=event_type,
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=str(instance.object_id or ""),
        user=instance.user,
        detail={"via": "admin"},
    )

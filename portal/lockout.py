"""Account lockout after repeated failed sign-ins (SECURITY.md item 1, CJIS AC-7).

The count is kept per username, from the audit trail's failed-login rows, so
no client-supplied header (X-Forwarded-For or any other) can reset it; the
lock stays until an administrator clears it. Every sign-in path goes through
authenticate(), hence through LockoutModelBackend.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import audit_log
from portal.choices import AuditEventType, AuditOutcome
from portal.models import AuditEvent, User, sharing_owner_ids


def recent_failures(user: User) -> int:
    """Failed sign-ins of `user` inside the window, since their last success or unlock."""
    since = timezone.now() - timedelta(seconds=settings.PORTAL_LOCKOUT_WINDOW_SECONDS)
    events = AuditEvent.objects.filter(actor_username=user.get_username(), occurred_at__gte=since)
    last_reset = (
        events.filter(
            Q(event_type=AuditEventType.LOGIN, outcome=AuditOutcome.SUCCESS)
            | Q(
                event_type=AuditEventType.PERMISSION_CHANGE,
                object_id=str(user.pk),
                detail__action="unlock",
            )
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    failures = events.filter(event_type=AuditEventType.LOGIN_FAILED)
    if last_reset is not None:
        failures = failures.filter(occurred_at__gt=last_reset)
    return failures.count()


def record_failure(request: HttpRequest | None, username: str) -> None:
    """Called after a failed sign-in has been audited: lock the account at the limit."""
    user = User.objects.filter(username=username).first()
    if user is None or user.is_locked:
        return
    if recent_failures(user) >= settings.PORTAL_LOCKOUT_FAILURES:
        User.objects.filter(pk=user.pk).update(locked_at=timezone.now())
        audit_log(
            request=request,
            event_type=AuditEventType.LOCKOUT,
            obj=user,
            user=None,
            username=username,
            outcome=AuditOutcome.DENIED,
            detail={"failures": settings.PORTAL_LOCKOUT_FAILURES},
        )


def user_unlock(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    """An administrator clears the lock (audited as a permission change)."""
    User.objects.filter(pk=user.pk).update(locked_at=None)
    user.locked_at = None
    audit_log(
        request=request,
        event_type=AuditEventType.PERMISSION_CHANGE,
        obj=user,
        user=by,
        detail={"action": "unlock", "username": user.get_username()},
    )


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses locked accounts before checking the password."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if (
            username is not None
            and User.objects.filter(username=username, locked_at__isnull=False).exists()
        ):
            # PermissionDenied stops every backend and is reported as a failed login.
            raise PermissionDenied("Account locked")
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request, with the agencies that share with theirs read
        in the same query: every scoped query of the request uses them
        (visible_agency_filter), and the next request reads them again."""
        try:
            user = User._default_manager.annotate(sharing_owner_ids=sharing_owner_ids()).get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

"""Writes of the platform: agencies, users, sharing agreements, API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from portal.audit import audit_log
from portal.choices import AuditEventType, Role
from portal.models import Agency, SharingAgreement, User


@transaction.atomic
def agency_create(*, name: str, ori: str, state: str) -> Agency:
    agency = Agency(name=name, ori=ori, state=state)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def user_create(
    *,
    agency: Agency,
    username: str,
    role: Role | str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    by: User | None = None,
    request: HttpRequest | None = None,
) -> User:
    if by is not None and (not by.has_role(Role.ADMIN) or by.agency_id != agency.pk):
        raise PermissionDenied("Administrators create users in their own agency only.")
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    user = User(
        username=username,
        agency=agency,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMIN,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_log(
        request=request,
        event_type=AuditEventType.CREATE,
        obj=user,
        user=by,
        detail={"username": username, "role": str(role), "agency": agency.ori},
    )
    return user


@transaction.atomic
def sharing_agreement_create(
    *, owner: Agency, partner: Agency, reference: str = ""
) -> SharingAgreement:
    agreement, _ = SharingAgreement.objects.update_or_create(
        owner=owner, partner=partner, defaults={"is_active": True, "reference": reference}
    )
    # Sharing widens who sees what: a permission change of the owner agency.
    audit_log(
        request=None,
        event_type=AuditEventType.PERMISSION_CHANGE,
        obj=agreement,
        detail={"owner": owner.ori, "partner": partner.ori, "action": "share"},
    )
    return agreement


def api_token_create(
    *,
    user: User,
    days: int | None = None,
    hours: int | None = None,
    request: HttpRequest | None = None,
) -> str:
    """Issue an API token (stored hashed, with an expiry); returns the token once."""
    from knox.models import AuthToken

    if days is None and hours is None:
        hours = settings.PORTAL_API_TOKEN_HOURS
    expiry = timedelta(days=days or 0, hours=hours or 0)
    instance, token = AuthToken.objects.create(user=user, expiry=expiry)
    audit_log(
        request=request,
        event_type=AuditEventType.CREATE,
        object_type="knox.authtoken",
        object_id=instance.token_key,
        user=user,
        detail={"expires_in_hours": round(expiry.total_seconds() / 3600, 2)},
    )
    return str(token)


def api_token_revoke(*, user: User, digest: str, request: HttpRequest | None = None) -> int:
    """Revoke one of the user's own tokens (by its stored digest)."""
    from knox.models import AuthToken

    tokens = AuthToken.objects.filter(user=user, digest=digest)
    keys = list(tokens.values_list("token_key", flat=True))
    deleted, _ = tokens.delete()
    for key in keys:
        audit_log(
            request=request,
            event_type=AuditEventType.DELETE,
            object_type="knox.authtoken",
            object_id=key,
            user=user,
        )
    return deleted


@transaction.atomic
def user_update_access(
    *,
    user: User,
    by: User,
    role: str | None = None,
    is_active: bool | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Change a user's role or active flag (an administrator of the same agency only).

    Disabling ends every session and revokes every API token of the user.
    """
    from knox.models import AuthToken

    from portal.security import sessions_end_all

    if not by.has_role(Role.ADMIN) or by.agency_id is None or by.agency_id != user.agency_id:
        raise PermissionDenied("Administrators manage the users of their own agency only.")
    changes: dict[str, list[Any]] = {}
    if role is not None and role != user.role:
        if role not in Role.values:
            raise ValueError(f"Unknown role {role!r}")
        changes["role"] = [user.role, role]
        user.role = role
        user.is_staff = role == Role.ADMIN
    if is_active is not None and is_active != user.is_active:
        if user.pk == by.pk and not is_active:
            raise PermissionDenied("You cannot disable your own account.")
        changes["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    if not changes:
        return user
    user.save(update_fields=["role", "is_staff", "is_active"])
    if changes.get("is_active") == [True, False]:
        sessions_end_all(user)
        AuthToken.objects.filter(user=user).delete()
    audit_log(
        request=request,
        event_type=AuditEventType.PERMISSION_CHANGE,
        obj=user,
        user=by,
        detail={"username": user.get_username(), **changes},
    )
    return user

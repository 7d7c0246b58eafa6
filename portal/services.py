"""Writes of the platform: agencies, users, sharing agreements, API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from portal.choices import Role
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
) -> User:
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
    return user


@transaction.atomic
def sharing_agreement_create(
    *, owner: Agency, partner: Agency, reference: str = ""
) -> SharingAgreement:
    agreement, _ = SharingAgreement.objects.update_or_create(
        owner=owner, partner=partner, defaults={"is_active": True, "reference": reference}
    )
    return agreement


def api_token_create(*, user: User, days: int = 30) -> str:
    """Issue an API token (stored hashed, with an expiry); returns the token once."""
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=user, expiry=timedelta(days=days))
    return str(token)

"""Fixtures shared by every test: agencies, the owner/teammate/outsider trio, analyst,
lab and supervisor users, a real worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.factories import TEST_PASSWORD, AgencyFactory, UserFactory


@pytest.fixture
def agency_a(db: Any) -> Any:
    return AgencyFactory(name="Agency A", ori="AA0000001", state="AA")


@pytest.fixture
def agency_b(db: Any) -> Any:
    return AgencyFactory(name="Agency B", ori="BB0000001", state="BB")


@pytest.fixture
def owner(agency_a: Any) -> Any:
    """A user of agency A (the agency that owns the records under test)."""
    return UserFactory(username="owner", agency=agency_a)


@pytest.fixture
def teammate(agency_a: Any) -> Any:
    return UserFactory(username="teammate", agency=agency_a)


@pytest.fixture
def outsider(agency_b: Any) -> Any:
    """A user of agency B, which has no sharing agreement with A."""
    return UserFactory(username="outsider", agency=agency_b)


def login(client: Client, user: Any) -> Client:
    """Sign `user` in with both factors, as the portal's two-step sign-in would.

    Every test signs in through this helper: a bare force_login() is refused by
    portal.security.SessionSecurityMiddleware (second factor missing).
    """
    from django_otp import DEVICE_ID_SESSION_KEY

    device = totp_device(user)
    client.force_login(user, backend="portal.lockout.LockoutModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def totp_device(user: Any) -> Any:
    """The user's confirmed TOTP device, created when missing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def totp_code(user: Any, at: float | None = None) -> str:
    """The current TOTP code of `user`'s device (to sign in through the real forms)."""
    from portal.mfa import totp_code as code_of

    return code_of(totp_device(user), at)


@pytest.fixture
def owner_client(client: Client, owner: Any) -> Client:
    return login(client, owner)


@pytest.fixture
def outsider_client(outsider: Any) -> Client:
    return login(Client(), outsider)


@pytest.fixture
def analyst(agency_a: Any) -> Any:
    """An analyst of agency A."""
    return UserFactory(username="analyst", agency=agency_a, role="analyst")


@pytest.fixture
def analyst_client(analyst: Any) -> Client:
    return login(Client(), analyst)


@pytest.fixture
def lab(agency_a: Any) -> Any:
    """A lab examiner of agency A."""
    return UserFactory(username="lab-a", agency=agency_a, role="lab")


@pytest.fixture
def lab_client(lab: Any) -> Client:
    return login(Client(), lab)


@pytest.fixture
def supervisor(agency_a: Any) -> Any:
    return UserFactory(username="supervisor-a", agency=agency_a, role="supervisor")


@pytest.fixture
def supervisor_client(supervisor: Any) -> Client:
    return login(Client(), supervisor)


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def celery_worker() -> Iterator[Any]:
    """A real Celery worker thread on the configured broker (Redis in CI, else in-memory).

    Tests using it need django_db(transaction=True): the worker reads through
    its own database connection.
    """
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = True

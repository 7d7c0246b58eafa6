"""SECURITY.md items 1-6: lockout, second factor, passwords, timeouts, session end, notice."""

from __future__ import annotations

import base64
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from portal.choices import AuditEventType, AuditOutcome
from portal.models import AuditEvent, User
from portal.security import SESSION_AUTH_AT, SESSION_SEEN_AT
from portal.services import api_token_create
from tests.conftest import login, totp_code, totp_device
from tests.factories import UserFactory
from tests.security.helpers import is_signed_in, password_step, sign_in

pytestmark = pytest.mark.django_db


# --- 1. lockout ---------------------------------------------------------------------------


def test_item_01_lockout_after_five_failures_until_an_admin_unlocks(client, owner, password):
    for _ in range(5):
        password_step(client, "owner", "wrong-password-x")
    owner.refresh_from_db()
    assert owner.locked_at is not None
    assert AuditEvent.objects.filter(event_type=AuditEventType.LOCKOUT).count() == 1

    # The right password no longer helps, now or later.
    page = password_step(client, "owner", password)
    assert page.status_code == 200 and b"correct username and password" in page.content
    assert not is_signed_in(client)
    assert User.objects.get(pk=owner.pk).is_locked

    # An administrator of the agency unlocks it on the Users page.
    admin = UserFactory(agency=owner.agency, role="admin")
    admin_client = login(Client(), admin)
    assert b"Unlock the account" in admin_client.get(f"/users/{owner.pk}/").content
    admin_client.post(f"/users/{owner.pk}/unlock/")
    assert not User.objects.get(pk=owner.pk).is_locked
    sign_in(client, owner, password)
    assert is_signed_in(client)


def test_item_01_rotating_x_forwarded_for_does_not_reset_the_count(
    client, owner, password, settings
):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    for attempt in range(5):
        password_step(
            client,
            "owner",
            "wrong-password-x",
            REMOTE_ADDR=f"10.0.0.{attempt + 1}",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}, 203.0.113.{attempt}",
        )
    assert User.objects.get(pk=owner.pk).is_locked
    sign_in(client, owner, password, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert not is_signed_in(client)


def test_item_01_only_failures_within_fifteen_minutes_count(client, owner):
    old = timezone.now() - timedelta(minutes=16)
    for _ in range(4):
        AuditEvent.objects.create(
            event_type=AuditEventType.LOGIN_FAILED,
            outcome=AuditOutcome.FAILURE,
            actor_username="owner",
            occurred_at=old,
        )
    password_step(client, "owner", "wrong-password-x")
    assert not User.objects.get(pk=owner.pk).is_locked


def test_item_01_wrong_second_factor_codes_count_too(client, owner, password):
    totp_device(owner)
    for _ in range(5):
        password_step(client, "owner", password)
        client.post("/login/otp/", {"code": "000000"})
    assert User.objects.get(pk=owner.pk).is_locked


def test_item_01_lockout_on_the_api_token_path(client, owner, password):
    for _ in range(5):
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "owner", "password": "wrong-password-x", "otp": "123456"},
            content_type="application/json",
        )
        assert response.status_code == 400
    assert User.objects.get(pk=owner.pk).is_locked
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": password, "otp": totp_code(owner)},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not AuthToken.objects.filter(user=owner).exists()


def test_item_01_the_admin_has_no_sign_in_of_its_own(client, owner, password):
    owner.is_superuser = owner.is_staff = True
    owner.save()
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.post("/admin/login/", {"username": "owner", "password": password, "next": "/admin/"})
    assert client.get("/admin/").status_code == 302
    for _ in range(5):
        password_step(client, "owner", "wrong-password-x")
    assert User.objects.get(pk=owner.pk).is_locked


# --- 2. second factor ----------------------------------------------------------------------


def test_item_02_a_password_alone_creates_no_session(client, owner, password):
    totp_device(owner)
    response = password_step(client, "owner", password)
    assert response.status_code == 302 and response["Location"].startswith("/login/otp/")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_item_02_a_session_without_second_factor_reaches_only_the_code_step(client, owner):
    client.force_login(owner)  # any path that signs in without the second factor
    for url in ("/", "/jobs/", "/audit/", "/account/", "/no/such/page/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/otp/"), url
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/schema/").status_code == 403
    assert client.get("/api/docs/").status_code == 403
    assert client.get("/login/otp/").status_code == 200


def test_item_02_every_url_pattern_asks_an_unverified_session_for_the_code(client, owner):
    """All routes, including those other apps add later, from the URL resolvers."""
    from tests.security.need_to_know import url_routes

    client.force_login(owner)
    open_routes = {"/login/", "/login/otp/", "/logout/", "/healthz"}
    checked = 0
    for route in url_routes():
        url = route.template.format(**dict.fromkeys(route.params, "1"))
        if url in open_routes:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if url.startswith("/api/"):
                assert response.status_code == 403, (method, url, response.status_code)
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert response["Location"].startswith("/login/otp/"), (method, url)
        checked += 1
    assert checked > 20


def test_item_02_each_code_is_accepted_once(client, owner, password):
    code = totp_code(owner)
    password_step(client, "owner", password)
    client.post("/login/otp/", {"code": code})
    assert is_signed_in(client)
    client.post("/logout/")

    other = Client()
    password_step(other, "owner", password)
    response = other.post("/login/otp/", {"code": code})
    assert response.status_code == 200 and b"not valid" in response.content
    assert not is_signed_in(other)


def test_item_02_enrolment_at_first_sign_in_shows_secret_and_qr_code(client, owner, password):
    assert not TOTPDevice.objects.filter(user=owner).exists()
    password_step(client, "owner", password)
    page = client.get("/login/otp/").content.decode()
    assert "<svg" in page and "Set up your authenticator app" in page
    found = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert found is not None
    secret = found.group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    client.post("/login/otp/", {"code": f"{totp.token():06d}"})
    assert is_signed_in(client)
    assert TOTPDevice.objects.get(user=owner).confirmed
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.MFA_CHANGE, actor=owner, detail__action="enrolled"
    ).exists()


def test_item_02_basic_authentication_is_off(client, owner, password, settings):
    classes = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert not any("Basic" in name for name in classes)
    basic = base64.b64encode(f"owner:{password}".encode()).decode()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in (401, 403)


def test_item_02_api_tokens_need_the_second_factor_and_are_hashed_and_revocable(
    client, owner, password
):
    refused = client.post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": password, "otp": "000000"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    issued = client.post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": password, "otp": totp_code(owner)},
        content_type="application/json",
    )
    assert issued.status_code == 200
    token = issued.json()["token"]
    stored = AuthToken.objects.get(user=owner)
    assert token not in (stored.digest, stored.token_key) and stored.expiry is not None
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert Client().get("/api/v1/me/", **auth).status_code == 200
    assert Client().post("/api/v1/auth/token/revoke/", **auth).status_code == 204
    assert Client().get("/api/v1/me/", **auth).status_code == 401


def test_item_02_expired_tokens_are_refused(owner):
    token = api_token_create(user=owner, hours=1)
    AuthToken.objects.filter(user=owner).update(expiry=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


# --- 3. passwords ---------------------------------------------------------------------------


def test_item_03_password_length_and_common_passwords():
    user = User(username="someone")
    with pytest.raises(ValidationError):
        validate_password("Zq7#kP2", user)  # 7 characters
    for common in ("password1", "qwertyuiop", "iloveyou"):
        with pytest.raises(ValidationError):
            validate_password(common, user)
    validate_password("Zq7#kP2m", user)  # 8 characters
    validate_password("a quiet river under seven copper bridges at dawn, " * 2, user)  # 100
    validate_password("x" * 32 + "tangerine-lantern-" * 4, user)  # 64+


def test_item_03_passwords_are_stored_with_a_salted_kdf(settings):
    from portal.settings import base

    # The test settings hash with MD5 for speed; production uses the base settings' list.
    assert base.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    first, second = make_password("same password 1"), make_password("same password 1")
    assert first != second  # a fresh salt each time
    assert identify_hasher(first).algorithm == "pbkdf2_sha256"
    assert int(first.split("$")[1]) >= 600_000


def test_item_03_the_change_password_page_applies_the_rules_and_is_audited(client, owner, password):
    login(client, owner)
    short = client.post(
        "/account/password/",
        {"old_password": password, "new_password1": "abc", "new_password2": "abc"},
    )
    assert short.status_code == 200 and b"too short" in short.content
    new = "a long and rather unusual pass-phrase 42"
    done = client.post(
        "/account/password/",
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    assert AuditEvent.objects.filter(event_type=AuditEventType.PASSWORD_CHANGE, actor=owner)
    assert is_signed_in(client)


# --- 4. timeouts --------------------------------------------------------------------------


def _age_session(client: Client, *, auth_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[SESSION_AUTH_AT] = now - auth_ago
    session[SESSION_SEEN_AT] = now - seen_ago
    session.save()


def test_item_04_thirty_minutes_idle_forces_sign_in(owner_client):
    _age_session(owner_client, auth_ago=31 * 60, seen_ago=31 * 60)
    response = owner_client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert AuditEvent.objects.filter(event_type=AuditEventType.SESSION_EXPIRED).exists()


def test_item_04_twelve_hours_in_all_forces_sign_in_even_when_active(owner_client):
    _age_session(owner_client, auth_ago=12 * 3600 + 1, seen_ago=10)
    assert owner_client.get("/").status_code == 302


def test_item_04_activity_keeps_the_session_but_polls_do_not(owner_client, owner):
    from portal.models import Job

    job = Job.objects.create(agency=owner.agency, kind="test", label="A job", created_by=owner)
    _age_session(owner_client, auth_ago=3600, seen_ago=20 * 60)
    seen_before = owner_client.session[SESSION_SEEN_AT]
    for _ in range(3):
        polled = owner_client.get(f"/jobs/{job.pk}/status.json", HTTP_X_PORTAL_POLL="1")
        assert polled.status_code == 200
        owner_client.get("/api/v1/me/", HTTP_X_PORTAL_POLL="1")
    assert owner_client.session[SESSION_SEEN_AT] == seen_before

    # Twelve more minutes of polling only: the session has now been idle for 32 minutes.
    _age_session(owner_client, auth_ago=3600, seen_ago=32 * 60)
    expired = owner_client.get(f"/jobs/{job.pk}/status.json", HTTP_X_PORTAL_POLL="1")
    assert expired.status_code == 401

    # A page a person opens does count as activity.
    login(owner_client, owner)
    _age_session(owner_client, auth_ago=3600, seen_ago=20 * 60)
    owner_client.get("/")
    assert time.time() - owner_client.session[SESSION_SEEN_AT] < 5


# --- 5. logout and disable ------------------------------------------------------------------


def test_item_05_after_logout_the_old_cookie_and_other_sessions_no_longer_work(owner):
    browser = login(Client(), owner)
    laptop = login(Client(), owner)
    stolen = Client()
    stolen.cookies = browser.cookies.__class__(browser.cookies)  # a copy of the cookie
    assert is_signed_in(stolen) and is_signed_in(laptop)
    browser.post("/logout/")
    assert not is_signed_in(stolen)
    assert not is_signed_in(laptop)


def test_item_05_disabling_an_account_ends_its_sessions_and_tokens(owner, agency_a):
    victim = login(Client(), owner)
    token = api_token_create(user=owner, hours=1)
    admin = login(Client(), UserFactory(agency=agency_a, role="admin"))
    admin.post(f"/users/{owner.pk}/", {"role": "detective"})  # is_active unticked
    assert not User.objects.get(pk=owner.pk).is_active
    assert not is_signed_in(victim)
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.PERMISSION_CHANGE, object_id=str(owner.pk)
    ).exists()


# --- 6. system-use notice -------------------------------------------------------------------


def test_item_06_the_system_use_notice_is_shown_and_must_be_acknowledged(client, owner, password):
    page = client.get("/login/").content.decode()
    assert "System-use notice" in page and "monitored and recorded" in page
    refused = client.post("/login/", {"username": "owner", "password": password})
    assert b"You must acknowledge the system-use notice" in refused.content
    assert client.get("/login/otp/").status_code == 302  # no password step passed


def test_item_02_tokens_from_the_account_page_are_shown_once_and_revocable(owner_client, owner):
    page = owner_client.get("/account/")
    assert page.status_code == 200 and b"Replace my authenticator" in page.content
    owner_client.post("/account/tokens/new/")
    shown = owner_client.get("/account/").content.decode()
    token = shown.split("shown only now): <code>")[1].split("</code>")[0]
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert token not in owner_client.get("/account/").content.decode()  # once only
    stored = AuthToken.objects.get(user=owner)
    owner_client.post(f"/account/tokens/{stored.digest}/revoke/")
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.DELETE, object_type="knox.authtoken", actor=owner
    ).exists()


def test_item_02_replacing_ones_authenticator_needs_the_password_and_ends_sessions(
    owner_client, owner, password
):
    other = login(Client(), owner)
    owner_client.post("/account/mfa/reset/", {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=owner).exists() and is_signed_in(other)
    owner_client.post("/account/mfa/reset/", {"password": password})
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not is_signed_in(other) and not is_signed_in(owner_client)
    assert AuditEvent.objects.filter(event_type=AuditEventType.MFA_CHANGE, actor=owner).exists()

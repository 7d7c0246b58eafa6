"""SECURITY.md items 14 (no stack traces) and 16 (deploy checks and headers); rate limits."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import login

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _production_env() -> dict[str, str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process: a server never has it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "a-test-only-secret-" + "k" * 40,
        "ALLOWED_HOSTS": "portal.example.org",
    }
    return env


def test_item_16_check_deploy_on_production_settings_gives_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION_SETTINGS = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "SECURE_PROXY_SSL_HEADER",
    "PORTAL_DEMO_TOTP",
    "DEBUG",
]


@pytest.fixture(scope="module")
def production_settings() -> dict[str, object]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {PRODUCTION_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    values: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def test_item_16_production_sends_hsts_and_secure_httponly_cookies(
    production_settings, settings, owner, password
):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert (
        production_settings["DEBUG"] is False and production_settings["PORTAL_DEMO_TOTP"] is False
    )
    for name in PRODUCTION_SETTINGS:
        if name not in ("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME"):
            value = production_settings[name]
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    client = Client()
    response = client.post(
        "/login/",
        {"username": "owner", "password": password, "acknowledge": "on"},
        secure=True,
    )
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert client.get("/login/").status_code == 301  # plain HTTP is sent to HTTPS


def test_item_16_every_page_carries_csp_nosniff_and_frame_ancestors(owner_client):
    for url in ("/login/", "/", "/api/v1/me/"):
        response = owner_client.get(url)
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "object-src 'none'" in policy
        script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"


def test_item_16_inline_scripts_run_only_with_the_response_nonce(owner, settings):
    settings.ROOT_URLCONF = "tests.security.boom_urls"
    client = login(Client(), owner)
    first, second = client.get("/nonce/"), client.get("/nonce/")
    nonce = first.content.decode().split('nonce="')[1].split('"')[0]
    assert len(nonce) >= 16 and f"'nonce-{nonce}'" in first["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" not in second["Content-Security-Policy"]  # fresh per response


def test_item_16_charts_need_no_inline_script():
    script = (ROOT / "static" / "js" / "portal.js").read_text()
    assert "data-plotly-figure" in script and "Plotly.newPlot" in script


def test_item_14_errors_never_show_a_stack_trace(owner, settings):
    settings.ROOT_URLCONF = "tests.security.boom_urls"
    settings.DEBUG = False
    client = login(Client(raise_request_exception=False), owner)
    for url in ("/boom/", "/api/v1/boom/"):
        response = client.get(url)
        assert response.status_code == 500
        body = response.content.decode()
        assert "Traceback" not in body and "internal-detail-that-must-not-leak" not in body
        assert "RuntimeError" not in body
    page = client.get("/boom/")
    assert page["X-Request-ID"] in page.content.decode()  # a reference to quote, nothing more
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and b"Not found" in missing.content


def _address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_rate_limit_on_sign_in(client, settings, owner):
    settings.PORTAL_RATE_LIMITS = {"login": (3, 60), "otp": (3, 60), "api_token": (2, 60)}
    address = _address()
    codes = [
        client.post(
            "/login/",
            {"username": f"nobody{i}", "password": "x", "acknowledge": "on"},
            REMOTE_ADDR=address,
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    # Another client address is not affected.
    assert client.get("/login/", REMOTE_ADDR=_address()).status_code == 200


def test_rate_limit_on_the_api_token_endpoint(client, settings):
    settings.PORTAL_RATE_LIMITS = {"login": (3, 60), "otp": (3, 60), "api_token": (2, 60)}
    address = _address()
    codes = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "nobody", "password": "x", "otp": "123456"},
            content_type="application/json",
            REMOTE_ADDR=address,
        ).status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 429]

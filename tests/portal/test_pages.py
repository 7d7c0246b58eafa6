"""The platform's pages and API: sign-in, dashboard, health, schema, served assets."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from portal.services import api_token_create
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_pages_require_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_dashboard_names_the_user_agency_and_role_navigation(owner_client, owner):
    page = owner_client.get("/").content.decode()
    assert "Agency A" in page
    assert "Detective" in page
    assert 'aria-label="Main"' in page
    # Detectives have no jobs page in their navigation; analysts do.
    assert ">Jobs<" not in page


def test_analyst_navigation_includes_jobs(client, agency_a):
    from tests.factories import UserFactory

    login(client, UserFactory(agency=agency_a, role="analyst"))
    assert ">Jobs<" in client.get("/").content.decode()


def test_healthz_reports_database_and_broker(client):
    data = client.get("/healthz").json()
    assert data["database"] == "ok"
    assert data["broker"] in ("ok", "in-process")
    assert data["status"] == "ok"


def test_api_refuses_anonymous_and_basic_auth(client, owner, password):
    assert client.get("/api/v1/me/").status_code in (401, 403)
    import base64

    basic = base64.b64encode(f"owner:{password}".encode()).decode()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in (401, 403)


def test_api_token_authenticates(client, owner):
    token = api_token_create(user=owner, days=1)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json()["agency"]["ori"] == "AA0000001"


def test_openapi_schema_and_docs_for_signed_in_users(owner_client):
    assert Client().get("/api/schema/").status_code in (401, 403)
    schema = owner_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/agencies/" in schema.content
    docs = owner_client.get("/api/docs/").content.decode()
    # Swagger UI comes from the portal itself, never from a CDN.
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_browser_assets_are_served_by_the_portal():
    for asset in ("css/portal.css", "js/portal.js", "vendor/plotly/plotly.min.js"):
        assert finders.find(asset), asset

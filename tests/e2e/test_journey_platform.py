"""A user signs in through the notice, reaches the dashboard and the API docs, and signs out."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in, visit
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_sign_in_dashboard_api_docs_and_sign_out(page, agency_a, password):
    UserFactory(username="analyst1", agency=agency_a, role="analyst")

    sign_in(page, "analyst1", password)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert "Agency A" in page.content()

    visit(page, "/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    assert "Crime gun intelligence portal API" in page.content()

    visit(page, "/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")
    assert "/login/" in page.url


def test_wrong_password_is_refused_on_the_page(page, agency_a):
    UserFactory(username="analyst2", agency=agency_a, role="analyst")
    sign_in(page, "analyst2", "not-the-password-1")
    assert "/login/" in page.url
    assert page.get_by_role("alert").is_visible()

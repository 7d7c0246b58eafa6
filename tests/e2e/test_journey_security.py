"""An administrator enrols an authenticator at first sign-in, reviews the audit trail,
manages a user of the agency and opens the account page, all under the portal's CSP."""

from __future__ import annotations

import pytest

from portal.models import User
from tests.e2e.conftest import sign_in, visit
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_enrol_review_audit_manage_a_user_and_account(page, agency_a, password):
    UserFactory(username="admin1", agency=agency_a, role="admin")
    colleague = UserFactory(username="colleague", agency=agency_a, role="detective")

    sign_in(page, "admin1", password)  # enrols from the secret shown on the page
    assert page.get_by_role("heading", name="Dashboard").is_visible()

    visit(page, "/audit/?event_type=mfa_change")
    assert page.get_by_role("heading", name="Audit trail").is_visible()
    assert page.locator("td", has_text="Second factor change").count() >= 1

    visit(page, f"/users/{colleague.pk}/")
    page.get_by_label("Role").select_option("analyst")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert User.objects.get(pk=colleague.pk).role == "analyst"

    visit(page, "/account/")
    page.get_by_role("button", name="New token").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("shown only now").is_visible()

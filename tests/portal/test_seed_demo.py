"""The synthetic city: agencies, sharing, users per role, ground truth; re-running keeps it."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from portal.models import Agency, SharingAgreement, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_seed_demo_builds_agencies_users_and_truth(var_dir, client):
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--seed", "3", stdout=out)

    assert Agency.objects.count() == 3
    assert SharingAgreement.objects.count() == 4
    assert set(User.objects.values_list("role", flat=True)) == {
        "detective",
        "analyst",
        "lab",
        "supervisor",
        "admin",
    }
    truth = json.loads((var_dir / "demo" / "ground_truth.json").read_text())
    assert truth["seed"] == 3 and truth["portal"]["agencies"]["city"] == "MD0990100"
    assert "detective" in out.getvalue() and DEMO_PASSWORD in out.getvalue()

    # A printed demo login reaches the dashboard.
    response = client.post(
        "/login/", {"username": "detective", "password": DEMO_PASSWORD, "acknowledge": "on"}
    )
    assert response.status_code == 302
    assert "demo_totp" in out.getvalue()
    # ... with the code the documented demo command prints.
    code_out = StringIO()
    call_command("demo_totp", "detective", stdout=code_out, stderr=StringIO())
    response = client.post("/login/otp/", {"code": code_out.getvalue().strip()})
    assert response.status_code == 302
    assert "Metro City Police Department" in client.get("/").content.decode()


def test_second_run_keeps_the_data(var_dir):
    call_command("seed_demo", stdout=StringIO())
    users = list(User.objects.order_by("pk").values_list("pk", "password"))
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert list(User.objects.order_by("pk").values_list("pk", "password")) == users

"""The demo cases: the detective's shooting series follows its gun to the planted shootings."""

from __future__ import annotations

import pytest

from portal.cases.models import Case
from portal.demo import seed_demo
from portal.incidents.models import Incident
from tests.cases.helpers import page_text
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_demo_cases_and_the_gun_chain(settings, tmp_path, client):
    settings.VAR_DIR = tmp_path
    ctx = seed_demo(scale="small", seed_value=7)
    truth = ctx.truth["cases"]
    assert [c["number"] for c in truth["cases"]] == [
        "CGIC-2026-001",
        "CGIC-2026-002",
        "RC-2026-014",
    ]
    assert Case.objects.filter(number__in=[c["number"] for c in truth["cases"]]).count() == 3
    chain = truth["firearm_chain"]
    numbers = dict(
        Incident.objects.filter(pk__in=chain["incidents"]).values_list("pk", "incident_number")
    )
    login(client, ctx.users["detective"])

    gun_page = page_text(client.get(f"/traces/firearms/{chain['firearm']}/"))
    assert f"Trace {chain['trace']}" in gun_page
    for pk in chain["incidents"]:
        assert f"Incident {numbers[pk]}" in gun_page

    series = Case.objects.get(number="CGIC-2026-001")
    dashboard = page_text(client.get(series.get_absolute_url()))
    also = dashboard[dashboard.index("This gun was also used in") : dashboard.index("Open leads")]
    for pk in chain["incidents"][1:]:
        assert f"Incident {numbers[pk]}" in also
    straw = page_text(client.get(Case.objects.get(number="CGIC-2026-002").get_absolute_url()))
    for number in truth["cases"][1]["traces"]:
        assert number in straw

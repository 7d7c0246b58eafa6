"""Source analytics and trafficking-index pages: what the owner sees, CSVs, weights, outsiders."""

from __future__ import annotations

import csv
import io

import pytest

from portal.models import AuditEvent
from tests.conftest import login
from tests.factories import UserFactory
from tracing.models import TraffickingWeights

from .helpers import row, run_import, write_etrace

pytestmark = pytest.mark.django_db


@pytest.fixture
def traces(agency_a, tmp_path):
    straw = {
        "purchaser_last": "ROE",
        "purchaser_first": "RAY",
        "purchaser_dob": "1991-02-03",
        "possessor_last": "POE",
        "purchase_date": "2024-01-02",
        "ffl_number": "1-57-041-01-9A-00077",
        "dealer_name": "CORRIDOR PAWN",
        "dealer_state": "SC",
        "recovery_lat": "39.3",
        "recovery_lon": "-76.6",
    }
    rows = [
        row("T-S1", serial_number="S1", **straw),
        row("T-S2", serial_number="S2", **straw),
        row("T-S3", serial_number="S3", **{**straw, "purchase_date": "2024-01-03"}),
        row("T-OLD", serial_number="OLD1", purchase_date="2010-05-05", recovery_date="2024-03-01"),
    ]
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))


def body(response) -> str:
    return response.content.decode()


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_analytics_page_shows_every_chart_with_national_figures(owner_client, traces):
    page = body(owner_client.get("/traces/analytics/"))
    for name in (
        "states",
        "corridors",
        "ttc",
        "dealers",
        "months",
        "types",
        "hotspots",
        "comparison",
    ):
        assert f'data-plotly-figure="data-{name}"' in page and f'id="data-{name}"' in page
    assert (
        "choroplethmap" in page
        and "white-bg" in page
        and "us-states" not in page.split("geojson")[0]
    )
    assert "4 traces." in page
    assert "75% of the guns with a known dealer were sold in another state" in page
    assert "National Firearms Commerce and Trafficking Assessment" in page
    assert "75% (3 of 4)" in page  # under 1 year: the three straw guns
    assert "<td>SC</td><td>3</td>" in page and "<td>SC</td><td>AA</td><td>3</td>" in page
    assert "vendor/plotly/plotly.min.js" in page


def test_period_and_area_filters(owner_client, traces):
    page = body(owner_client.get("/traces/analytics/?date_to=2024-05-01&state=aa"))
    assert "1 trace." in page and "state AA" in page
    assert AuditEvent.objects.filter(event_type="search", object_type="tracing.analytics").exists()
    page = body(owner_client.get("/traces/analytics/?state=ZZ"))
    assert "0 traces." in page


@pytest.mark.parametrize(
    ("name", "header", "first"),
    [
        ("source-states", ["dealer_state", "traces"], ["SC", "3"]),
        ("corridors", ["source_state", "recovery_state", "traces"], ["SC", "AA", "3"]),
        ("time-to-crime", ["band", "traces"], ["< 3 months", "0"]),
        ("traces-per-month", ["month", "traces"], ["2024-03", "1"]),
        ("types-calibers", ["kind", "value", "traces"], ["firearm type", "PISTOL", "4"]),
        ("top-dealers", None, None),
        ("recovery-hot-spots", ["trace_number", "latitude", "longitude"], None),
        ("ttc-national", None, None),
    ],
)
def test_each_chart_downloads_its_data_as_csv(owner_client, traces, name, header, first):
    response = owner_client.get(f"/traces/analytics/{name}.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    lines = list(csv.reader(io.StringIO(text)))
    if header:
        assert lines[0] == header
    if first:
        assert lines[1] == first
    assert (
        AuditEvent.objects.filter(
            event_type="export", object_type=f"tracing.analytics.{name}"
        ).count()
        == 1
    )
    assert owner_client.get("/traces/analytics/nothing.csv").status_code == 404


def test_national_comparison_csv_names_the_source(owner_client, traces):
    (under_1, under_3) = csv_rows(owner_client.get("/traces/analytics/ttc-national.csv"))
    assert under_1["share"] == "0.75" and under_1["national_share"] == "0.25"
    assert under_3["national_share"] == "0.46" and "ATF" in under_3["national_source"]


def test_top_200_dealers(owner_client, traces):
    page = body(owner_client.get("/traces/analytics/dealers/"))
    assert (
        "Top 200 source dealers" in page
        and "CORRIDOR PAWN" in page
        and "1-57-041-01-9A-00077" in page
    )
    rows = csv_rows(owner_client.get("/traces/analytics/top-dealers.csv"))
    assert rows[0]["dealer"] == "CORRIDOR PAWN" and rows[0]["traces"] == "3"
    assert rows[0]["out_of_state"] == "3"


def test_trafficking_ranking_explains_each_score(owner_client, traces):
    page = body(owner_client.get("/traces/analytics/trafficking/"))
    assert "ROE, RAY" in page
    assert "3 guns recovered within a year of sale (+9.0)" in page
    assert "3 with other possessors (+6.0)" in page
    assert "3 guns bought in multiple sales (+9.0)" in page
    assert "bought 3 traced guns (+2.0)" in page
    page = body(owner_client.get("/traces/analytics/trafficking/?kind=dealers"))
    assert "CORRIDOR PAWN" in page and "recovered in another state" in page
    page = body(owner_client.get("/traces/analytics/trafficking/?kind=firearms"))
    assert "GLOCK 19 9MM S1" in page
    rows = csv_rows(owner_client.get("/traces/analytics/trafficking.csv?kind=purchasers"))
    assert rows[0]["purchaser"].startswith("ROE, RAY") and rows[0]["traces"] == "T-S1 T-S2 T-S3"
    assert "with other possessors" in rows[0]["contributions"]
    assert AuditEvent.objects.filter(
        event_type="export", object_type="tracing.trafficking.purchasers"
    ).exists()


def test_purchaser_ranking_export_needs_the_person_data_role(client, agency_a, traces):
    lab = login(client, UserFactory(agency=agency_a, role="lab"))
    assert lab.get("/traces/analytics/trafficking.csv?kind=purchasers").status_code == 403
    assert lab.get("/traces/analytics/trafficking.csv?kind=dealers").status_code == 200


def test_supervisor_sets_the_weights_and_the_ranking_follows(client, agency_a, traces):
    supervisor = login(client, UserFactory(agency=agency_a, role="supervisor"))
    form = {
        key: "0"
        for key in (
            "ttc_under_1_year",
            "ttc_1_to_3_years",
            "purchaser_not_possessor",
            "multiple_sale",
            "repeat_purchase",
            "obliterated_serial",
            "out_of_state_source",
            "dealer_short_ttc_share",
            "several_incidents",
        )
    }
    form["multiple_sale"] = "5"
    response = supervisor.post("/traces/analytics/weights/", form, follow=True)
    assert "The trafficking-index weights are saved." in body(response)
    assert TraffickingWeights.objects.get(agency=agency_a).weights["multiple_sale"] == 5
    assert AuditEvent.objects.filter(
        event_type="update", object_type__contains="traffickingweights"
    ).exists()
    page = body(supervisor.get("/traces/analytics/trafficking/"))
    assert "3 guns bought in multiple sales (+15.0)" in page
    assert "with other possessors" not in page


def test_an_analyst_sees_but_cannot_change_the_weights(owner_client, agency_a):
    page = body(owner_client.get("/traces/analytics/weights/"))
    assert "Only supervisors and administrators change them." in page
    assert (
        owner_client.post("/traces/analytics/weights/", {"multiple_sale": "9"}).status_code == 403
    )
    assert not TraffickingWeights.objects.exists()


def test_another_agency_sees_nothing(outsider_client, traces):
    page = body(outsider_client.get("/traces/analytics/"))
    assert "0 traces." in page and "CORRIDOR PAWN" not in page
    page = body(outsider_client.get("/traces/analytics/trafficking/"))
    assert "ROE" not in page and "Nothing to rank" in page
    assert "CORRIDOR" not in body(outsider_client.get("/traces/analytics/dealers/"))
    for name in ("source-states", "corridors", "top-dealers", "recovery-hot-spots"):
        assert csv_rows(outsider_client.get(f"/traces/analytics/{name}.csv")) == []
    assert csv_rows(outsider_client.get("/traces/analytics/trafficking.csv?kind=purchasers")) == []


def test_pages_need_sign_in(client):
    for path in (
        "/traces/analytics/",
        "/traces/analytics/trafficking/",
        "/traces/analytics/source-states.csv",
    ):
        assert client.get(path).status_code == 302

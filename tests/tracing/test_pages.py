"""Trace pages and API: what the owner sees, filters, CSV export, and nothing for outsiders."""

from __future__ import annotations

import csv
import io

import pytest

from portal.models import AuditEvent
from tracing.models import Dealer, Firearm, PersonMention, Trace

from .helpers import row, run_import, write_etrace

pytestmark = pytest.mark.django_db


@pytest.fixture
def traces(agency_a, tmp_path):
    run_import(
        agency_a,
        write_etrace(
            tmp_path / "t.csv",
            [
                row(
                    "T-SHORT",
                    purchase_date="2024-01-01",
                    possessor_last="ROE",
                    agency_case_number='=HYPERLINK("http://x")',
                ),
                row("T-LONG", serial_number="XY-9", purchase_date="2010-01-01", model="@SUM(1)"),
            ],
        ),
    )
    return {t.trace_number: t for t in Trace.objects.all()}


def test_trace_list_filters_by_indicator_and_serial(owner_client, traces):
    page = owner_client.get("/traces/").content.decode()
    assert "T-SHORT" in page and "T-LONG" in page and "TTC &lt; 1 year" in page
    assert "bought two or more handguns within five business days" in page
    page = owner_client.get("/traces/?indicator=ttc_under_1_year").content.decode()
    assert "T-SHORT" in page and "T-LONG" not in page
    page = owner_client.get("/traces/?q=xy9").content.decode()
    assert "T-LONG" in page and "T-SHORT" not in page
    page = owner_client.get("/traces/?ffl_number=154123019A12345").content.decode()
    assert "2 traces" in page
    assert AuditEvent.objects.filter(event_type="search").count() == 3


def test_csv_export_neutralises_formulas(owner_client, traces):
    response = owner_client.get("/traces/export.csv?indicator=purchaser_not_possessor")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["trace_number"] for r in rows] == ["T-SHORT"]
    assert rows[0]["agency_case_number"] == '\'=HYPERLINK("http://x")'
    everything = b"".join(owner_client.get("/traces/export.csv").streaming_content).decode()
    assert "'@SUM(1)" in everything
    assert AuditEvent.objects.filter(event_type="export").count() == 2


def test_trace_firearm_dealer_and_purchaser_pages(owner_client, traces):
    trace = traces["T-SHORT"]
    page = owner_client.get(trace.get_absolute_url()).content.decode()
    assert "Time-to-crime under 1 year" in page and "Purchaser is not the possessor" in page
    assert "The person found with the gun is not the person who bought it" in page
    assert "Row 2 of the file t.csv" in page
    page = owner_client.get(trace.firearm.get_absolute_url()).content.decode()
    assert "ABC123" in page and "T-SHORT" in page
    dealer = Dealer.objects.get()
    page = owner_client.get(dealer.get_absolute_url()).content.decode()
    assert "1 of this dealer&#x27;s 2 traced guns" in page and "plotly.min.js" in page
    assert "chart-ttc" in page and "3-12 months" in page
    purchaser = PersonMention.objects.get(trace=trace, role="purchaser")
    page = owner_client.get(purchaser.get_absolute_url()).content.decode()
    assert "DOE, JOHN" in page and "T-SHORT" in page and "T-LONG" in page
    assert AuditEvent.objects.filter(event_type="view").count() == 4


def test_outsiders_get_nothing(outsider_client, traces):
    trace = traces["T-SHORT"]
    purchaser = PersonMention.objects.get(trace=trace, role="purchaser")
    for url in (
        trace.get_absolute_url(),
        trace.firearm.get_absolute_url(),
        Dealer.objects.get().get_absolute_url(),
        purchaser.get_absolute_url(),
        f"/api/v1/traces/{trace.pk}/",
        f"/api/v1/firearms/{trace.firearm.pk}/",
        f"/api/v1/dealers/{Dealer.objects.get().pk}/",
        f"/api/v1/purchasers/{purchaser.pk}/",
    ):
        assert outsider_client.get(url).status_code == 404, url
    assert "No traces match" in outsider_client.get("/traces/").content.decode()
    export = b"".join(outsider_client.get("/traces/export.csv").streaming_content).decode()
    assert export.count("\n") == 1
    for url in ("/api/v1/traces/", "/api/v1/firearms/", "/api/v1/dealers/", "/api/v1/purchasers/"):
        assert outsider_client.get(url).json()["count"] == 0, url


def test_api_uses_the_same_filters(owner_client, traces):
    data = owner_client.get("/api/v1/traces/?indicator=ttc_under_1_year").json()
    assert [t["trace_number"] for t in data["results"]] == ["T-SHORT"]
    assert data["results"][0]["purchase"]["dealer"]["ffl_number"] == "1-54-123-01-9A-12345"
    firearms = owner_client.get("/api/v1/firearms/?serial=xy 9").json()
    assert [f["serial_normalised"] for f in firearms["results"]] == ["XY9"]
    assert Firearm.objects.count() == 2
    purchasers = owner_client.get("/api/v1/purchasers/?last_name_key=DOE").json()
    assert purchasers["count"] == 2
    assert (
        owner_client.get(f"/api/v1/traces/{traces['T-LONG'].pk}/").json()["firearm"]["model"]
        == "@SUM(1)"
    )
    assert owner_client.get("/api/schema/").status_code == 200


def test_list_queries_do_not_grow_with_the_rows(
    owner_client, traces, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert owner_client.get("/traces/").status_code == 200
    with django_assert_max_num_queries(8):
        assert owner_client.get("/api/v1/traces/").status_code == 200


def test_trace_page_shows_the_history_of_changes(owner_client, agency_a):
    from tests.tracing.factories import PurchaseFactory, TraceChangeFactory

    purchase = PurchaseFactory(agency=agency_a)
    TraceChangeFactory(agency=agency_a, trace=purchase.trace, changes={"model": ["19", "26"]})
    page = owner_client.get(purchase.trace.get_absolute_url()).content.decode()
    assert "History of changes" in page and "<td>19</td><td>26</td>" in page
    assert "SAMPLE GUNS" in page and "SAMPLE, PAT" in page


def _dealer_row(page: str) -> str:
    """The 'Top source dealers' row of the list page."""
    section = page.split('id="dealers-title"', 1)[1]
    return section.split("ACME GUNS", 1)[1].split("</tr>", 1)[0]


def test_top_dealers_beside_the_list_follow_a_new_import(owner_client, traces, tmp_path, agency_a):
    # The ranking is cached; an import makes it stale, so the next page counts the new trace.
    assert "<td>2</td>" in _dealer_row(owner_client.get("/traces/").content.decode())
    run_import(agency_a, write_etrace(tmp_path / "more.csv", [row("T-THIRD")]))
    assert "<td>3</td>" in _dealer_row(owner_client.get("/traces/").content.decode())


def test_the_list_counts_up_to_a_cap(traces):
    from portal.pagination import CappedPaginator

    everything = Trace.objects.order_by("pk")
    assert CappedPaginator(everything, 50).count == 2
    assert not CappedPaginator(everything, 50).capped
    capped = CappedPaginator(everything, 50, cap=1)
    assert capped.capped and capped.count == 2 and capped.num_pages == 1


def test_filtered_list_queries_do_not_grow_with_the_rows(owner_client, agency_a):
    from tests.query_counts import assert_flat_query_count
    from tests.tracing.factories import PurchaseFactory

    def grow(n):
        for _ in range(n):
            PurchaseFactory(agency=agency_a)

    for url, pinned in (
        ("/traces/", 9),
        (
            "/traces/?q=T-1&status=completed&indicator=multiple_sale&indicator=obliterated_serial",
            10,
        ),
        ("/traces/?caliber=9mm&max_ttc_days=400&recovered_after=2020-01-01", 9),
    ):
        assert_flat_query_count(owner_client, url, grow, max_queries=pinned)

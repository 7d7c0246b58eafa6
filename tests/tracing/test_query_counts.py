"""Trace pages, analytics and API lists: pinned query counts that do not grow with the rows."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from tests.query_counts import assert_flat_query_count
from tests.tracing.factories import (
    DealerFactory,
    PersonMentionFactory,
    PurchaseFactory,
    TraceChangeFactory,
    TraceFactory,
)

pytestmark = pytest.mark.django_db
serial = itertools.count(1)


def _purchases(agency, **purchase):
    """Traced, purchased guns with a possessor, a change and every indicator the pages read.

    Each row has its own dealer, states and place, so the rankings and charts grow too.
    """

    def grow(n):
        for _ in range(n):
            i = next(serial)
            row = PurchaseFactory(
                agency=agency,
                trace__time_to_crime_days=100 + i,
                trace__recovery_state="AA",
                trace__recovery_lat=39.0 + i / 1000,
                trace__recovery_lon=-76.0 - i / 1000,
                trace__multiple_sale=bool(i % 2),
                trace__purchaser_not_possessor=True,
                trace__out_of_state_source=True,
                **({"dealer": DealerFactory(premise_state=f"S{i % 10}")} | purchase),
            )
            PersonMentionFactory(agency=agency, trace=row.trace, role="possessor")
            TraceChangeFactory(agency=agency, trace=row.trace)

    return grow


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        ("/traces/analytics/", 16),
        ("/traces/analytics/?recovered_after=2020-01-01", 17),
        ("/traces/analytics/dealers/", 7),
        ("/traces/analytics/trafficking/", 8),
        ("/traces/analytics/trafficking/?kind=dealers", 8),
        ("/traces/analytics/trafficking/?kind=firearms", 8),
        ("/traces/analytics/weights/", 5),
        ("/api/v1/traces/", 5),
        ("/api/v1/firearms/", 5),
        ("/api/v1/dealers/", 5),
        ("/api/v1/purchasers/", 5),
    ],
)
def test_analytics_and_api_lists(owner_client, agency_a, url, max_queries):
    assert_flat_query_count(owner_client, url, _purchases(agency_a), max_queries=max_queries)


def test_trace_detail(owner_client, agency_a):
    trace = PurchaseFactory(agency=agency_a).trace

    def grow(n):
        for _ in range(n):
            TraceChangeFactory(agency=agency_a, trace=trace)

    assert_flat_query_count(owner_client, trace.get_absolute_url(), grow, max_queries=12)


def test_dealer_detail(owner_client, agency_a):
    dealer = DealerFactory()
    grow = _purchases(agency_a, dealer=dealer)
    grow(1)
    assert_flat_query_count(owner_client, dealer.get_absolute_url(), grow, max_queries=14)


def test_purchaser_detail(owner_client, agency_a):
    mention = PurchaseFactory(agency=agency_a, purchaser__dob="1990-01-02").purchaser

    def grow(n):
        for _ in range(n):
            # The same person on another trace, and a namesake born the same day.
            PurchaseFactory(
                agency=agency_a,
                purchaser__person_key=mention.person_key,
                purchaser__dob=mention.dob,
            )
            PurchaseFactory(
                agency=agency_a,
                purchaser__first_name_key=f"OTHER{next(serial)}",
                purchaser__person_key=f"SAMPLE|OTHER{next(serial)}|",
                purchaser__dob=mention.dob,
            )
            TraceFactory(agency=agency_a, firearm=mention.trace.firearm)

    assert_flat_query_count(owner_client, mention.get_absolute_url(), grow, max_queries=12)


@pytest.mark.parametrize(
    ("route", "max_queries"),
    [("trace-detail", 5), ("firearm-detail", 5), ("dealer-detail", 5), ("purchaser-detail", 5)],
)
def test_api_details(owner_client, agency_a, route, max_queries):
    dealer = DealerFactory()
    purchase = PurchaseFactory(agency=agency_a, dealer=dealer)
    records = {
        "trace-detail": purchase.trace,
        "firearm-detail": purchase.trace.firearm,
        "dealer-detail": dealer,
        "purchaser-detail": purchase.purchaser,
    }

    def grow(n):
        _purchases(agency_a, dealer=dealer)(n)
        for _ in range(n):
            TraceChangeFactory(agency=agency_a, trace=purchase.trace)
            TraceFactory(agency=agency_a, firearm=purchase.trace.firearm)

    url = reverse(route, args=[records[route].pk])
    assert_flat_query_count(owner_client, url, grow, max_queries=max_queries)

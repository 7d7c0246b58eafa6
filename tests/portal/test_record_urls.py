"""record_url: the same text as reverse() for every record page, without the resolver."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from portal.record_urls import record_url

RECORD_PAGES = [
    "cases:case_detail",
    "incidents:incident_detail",
    "incidents:alert_detail",
    "tracing:dealer_detail",
    "tracing:firearm_detail",
    "tracing:trace_detail",
    "tracing:purchaser_detail",
    "entity_detail",
    "leads:lead_detail",
    "ballistics:evidence_detail",
    "ballistics:scan_detail",
    "ballistics:candidate_detail",
    "agency_detail",
    "job_detail",
]


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_record_url_is_what_reverse_gives(name):
    for pk in (1, 42, 9081726354, 123456789012):
        assert record_url(name, pk) == reverse(name, args=[pk])


def test_record_url_follows_the_script_prefix_and_refuses_what_reverse_refuses():
    try:
        set_script_prefix("/portal/")
        assert record_url("tracing:trace_detail", 7) == "/portal/traces/7/"
    finally:
        set_script_prefix("/")
    assert record_url("tracing:trace_detail", 7) == "/traces/7/"
    with pytest.raises(NoReverseMatch):
        record_url("tracing:no_such_page", 7)
    with pytest.raises(NoReverseMatch):
        record_url("tracing:trace_detail", -1)  # the int converter takes no sign
    with pytest.raises(NoReverseMatch):
        record_url("tracing:trafficking_weights", 7)  # a page of no record

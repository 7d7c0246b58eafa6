"""Every list page, API list and record page has a pinned, flat query count (issue 11, item 4).

A route needs a pin when it takes no URL argument (the lists, dashboards, analytics and
API lists: DRF's router lists are argument-less routes too) or when it shows one record
(a page whose route ends in `<int:pk>/`, or an API detail: `(?P<pk>[^/.]+)/$`).
PINNED_BY names, per test module and test, the routes that test pins with
tests/query_counts.py's assert_flat_query_count; EXCLUDED says why a route has none. A new
route in neither table fails this test: pin it, or say here why it needs no pin.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

# module -> test -> the routes it pins
PINNED_BY: dict[str, dict[str, list[str]]] = {
    "tests.portal.test_query_counts": {
        "test_dashboard": ["dashboard"],
        "test_own_pages": [
            "account_security",
            "agency_detail",
            "user_detail",
            "job_detail",
            "job_status",
            "api_me",
        ],
        "test_audit_list": ["audit_list"],
        "test_user_list": ["user_list"],
        "test_job_list": ["job_list"],
        "test_import_index": ["import_index"],
        "test_api_lists": ["agency-list", "job-list"],
        "test_api_details": ["agency-detail", "job-detail"],
    },
    "tests.incidents.test_query_counts": {
        "test_lists_and_maps": [
            "incidents:incident_list",
            "incidents:alert_list",
            "incidents:alert_map",
            "incidents:alert_live",
            "incidents:alert_live_json",
            "incident-list",
            "shotspotter-alert-list",
            "alert-link-list",
        ],
        "test_incident_detail": ["incidents:incident_detail"],
        "test_alert_detail": ["incidents:alert_detail"],
        "test_api_details": ["incident-detail", "shotspotter-alert-detail", "alert-link-detail"],
    },
    "tests.cases.test_query_counts": {
        "test_case_list_query_count_is_flat": ["cases:case_list"],
        "test_case_dashboard_query_count_is_flat": ["cases:case_detail"],
        "test_search_query_count_is_flat": ["cases:search"],
        "test_firearm_timeline_query_count_is_flat": ["tracing:firearm_detail"],
    },
    "tests.tracing.test_pages": {
        "test_filtered_list_queries_do_not_grow_with_the_rows": ["tracing:trace_list"],
    },
    "tests.tracing.test_query_counts": {
        "test_trace_detail": ["tracing:trace_detail"],
        "test_dealer_detail": ["tracing:dealer_detail"],
        "test_purchaser_detail": ["tracing:purchaser_detail"],
        "test_analytics_and_api_lists": [
            "tracing:analytics",
            "tracing:analytics_dealers",
            "tracing:trafficking",
            "tracing:trafficking_weights",
            "trace-list",
            "firearm-list",
            "dealer-list",
            "purchaser-list",
        ],
        "test_api_details": ["trace-detail", "firearm-detail", "dealer-detail", "purchaser-detail"],
    },
    "tests.leads.test_pages": {
        "test_queue_and_lead_page_query_counts_are_flat": ["leads:lead_queue", "leads:lead_detail"],
    },
    "tests.leads.test_query_counts": {
        "test_pages_and_api_lists": [
            "leads:time_to_lead",
            "leads:rule_settings",
            "leads:notifications",
            "leads:notification_count",
            "entity_list",
            "entity-list",
        ],
        "test_entity_network": ["entity_network"],
        "test_api_details": ["lead-detail", "entity-detail", "entity-network"],
    },
    "tests.leads.test_api": {
        "test_list_query_count_is_flat": ["lead-list"],
    },
    "tests.leads.test_entity_pages": {
        "test_entity_page_and_review_queue_query_counts_are_flat": [
            "entity_detail",
            "entity_review",
        ],
    },
    "tests.ballistics.test_views": {
        "test_evidence_list_query_count_is_flat": ["ballistics:evidence_list"],
        "test_scan_candidates_query_count_is_flat": ["ballistics:scan_detail"],
    },
    "tests.ballistics.test_query_counts": {
        "test_evidence_detail": ["ballistics:evidence_detail"],
        "test_candidate_detail": ["ballistics:candidate_detail"],
        "test_scan_api_list": ["scan-list"],
        "test_api_details": ["evidence-detail", "scan-detail", "candidate-detail"],
    },
    "tests.ballistics.test_api": {
        "test_evidence_api_query_count_is_flat": ["evidence-list"],
        "test_candidate_api_query_count_is_flat": ["candidate-list"],
    },
}
PINNED = {
    name: f"{module}::{test}"
    for module, tests in PINNED_BY.items()
    for test, names in tests.items()
    for name in names
}

EXCLUDED = {
    # Signing in and out: no rows to list.
    "login": "sign-in form",
    "login_otp": "second-factor form",
    "logout": "POST only",
    "account_password": "password form",
    "account_token_create": "POST only",
    "account_mfa_reset": "POST only",
    "api_token_login": "POST only",
    "api_token_revoke": "POST only",
    "healthz": "load balancer probe, no rows",
    # Forms that create a record, and POST-only actions.
    "user_new": "form",
    "cases:case_new": "form",
    "cases:case_add_item": "POST only",
    "ballistics:evidence_new": "form",
    "leads:lead_assign_bulk": "POST only",
    "leads:notifications_read": "POST only",
    # Exports stream their rows (one query per chunk, by design) and are audited.
    "audit_export": "streaming export",
    "tracing:trace_export": "streaming export",
    "tracing:trafficking_csv": "export",
    # An image, not a page of rows (the evidence page lists the photographs).
    "ballistics:photograph_display": "image",
    # The API's index and its schema: generated, no rows.
    "api-root": "DRF router index, no rows",
    "api_schema": "OpenAPI schema, no rows",
    "api_docs": "Swagger page, no rows",
}


def _routes(
    patterns: list[object], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, int, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), pattern.pattern.regex.groups, name


RECORD_ROUTE_ENDINGS = ("<int:pk>/", "(?P<pk>[^/.]+)/$")


def _needing_a_pin() -> set[str]:
    """Argument-less routes (pages, JSON and API lists) and records' pages and API details,
    outside admin/."""
    return {
        name
        for route, arguments, name in _routes(get_resolver().url_patterns)
        if not route.startswith("admin/")
        and (arguments == 0 or route.endswith(RECORD_ROUTE_ENDINGS))
    }


def test_every_list_and_record_page_has_a_pinned_query_count() -> None:
    unpinned = _needing_a_pin() - PINNED.keys() - EXCLUDED.keys()
    assert not unpinned, (
        f"Routes without a pinned query count: {sorted(unpinned)}. Pin each with "
        "tests/query_counts.py's assert_flat_query_count and name the test in PINNED_BY "
        "(tests/test_query_pins.py), or say in EXCLUDED why it needs none."
    )


def test_the_tables_name_real_routes_and_tests() -> None:
    names = {name for _, _, name in _routes(get_resolver().url_patterns)}
    assert not PINNED.keys() & EXCLUDED.keys()
    assert not (PINNED.keys() | EXCLUDED.keys()) - names, "stale names in the tables"
    for module_name, tests in PINNED_BY.items():
        module = importlib.import_module(module_name)
        for test in tests:
            assert callable(getattr(module, test, None)), f"{module_name}.{test} does not exist"

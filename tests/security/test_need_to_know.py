"""SECURITY.md item 7: a user of agency B gets 404 or nothing for agency A's unshared records."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.choices import Role
from tests.conftest import login
from tests.factories import AgencyFactory, UserFactory
from tests.security.need_to_know import advance_sequences, build_records, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def walk_setup(agency_b):
    outsider = UserFactory(username="outsider-walker", agency=agency_b, role=Role.ADMIN)
    client = login(Client(), outsider)
    advance_sequences()
    agency_a = AgencyFactory(name="Agency A (walk)", ori="AW0000001", state="AW")
    owner = UserFactory(username="owner-walker", agency=agency_a, role=Role.ADMIN)
    records = build_records(agency_a, agency_b)
    return outsider, client, records, owner


def test_item_07_every_route_gives_another_agency_nothing(walk_setup):
    outsider, client, records, owner = walk_setup
    leaks: list[str] = []
    visited: set[str] = set()
    for index, role in enumerate(Role.values):
        outsider.role = role
        outsider.save(update_fields=["role"])
        leaks += [
            f"[{role}] {leak}"
            for leak in walk(client, records, include_admin=index == 0, visited=visited)
        ]
    assert not leaks, "\n".join(leaks)

    # The walk is not vacuous: every record page of agency A was requested, and
    # agency A's own user does see it (so the outsider's 404 is the scoping at work).
    owner_client = login(Client(), owner)
    assert records.urls and records.urls <= visited, records.urls - visited
    for url in records.urls:
        assert owner_client.get(url).status_code == 200, url
    api_details = {url for url in visited if url.startswith("/api/v1/") and url[-2].isdigit()}
    assert any(owner_client.get(url).status_code == 200 for url in api_details)


def test_item_07_a_new_route_without_scoping_fails_the_walk(walk_setup, settings):
    _, client, records, _ = walk_setup
    settings.ROOT_URLCONF = "tests.security.leaky_urls"
    leaks = walk(client, records, include_admin=False)
    assert any(leak.startswith("leaky/") or "/leaky/" in leak for leak in leaks), leaks
    assert any("answered 200" in leak for leak in leaks)
    assert any("lists ids" in leak for leak in leaks)

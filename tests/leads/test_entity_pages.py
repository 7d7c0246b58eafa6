"""Entity pages: entity page, network (chart, table, CSV), search, review queue, scoping."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from leads import services
from leads.models import (
    Edge,
    EdgeKind,
    Entity,
    EntityKind,
    EntityMention,
    Judgement,
    MatchCandidate,
)
from leads.sources import agency_sources_sync
from portal.models import AuditEvent
from tests.conftest import login
from tests.factories import UserFactory
from tests.leads.factories import EntityFactory, EntityMentionFactory
from tests.query_counts import assert_flat_query_count
from tests.tracing.helpers import row, run_import, write_etrace
from tracing.models import Firearm

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph(agency_a: Any, tmp_path: Any) -> dict[str, Entity]:
    """Two traces of agency A imported, their mentions and edges synced."""
    path = write_etrace(
        tmp_path / "traces.csv",
        [
            row("T1", possessor_last="ROE", possessor_first="RICHARD", possessor_dob=""),
            row("T2", serial_number="XYZ987", recovery_address="5 OAK AVE"),
        ],
    )
    assert run_import(agency_a, path).status == "succeeded"
    agency_sources_sync(agency_id=agency_a.pk)
    gun = Firearm.objects.get(serial_normalised="ABC123")
    mention = EntityMention.objects.get(content_type__model="firearm", object_id=gun.pk)
    return {
        "gun": mention.entity,
        "dealer": Entity.objects.get(kind=EntityKind.DEALER),
        "roe": EntityMention.objects.get(role="possessor", fields__last_name="ROE").entity,
    }


def test_entity_page_lists_mentions_with_their_records_and_links(
    owner_client: Client, graph: dict[str, Entity]
) -> None:
    gun = graph["gun"]
    response = owner_client.get(reverse("entity_detail", args=[gun.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "ABC123" in page
    assert reverse("tracing:firearm_detail", args=[gun.mentions.get().object_id]) in page
    assert "Sold by" in page and "Purchased" in page and "Possessed" in page
    assert AuditEvent.objects.filter(event_type="view", object_type="leads.entity").exists()


def test_network_page_draws_the_ego_network_with_a_table_and_exports_csv(
    owner_client: Client, graph: dict[str, Entity]
) -> None:
    gun = graph["gun"]
    url = reverse("entity_network", args=[gun.pk])
    response = owner_client.get(url, {"hops": 1})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-plotly-figure="data-network"' in page and 'id="data-network"' in page
    assert "Centre here" in page and graph["dealer"].label in page
    # One hop from the gun reaches its dealer but not the dealer's other gun: hidden.
    assert "hidden neighbour" in page
    filtered = owner_client.get(url, {"hops": 2, "kinds": [EdgeKind.SOLD_BY]})
    assert "Possessed" not in filtered.content.decode().split("<h2>Links</h2>")[1]

    export = owner_client.get(reverse("entity_network_csv", args=[gun.pk]), {"hops": 2})
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {r["row"] for r in rows} == {"node", "link"}
    nodes = {int(r["entity_id"]) for r in rows if r["row"] == "node"}
    assert {gun.pk, graph["dealer"].pk} <= nodes
    assert AuditEvent.objects.filter(event_type="export", object_type="leads.network").exists()


def test_network_export_needs_the_export_permission(
    agency_a: Any, graph: dict[str, Entity]
) -> None:
    lab = login(Client(), UserFactory(username="lab", agency=agency_a, role="lab"))
    response = lab.get(reverse("entity_network_csv", args=[graph["gun"].pk]))
    assert response.status_code == 403


def test_outsiders_get_404_on_every_entity_page_and_find_nothing(
    outsider_client: Client, graph: dict[str, Entity]
) -> None:
    for entity in graph.values():
        for name in ("entity_detail", "entity_network", "entity_network_csv"):
            assert outsider_client.get(reverse(name, args=[entity.pk])).status_code == 404
    listing = outsider_client.get(reverse("entity_list"), {"q": "ABC123"})
    assert listing.status_code == 200
    assert graph["gun"].label not in listing.content.decode()
    assert "No entity matches" in listing.content.decode()


def test_search_finds_entities_by_label_or_record_number(
    owner_client: Client, graph: dict[str, Entity]
) -> None:
    found = owner_client.get(reverse("entity_list"), {"q": "T2"}).content.decode()
    place = Entity.objects.get(kind=EntityKind.PLACE)
    assert reverse("entity_detail", args=[place.pk]) in found
    by_serial = owner_client.get(reverse("entity_list"), {"q": "abc123"}).content.decode()
    assert reverse("entity_detail", args=[graph["gun"].pk]) in by_serial


PERSON = {"first_name": "John", "last_name": "Smith", "date_of_birth": "1990-03-04"}


def review_pair(agency: Any, number: int = 0) -> MatchCandidate:
    left: Any = EntityMentionFactory(agency=agency, fields=PERSON, reference=f"T{number}")
    right: Any = EntityMentionFactory(
        agency=agency,
        fields={**PERSON, "first_name": "Jon", "date_of_birth": ""},
        role="suspect",
        source="incident",
        reference=f"24-{number}",
    )
    return MatchCandidate.objects.create(
        left=left,
        right=right,
        probability=0.8,
        weight=2.0,
        reasons=[{"field": "last_name", "level": "identical", "weight": 6.1}],
        decision=MatchCandidate.Decision.REVIEW,
    )


def test_review_queue_same_then_undo_through_the_pages(
    analyst_client: Client, agency_a: Any
) -> None:
    pair = review_pair(agency_a)
    page = analyst_client.get(reverse("entity_review"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Jon" in content and "John" in content and "last_name: identical" in content

    response = analyst_client.post(
        reverse("entity_review_decide", args=[pair.pk]), {"decision": "same"}
    )
    assert response.status_code == 302
    left, right = (
        EntityMention.objects.get(pk=pair.left_id),
        EntityMention.objects.get(pk=pair.right_id),
    )
    assert left.entity_id == right.entity_id
    judgement = Judgement.objects.get()
    assert AuditEvent.objects.filter(event_type="create", object_type="leads.judgement").exists()
    # The pair has left the queue and shows under recent decisions with an undo button.
    queue = analyst_client.get(reverse("entity_review")).content.decode()
    assert "No pair is waiting for review" in queue and "Undo" in queue

    analyst_client.post(reverse("entity_judgement_undo", args=[judgement.pk]))
    left.refresh_from_db()
    right.refresh_from_db()
    assert left.entity_id != right.entity_id
    assert not Judgement.objects.exists()
    assert AuditEvent.objects.filter(event_type="delete", object_type="leads.judgement").exists()
    assert "Probability 0.800" in analyst_client.get(reverse("entity_review")).content.decode()


def test_not_the_same_is_kept_by_a_full_rerun(analyst_client: Client, agency_a: Any) -> None:
    pair = review_pair(agency_a)
    analyst_client.post(reverse("entity_review_decide", args=[pair.pk]), {"decision": "different"})
    services.persons_resolve_all()
    left, right = (EntityMention.objects.get(pk=pk) for pk in (pair.left_id, pair.right_id))
    assert left.entity_id != right.entity_id
    assert Judgement.objects.get().decision == "different"


def test_review_queue_is_scoped_and_needs_the_reviewer_role(
    analyst_client: Client, owner_client: Client, agency_a: Any, agency_b: Any
) -> None:
    theirs = review_pair(agency_b)
    page = analyst_client.get(reverse("entity_review")).content.decode()
    assert "No pair is waiting for review" in page
    response = analyst_client.post(
        reverse("entity_review_decide", args=[theirs.pk]), {"decision": "same"}
    )
    assert response.status_code == 404
    # Detectives read entities but do not judge matches.
    assert owner_client.get(reverse("entity_review")).status_code == 403


def test_entity_page_and_review_queue_query_counts_are_flat(
    analyst_client: Client, agency_a: Any
) -> None:
    entity: Any = EntityFactory(agency=agency_a)
    other: Any = EntityFactory(agency=agency_a, kind=EntityKind.FIREARM)

    def grow(count: int) -> None:
        for _ in range(count):
            mention: Any = EntityMentionFactory(agency=agency_a, entity=entity)
            Edge.objects.create(
                source=entity, source_mention=mention, target=other, kind=EdgeKind.POSSESSED
            )

    assert_flat_query_count(
        analyst_client, reverse("entity_detail", args=[entity.pk]), grow, max_queries=12
    )
    numbers = iter(range(1, 1000))

    def grow_queue(count: int) -> None:
        for _ in range(count):
            review_pair(agency_a, next(numbers))

    assert_flat_query_count(analyst_client, reverse("entity_review"), grow_queue, max_queries=8)


def test_api_entity_and_network_are_scoped(
    owner_client: Client, outsider_client: Client, graph: dict[str, Entity]
) -> None:
    gun = graph["gun"]
    listing = owner_client.get("/api/v1/entities/", {"kind": "firearm"}).json()
    assert gun.pk in [item["id"] for item in listing["results"]]
    detail = owner_client.get(f"/api/v1/entities/{gun.pk}/").json()
    assert detail["mentions"][0]["source"] == "firearm"
    network = owner_client.get(f"/api/v1/entities/{gun.pk}/network/", {"hops": 1}).json()
    assert network["centre"] == gun.pk
    assert graph["dealer"].pk in {node["id"] for node in network["nodes"]}
    assert {edge["kind"] for edge in network["edges"]} >= {"sold_by", "purchased"}
    assert outsider_client.get("/api/v1/entities/").json()["results"] == []
    for url in (f"/api/v1/entities/{gun.pk}/", f"/api/v1/entities/{gun.pk}/network/"):
        assert outsider_client.get(url).status_code == 404

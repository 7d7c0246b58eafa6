"""The ego network read from the stored edges."""

from __future__ import annotations

from typing import Any

import pytest

from leads.models import Edge, EdgeKind, Entity, EntityKind
from leads.selectors import entity_ego_network


def make_graph(agency: Any) -> dict[str, Entity]:
    # A gun bought by a purchaser from a dealer, possessed by two people; one of them
    # is in an incident with a third person, who possesses another gun.
    names = {
        "gun": EntityKind.FIREARM,
        "purchaser": EntityKind.PERSON,
        "dealer": EntityKind.DEALER,
        "possessor": EntityKind.PERSON,
        "friend": EntityKind.PERSON,
        "third": EntityKind.PERSON,
        "gun2": EntityKind.FIREARM,
    }
    nodes = {
        name: Entity.objects.create(agency=agency, kind=kind, label=name)
        for name, kind in names.items()
    }
    links = [
        ("purchaser", "gun", EdgeKind.PURCHASED),
        ("gun", "dealer", EdgeKind.SOLD_BY),
        ("possessor", "gun", EdgeKind.POSSESSED),
        ("friend", "gun", EdgeKind.POSSESSED),
        ("friend", "third", EdgeKind.INVOLVED_IN),
        ("third", "gun2", EdgeKind.POSSESSED),
    ]
    degree: dict[str, int] = dict.fromkeys(names, 0)
    for source, target, kind in links:
        Edge.objects.create(source=nodes[source], target=nodes[target], kind=kind)
        degree[source] += 1
        degree[target] += 1
    for name, node in nodes.items():
        node.degree = degree[name]
        node.save(update_fields=["degree"])
    return nodes


@pytest.mark.django_db
def test_ego_network_from_the_database(
    django_assert_max_num_queries: Any, agency_a: Any, owner: Any
) -> None:
    nodes = make_graph(agency_a)
    with django_assert_max_num_queries(10):
        ego = entity_ego_network(nodes["possessor"].pk, user=owner, hops=2)
    shown = {ego.graph.nodes[node]["kind"] for node in ego.graph.nodes}
    assert set(ego.graph.nodes) == {
        nodes[name].pk for name in ("possessor", "gun", "purchaser", "dealer", "friend")
    }
    assert shown == {"person", "firearm", "dealer"}
    assert ego.hidden[nodes["friend"].pk] == 1  # "third" is three hops away
    assert ego.truncated


@pytest.mark.django_db
def test_ego_network_cap_and_edge_kind_filter(agency_a: Any, owner: Any) -> None:
    nodes = make_graph(agency_a)
    capped = entity_ego_network(nodes["gun"].pk, user=owner, hops=2, max_nodes=3)
    assert capped.graph.number_of_nodes() == 3
    assert capped.hidden[nodes["gun"].pk] == 2
    owned = entity_ego_network(nodes["gun"].pk, user=owner, hops=1, kinds=[EdgeKind.POSSESSED])
    assert set(owned.graph.nodes) == {nodes[name].pk for name in ("gun", "possessor", "friend")}


@pytest.mark.django_db
def test_ego_network_never_follows_an_edge_into_another_agency(
    agency_a: Any, agency_b: Any, owner: Any, outsider: Any
) -> None:
    nodes = make_graph(agency_a)
    foreign = Entity.objects.create(agency=agency_b, kind=EntityKind.PERSON, label="foreign")
    Edge.objects.create(source=foreign, target=nodes["gun"], kind=EdgeKind.BALLISTIC_MATCH)
    ego = entity_ego_network(nodes["gun"].pk, user=owner, hops=2)
    assert foreign.pk not in ego.graph.nodes
    assert ego.hidden[nodes["gun"].pk] == 0
    # The other agency's user, centred on its own entity, sees nothing of agency A.
    theirs = entity_ego_network(foreign.pk, user=outsider, hops=2)
    assert set(theirs.graph.nodes) == {foreign.pk}

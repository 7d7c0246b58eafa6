"""The ego network read from the stored edges."""

from __future__ import annotations

from typing import Any

import pytest

from leads.models import Edge, EdgeKind, Entity, EntityKind
from leads.selectors import entity_ego_network


def make_graph() -> dict[str, Entity]:
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
    nodes = {name: Entity.objects.create(kind=kind, label=name) for name, kind in names.items()}
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
def test_ego_network_from_the_database(django_assert_max_num_queries: Any) -> None:
    nodes = make_graph()
    with django_assert_max_num_queries(10):
        ego = entity_ego_network(nodes["possessor"].pk, hops=2)
    shown = {ego.graph.nodes[node]["kind"] for node in ego.graph.nodes}
    assert set(ego.graph.nodes) == {
        nodes[name].pk for name in ("possessor", "gun", "purchaser", "dealer", "friend")
    }
    assert shown == {"person", "firearm", "dealer"}
    assert ego.hidden[nodes["friend"].pk] == 1  # "third" is three hops away
    assert ego.truncated


@pytest.mark.django_db
def test_ego_network_cap_and_edge_kind_filter() -> None:
    nodes = make_graph()
    capped = entity_ego_network(nodes["gun"].pk, hops=2, max_nodes=3)
    assert capped.graph.number_of_nodes() == 3
    assert capped.hidden[nodes["gun"].pk] == 2
    owned = entity_ego_network(nodes["gun"].pk, hops=1, kinds=[EdgeKind.POSSESSED])
    assert set(owned.graph.nodes) == {nodes[name].pk for name in ("gun", "possessor", "friend")}

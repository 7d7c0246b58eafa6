"""Reads of the link graph: only the neighbourhood of the asked entity is queried."""

from __future__ import annotations

from collections.abc import Iterable

from leads.graph import EgoNetwork, Node, ego_network
from leads.models import Edge, Entity


def _neighbours_query(kinds: Iterable[str] | None) -> object:
    def neighbours(nodes: list[Node]) -> dict[Node, list[Node]]:
        found: dict[Node, list[Node]] = {node: [] for node in nodes}
        outgoing = Edge.objects.filter(source_id__in=nodes)
        incoming = Edge.objects.filter(target_id__in=nodes)
        if kinds is not None:
            outgoing = outgoing.filter(kind__in=list(kinds))
            incoming = incoming.filter(kind__in=list(kinds))
        # Two index scans ((source, target) and (target, source)), not one OR.
        for source, target in outgoing.values_list("source_id", "target_id"):
            found[source].append(target)
        for source, target in incoming.values_list("source_id", "target_id"):
            found[target].append(source)
        return found

    return neighbours


def entity_ego_network(
    entity_id: int, *, hops: int = 2, max_nodes: int = 500, kinds: Iterable[str] | None = None
) -> EgoNetwork:
    """The ego network of an entity from the stored edges, with stored degrees for the
    hidden-neighbour counts."""
    neighbours = _neighbours_query(kinds)
    ego = ego_network(entity_id, neighbours, hops=hops, max_nodes=max_nodes)  # type: ignore[arg-type]
    degrees: dict[Node, int] = dict(
        Entity.objects.filter(pk__in=list(ego.hops)).values_list("pk", "degree")
    )
    if kinds is None:
        ego.hidden = {
            node: max(degrees.get(node, 0) - ego.graph.degree[node], 0) for node in ego.hops
        }
        ego.truncated = ego.truncated or any(ego.hidden.values())
    for node, kind in Entity.objects.filter(pk__in=list(ego.hops)).values_list("pk", "kind"):
        ego.graph.nodes[node]["kind"] = kind
    return ego

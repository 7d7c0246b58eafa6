"""Link-graph algorithms on subgraphs (networkx); no database.

The ego network is built hop by hop through a `neighbours` function, so the same
code walks an in-memory graph or an adjacency stored in PostgreSQL (one indexed
query per hop: see leads.selectors), and only the neighbourhood is ever read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import networkx as nx

Node = Hashable
Neighbours = Callable[[list[Node]], dict[Node, list[Node]]]
# (nodes, nodes found) -> each node's neighbours among the nodes found.
LinksAmong = Callable[[list[Node], set[Node]], dict[Node, list[Node]]]


@dataclass
class EgoNetwork:
    """The nodes within `hops` of a centre (at most `max_nodes`), and for each shown
    node how many of its neighbours were left out."""

    graph: nx.Graph
    hops: dict[Node, int]
    hidden: dict[Node, int] = field(default_factory=dict)
    truncated: bool = False


def neighbours_in(graph: nx.Graph) -> Neighbours:
    """A `neighbours` function over an in-memory graph (sorted for stable output)."""

    def neighbours(nodes: list[Node]) -> dict[Node, list[Node]]:
        return {node: sorted(graph.adj[node], key=str) for node in nodes if node in graph}

    return neighbours


def ego_network(
    centre: Node,
    neighbours: Neighbours,
    *,
    hops: int = 2,
    max_nodes: int = 500,
    degree: Callable[[Node], int] | None = None,
    links_among: LinksAmong | None = None,
) -> EgoNetwork:
    """Breadth-first to `hops`, keeping nodes in discovery order up to `max_nodes`.

    `degree` gives a node's full degree (a stored column in the database) so that
    hidden-neighbour counts need no extra hop; without it, the counts come from the
    adjacency lists read while walking (exact for nodes inside the last hop).

    The last hop's links among themselves take one more read: every neighbour of
    those nodes, or with `links_among` only their links to the nodes found. A dealer
    or a place in the last hop has a link for each of its thousands of traces, which
    that read leaves unread; the last hop's hidden counts are then not known (0)
    unless `degree` gives them.
    """
    hop_of: dict[Node, int] = {centre: 0}
    adjacency: dict[Node, list[Node]] = {}
    frontier = [centre]
    truncated = False
    for hop in range(1, hops + 1):
        if not frontier:
            break
        found = neighbours(frontier)
        adjacency.update(found)
        next_frontier: list[Node] = []
        for node in frontier:
            for other in found.get(node, []):
                if other in hop_of:
                    continue
                if len(hop_of) >= max_nodes:
                    truncated = True
                    break
                hop_of[other] = hop
                next_frontier.append(other)
        frontier = next_frontier
    if frontier and hops > 0:
        # One more read gives the links among the last hop's nodes (and their degrees).
        if links_among is not None:
            adjacency.update(links_among(frontier, set(hop_of)))
        else:
            adjacency.update(neighbours(frontier))
    graph = nx.Graph()
    graph.add_nodes_from((node, {"hop": hop}) for node, hop in hop_of.items())
    for node, others in adjacency.items():
        if node not in hop_of:
            continue
        graph.add_edges_from((node, other) for other in others if other in hop_of)
    hidden = {}
    for node in hop_of:
        full = degree(node) if degree is not None else len(adjacency.get(node, []))
        hidden[node] = max(full - graph.degree[node], 0)
    truncated = truncated or any(hidden.values())
    return EgoNetwork(graph=graph, hops=hop_of, hidden=hidden, truncated=truncated)

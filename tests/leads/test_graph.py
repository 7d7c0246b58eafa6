"""Graph queries on hand-made graphs."""

from __future__ import annotations

import networkx as nx

from leads.graph import ego_network, neighbours_in


def star_with_tail() -> nx.Graph:
    # A gun G1 bought by P1, possessed by P2 and P3; P3 knows P4; P4 is linked to dealer D1.
    graph = nx.Graph()
    kinds = {
        "G1": "firearm",
        "P1": "person",
        "P2": "person",
        "P3": "person",
        "P4": "person",
        "D1": "dealer",
    }
    for node, kind in kinds.items():
        graph.add_node(node, kind=kind)
    graph.add_edges_from([("G1", "P1"), ("G1", "P2"), ("G1", "P3"), ("P3", "P4"), ("P4", "D1")])
    return graph


def test_ego_network_two_hops_with_hidden_neighbours() -> None:
    graph = star_with_tail()
    ego = ego_network("G1", neighbours_in(graph), hops=1)
    assert set(ego.graph.nodes) == {"G1", "P1", "P2", "P3"}
    assert ego.hidden["P3"] == 1  # P4 is beyond the first hop
    assert ego.hidden["G1"] == 0
    ego = ego_network("G1", neighbours_in(graph), hops=2)
    assert set(ego.graph.nodes) == {"G1", "P1", "P2", "P3", "P4"}
    assert ego.hops["P4"] == 2
    assert ego.hidden["P4"] == 1  # the dealer, three hops away
    assert ego.graph.has_edge("P3", "P4")


def test_ego_network_node_cap_counts_hidden() -> None:
    graph = nx.star_graph(10)  # centre 0 with ten neighbours
    ego = ego_network(0, neighbours_in(graph), hops=2, max_nodes=4)
    assert ego.graph.number_of_nodes() == 4
    assert ego.truncated
    assert ego.hidden[0] == 7


def test_ego_network_uses_stored_degrees() -> None:
    graph = star_with_tail()
    ego = ego_network("P1", neighbours_in(graph), hops=1, degree=lambda node: graph.degree[node])
    assert set(ego.graph.nodes) == {"P1", "G1"}
    assert ego.hidden["G1"] == 2


def test_the_last_hop_read_through_links_among_reads_only_links_to_the_nodes_found() -> None:
    # P4's dealer D1 stands for a hub: in the last hop, only P4's links to nodes already
    # found are asked for, and the graph drawn is the one the full read draws.
    graph = star_with_tail()
    graph.add_edges_from(("D1", f"T{index}") for index in range(50))
    asked: list[tuple[list[str], set[str]]] = []

    def links_among(nodes: list[str], found: set[str]) -> dict[str, list[str]]:
        asked.append((nodes, set(found)))
        return {node: sorted(set(graph.adj[node]) & found) for node in nodes}

    full = ego_network("G1", neighbours_in(graph), hops=2)
    among = ego_network("G1", neighbours_in(graph), hops=2, links_among=links_among)
    assert asked == [(["P4"], {"G1", "P1", "P2", "P3", "P4"})]
    assert set(among.graph.nodes) == set(full.graph.nodes)
    assert set(map(frozenset, among.graph.edges)) == set(map(frozenset, full.graph.edges))
    assert full.hidden["P4"] == 1 and among.hidden["P4"] == 0  # D1 was not read

"""The stored graph metrics are networkx's values, computed at the state's scale."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from leads.metrics import (
    BETWEENNESS_SAMPLES,
    BETWEENNESS_VISIT_BUDGET,
    AgencyGraph,
    graph_metrics,
)


def _graph(nodes: int, edges: int, seed: int) -> tuple[nx.Graph, AgencyGraph]:
    reference = nx.gnm_random_graph(nodes, edges, seed=seed)
    # Entity ids: sparse and ascending, with a few isolated entities at the end.
    ids = np.arange(nodes + 5, dtype=np.int64) * 7 + 3
    graph = nx.Graph()
    graph.add_nodes_from(ids.tolist())
    graph.add_edges_from((int(ids[a]), int(ids[b])) for a, b in reference.edges)
    pairs = np.array(sorted((min(a, b), max(a, b)) for a, b in reference.edges))
    return graph, AgencyGraph(nodes=ids, left=pairs[:, 0], right=pairs[:, 1])


@pytest.mark.parametrize(("nodes", "edges"), [(300, 450), (2600, 3000)])
def test_metrics_are_those_networkx_gives(nodes: int, edges: int) -> None:
    graph, arrays = _graph(nodes, edges, seed=5)
    found = graph_metrics(arrays, seed=0)
    order = arrays.nodes.tolist()
    assert found.degree.tolist() == [graph.degree[node] for node in order]
    # Exact betweenness up to 2,000 nodes, networkx's sampled estimate (same sources) above.
    size = graph.number_of_nodes() + graph.number_of_edges()
    sample = None if nodes < 2000 else min(BETWEENNESS_SAMPLES, BETWEENNESS_VISIT_BUDGET // size)
    betweenness = nx.betweenness_centrality(graph, k=sample, seed=0)
    assert np.allclose(found.betweenness, [betweenness[node] for node in order], atol=1e-12)
    pagerank = nx.pagerank(graph)
    assert np.allclose(found.pagerank, [pagerank[node] for node in order], atol=1e-12)
    # Communities: every node in one, numbered from 1 by size, as good as networkx's Louvain.
    sizes = np.bincount(found.community)[1:]
    assert found.community.min() == 1 and list(sizes) == sorted(sizes, reverse=True)
    parts = [
        set(np.array(order)[found.community == number].tolist())
        for number in range(1, 1 + len(sizes))
    ]
    ours = nx.community.modularity(graph, parts)
    theirs = nx.community.modularity(graph, nx.community.louvain_communities(graph, seed=0))
    assert ours >= theirs - 0.02
    # The same seed gives the same communities.
    assert graph_metrics(arrays, seed=0).community.tolist() == found.community.tolist()


def test_a_graph_without_edges_has_no_communities() -> None:
    arrays = AgencyGraph(
        nodes=np.array([1, 2, 3]), left=np.zeros(0, np.int64), right=np.zeros(0, np.int64)
    )
    found = graph_metrics(arrays)
    assert found.degree.tolist() == [0, 0, 0] and found.community.tolist() == [0, 0, 0]
    assert found.betweenness.tolist() == [0, 0, 0] and found.pagerank.tolist() == [0, 0, 0]

"""Global graph metrics, recomputed by a worker and stored on Entity.

Degree, betweenness (sampled above a few thousand nodes: exact betweenness is
cubic; fewer samples as the graph grows), PageRank and the community (Leiden,
maximising modularity) need the whole graph; computing them per request would
read every edge, so the "graph" queue does it after resolution runs (and
`manage.py graph_metrics`), and pages read the stored values. Each agency's
graph is its own: a metric never counts another agency's entities.

A state's graph has millions of entities and edges, so the graph is read as
arrays (COPY), betweenness and communities run in igraph (C) and PageRank in
scipy, and the values go back through a temporary table and one UPDATE. The
values are networkx's: the same normalised (sampled) betweenness estimator and
the same PageRank iteration. Communities are igraph's Leiden method on the
modularity objective: Louvain's successor, whose communities are always
connected; on the graphs measured (bench_graph) it reaches the modularity of
igraph's Louvain (multilevel) in less time.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import igraph
import numpy as np
import scipy.sparse as sp
from django.db import connection, transaction

from leads.models import Edge, Entity

EXACT_BETWEENNESS_UP_TO = 2000
BETWEENNESS_SAMPLES = 500
# Each sampled source is one breadth-first pass over the graph: a budget of node and
# edge visits keeps a state-sized graph (millions of nodes) to minutes, with fewer samples.
BETWEENNESS_VISIT_BUDGET = 5_000_000
MIN_BETWEENNESS_SAMPLES = 10
PAGERANK_ALPHA = 0.85
PAGERANK_TOLERANCE = 1.0e-6
PAGERANK_MAX_ITERATIONS = 100
# Leiden passes: the second refines the first; more add little modularity for much time.
LEIDEN_ITERATIONS = 2
COPY_NULL = "\\N"


@dataclass
class AgencyGraph:
    """Entity ids (sorted) and the undirected edges between them, as index pairs
    (each pair once, smaller index first, no self-loops)."""

    nodes: np.ndarray
    left: np.ndarray
    right: np.ndarray


@dataclass
class Metrics:
    """Per node of an AgencyGraph, in its order."""

    degree: np.ndarray
    betweenness: np.ndarray
    pagerank: np.ndarray
    community: np.ndarray  # 0 where the graph has no edges (no community)


def _copy_out(sql: str, params: list[object]) -> np.ndarray:
    """The integers a query returns (every column, row after row), read through COPY."""
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT", buffer)
    text = buffer.getvalue()
    return np.array(text.split(), dtype=np.int64) if text else np.zeros(0, dtype=np.int64)


def agency_graph(agency_id: int) -> AgencyGraph:
    """Every entity of the agency and its edges to entities of the same agency."""
    nodes_sql, nodes_params = (
        Entity.objects.filter(agency_id=agency_id)
        .order_by("pk")
        .values_list("pk")
        .query.sql_with_params()
    )
    nodes = _copy_out(nodes_sql, list(nodes_params))
    edges_sql, edges_params = (
        Edge.objects.filter(source__agency_id=agency_id, target__agency_id=agency_id)
        .order_by()
        .values_list("source_id", "target_id")
        .query.sql_with_params()
    )
    ends = _copy_out(edges_sql, list(edges_params)).reshape(-1, 2)
    index = np.searchsorted(nodes, ends)
    left, right = index.min(axis=1), index.max(axis=1)
    keep = left != right
    pairs = np.unique(left[keep] * len(nodes) + right[keep])
    return AgencyGraph(nodes=nodes, left=pairs // max(len(nodes), 1), right=pairs % len(nodes))


def _betweenness(graph: igraph.Graph, count: int, *, seed: int) -> np.ndarray:
    """networkx's normalised betweenness (endpoints excluded): exact on small graphs,
    else from k sources drawn as networkx draws them (random.Random(seed).sample)."""
    if count <= 2 or graph.ecount() == 0:
        return np.zeros(count)
    if count <= EXACT_BETWEENNESS_UP_TO:
        # igraph counts each unordered pair once; networkx's normalisation counts both ways.
        return np.array(graph.betweenness(directed=False)) * 2 / ((count - 1) * (count - 2))
    size = count + graph.ecount()
    k = max(MIN_BETWEENNESS_SAMPLES, min(BETWEENNESS_SAMPLES, BETWEENNESS_VISIT_BUDGET // size))
    sources = random.Random(seed).sample(range(count), k)  # noqa: S311 - a sample, not a secret
    raw = np.array(graph.betweenness(directed=False, sources=sources, targets=None))
    # Sources cannot lie on their own paths: networkx scales them by k - 1 sources.
    scale = np.full(count, 2 / (k * (count - 2)))
    scale[sources] = 2 / ((k - 1) * (count - 2))
    return raw * scale


def _pagerank(count: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """networkx's PageRank (its scipy power iteration) of the undirected graph."""
    rows = np.concatenate([left, right])
    columns = np.concatenate([right, left])
    adjacency = sp.csr_array((np.ones(len(rows)), (rows, columns)), shape=(count, count))
    out = np.asarray(adjacency.sum(axis=1)).ravel()
    inverse = np.divide(1.0, out, out=np.zeros(count), where=out != 0)
    transition = sp.csr_array(sp.diags_array(inverse) @ adjacency)
    dangling = out == 0
    x = np.full(count, 1.0 / count)
    uniform = np.full(count, 1.0 / count)
    for _ in range(PAGERANK_MAX_ITERATIONS):
        last = x
        x = (
            PAGERANK_ALPHA * (x @ transition + x[dangling].sum() * uniform)
            + (1 - PAGERANK_ALPHA) * uniform
        )
        if np.abs(x - last).sum() < count * PAGERANK_TOLERANCE:
            break
    return x


def _communities(graph: igraph.Graph, nodes: np.ndarray, *, seed: int) -> np.ndarray:
    """Leiden communities (modularity) numbered from 1, largest first (ties by smallest
    member, as text)."""
    previous = random.getstate()
    random.seed(seed)  # igraph draws from Python's random module
    try:
        found = graph.community_leiden(
            objective_function="modularity", n_iterations=LEIDEN_ITERATIONS
        )
        membership = np.array(found.membership)
    finally:
        random.setstate(previous)
    sizes = np.bincount(membership)
    first: dict[int, str] = {}
    for node, label in zip(nodes.tolist(), membership.tolist(), strict=True):
        text = str(node)
        if label not in first or text < first[label]:
            first[label] = text
    order = sorted(range(len(sizes)), key=lambda label: (-sizes[label], first[label]))
    number = np.zeros(len(sizes), dtype=np.int64)
    number[order] = np.arange(1, len(sizes) + 1)
    return number[membership]


def igraph_of(graph: AgencyGraph) -> igraph.Graph:
    """The agency's graph as an undirected igraph graph (node i = graph.nodes[i])."""
    return igraph.Graph(
        n=len(graph.nodes), edges=np.column_stack([graph.left, graph.right]).tolist()
    )


def graph_metrics(graph: AgencyGraph, *, seed: int = 0) -> Metrics:
    """Per node: degree, betweenness, pagerank and community (largest community is 1)."""
    count = len(graph.nodes)
    degree = np.bincount(np.concatenate([graph.left, graph.right]), minlength=count)
    if count == 0:
        empty = np.zeros(0)
        return Metrics(degree=degree, betweenness=empty, pagerank=empty, community=empty)
    network = igraph_of(graph)
    has_edges = len(graph.left) > 0
    return Metrics(
        degree=degree,
        betweenness=_betweenness(network, count, seed=seed),
        pagerank=_pagerank(count, graph.left, graph.right) if has_edges else np.zeros(count),
        community=_communities(network, graph.nodes, seed=seed)
        if has_edges
        else np.zeros(count, dtype=np.int64),
    )


def _store(graph: AgencyGraph, values: Metrics) -> None:
    """COPY the values into a temporary table, then one UPDATE of the entities that change."""
    lines = io.StringIO()
    for node, degree, betweenness, pagerank, community in zip(
        graph.nodes.tolist(),
        values.degree.tolist(),
        np.round(values.betweenness, 6).tolist(),
        np.round(values.pagerank, 6).tolist(),
        values.community.tolist(),
        strict=True,
    ):
        lines.write(f"{node}\t{degree}\t{betweenness!r}\t{pagerank!r}\t{community or COPY_NULL}\n")
    lines.seek(0)
    table = Entity._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE leads_metrics_new (id bigint PRIMARY KEY, degree integer, "
            "betweenness double precision, pagerank double precision, community integer) "
            "ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY leads_metrics_new FROM STDIN", lines)
        cursor.execute(
            f"UPDATE {table} AS e SET degree = v.degree, metrics = v.metrics FROM ("  # noqa: S608
            "SELECT id, degree, jsonb_build_object('betweenness', betweenness, "
            "'pagerank', pagerank, 'community', community) AS metrics FROM leads_metrics_new"
            ") AS v WHERE e.id = v.id "
            "AND (e.degree IS DISTINCT FROM v.degree OR e.metrics IS DISTINCT FROM v.metrics)"
        )
        cursor.execute("DROP TABLE leads_metrics_new")


def graph_metrics_store(*, agency_id: int | None = None) -> dict[str, int]:
    """Recompute and store the metrics of one agency's graph (or of every agency's)."""
    agencies = (
        [agency_id]
        if agency_id is not None
        else list(Entity.objects.values_list("agency_id", flat=True).distinct().order_by())
    )
    stored = 0
    for agency in agencies:
        graph = agency_graph(agency)
        _store(graph, graph_metrics(graph))
        stored += len(graph.nodes)
    return {"agencies": len(agencies), "entities": stored}

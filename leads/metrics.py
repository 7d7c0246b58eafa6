"""Global graph metrics, recomputed by a worker and stored on Entity.

Degree, betweenness (sampled above a few thousand nodes: exact betweenness is
cubic; fewer samples as the graph grows), PageRank and the Louvain community
need the whole graph; computing them per request would read every edge, so
the "graph" queue does it after resolution runs (and `manage.py graph_metrics`),
and pages read the stored values. Each agency's graph is its own: a metric
never counts another agency's entities.
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
from django.db import connection, transaction
from psycopg2.extras import execute_values

from leads.graph import communities
from leads.models import Edge, Entity

EXACT_BETWEENNESS_UP_TO = 2000
BETWEENNESS_SAMPLES = 500
# Each sampled source is one breadth-first pass over the graph: a budget of node and
# edge visits keeps a state-sized graph (millions of nodes) to minutes, with fewer samples.
BETWEENNESS_VISIT_BUDGET = 5_000_000
MIN_BETWEENNESS_SAMPLES = 10


def agency_graph(agency_id: int) -> nx.Graph:
    """Every entity of the agency and its edges to entities of the same agency."""
    graph = nx.Graph()
    graph.add_nodes_from(Entity.objects.filter(agency_id=agency_id).values_list("pk", flat=True))
    graph.add_edges_from(
        (source, target)
        for source, target in Edge.objects.filter(
            source__agency_id=agency_id, target__agency_id=agency_id
        ).values_list("source_id", "target_id")
        if source != target
    )
    return graph


def graph_metrics(graph: nx.Graph, *, seed: int = 0) -> dict[Any, dict[str, Any]]:
    """Per node: degree, betweenness, pagerank and community (largest community is 1)."""
    if graph.number_of_nodes() == 0:
        return {}
    sample = None
    if graph.number_of_nodes() > EXACT_BETWEENNESS_UP_TO:
        size = graph.number_of_nodes() + graph.number_of_edges()
        sample = max(
            MIN_BETWEENNESS_SAMPLES,
            min(BETWEENNESS_SAMPLES, BETWEENNESS_VISIT_BUDGET // size),
        )
    betweenness = nx.betweenness_centrality(graph, k=sample, seed=seed)
    pagerank = nx.pagerank(graph) if graph.number_of_edges() else {}
    community_of = {}
    if graph.number_of_edges():
        for number, members in enumerate(communities(graph, seed=seed), start=1):
            for node in members:
                community_of[node] = number
    return {
        node: {
            "degree": int(graph.degree[node]),
            "betweenness": round(float(betweenness.get(node, 0.0)), 6),
            "pagerank": round(float(pagerank.get(node, 0.0)), 6),
            "community": community_of.get(node),
        }
        for node in graph.nodes
    }


def graph_metrics_store(*, agency_id: int | None = None) -> dict[str, int]:
    """Recompute and store the metrics of one agency's graph (or of every agency's)."""
    agencies = (
        [agency_id]
        if agency_id is not None
        else list(Entity.objects.values_list("agency_id", flat=True).distinct().order_by())
    )
    stored = 0
    for agency in agencies:
        values = graph_metrics(agency_graph(agency))
        rows = [
            (
                node,
                found["degree"],
                json.dumps({key: value for key, value in found.items() if key != "degree"}),
            )
            for node, found in values.items()
        ]
        # One UPDATE ... FROM (VALUES ...) per page: linear, where bulk_update's CASE
        # per row grows with the square of the batch.
        with transaction.atomic(), connection.cursor() as cursor:
            execute_values(
                cursor.cursor,
                "UPDATE leads_entity AS e SET degree = v.degree, metrics = v.metrics::jsonb "
                "FROM (VALUES %s) AS v(id, degree, metrics) WHERE e.id = v.id",
                rows,
                page_size=5000,
            )
        stored += len(rows)
    return {"agencies": len(agencies), "entities": stored}

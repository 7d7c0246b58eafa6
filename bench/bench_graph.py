"""Ego network of 2 hops capped at 500 nodes on a stored graph of 1,000,000 entities.

The graph is synthetic: 1,000,000 entities (persons, firearms, dealers) and
about 900,000 edges: persons holding guns near them, and guns sold by dealers
(1,000 hubs of about 250 edges each), loaded with COPY. Each query reads the
neighbourhood through the two edge indexes (leads.selectors.entity_ego_network),
then builds the networkx subgraph. Reference: networkx's own ego_graph on the whole graph in memory.

Then the graph worker's job on the same graph: read it with COPY, compute degree,
sampled betweenness, PageRank and communities, store them (leads.metrics). Its
community step (Leiden) is set beside igraph's Louvain on the same graph.
"""

from __future__ import annotations

import io
import random
import statistics
import time

from bench.harness import bench_database, timer
from bench.report import Measure, peak_memory_mb

NODES = 1_000_000


def build(rng: random.Random) -> tuple[list[tuple[int, int]], list[str]]:
    kinds = []
    for index in range(NODES):
        kinds.append("dealer" if index % 1000 == 0 else ("firearm" if index % 2 else "person"))
    edges: list[tuple[int, int]] = []
    for person in range(2, NODES, 2):
        # A person holds one or two guns near them in id order (local structure)...
        for _ in range(rng.choice((1, 1, 2))):
            edges.append((person, min(NODES - 1, person + rng.choice((1, 3, 5, 7)))))
        # ...and a gun came from a dealer (hubs of about a thousand edges).
        if person % 4 == 0:
            edges.append(
                (person + 1 if person + 1 < NODES else person, rng.randrange(0, NODES, 1000))
            )
    return edges, kinds


def run() -> list[Measure]:
    rng = random.Random(3)
    edges, kinds = build(rng)
    degree = [0] * NODES
    for a, b in edges:
        degree[a] += 1
        degree[b] += 1
    with bench_database():
        from django.db import connection

        from leads.models import Edge, Entity
        from leads.selectors import entity_ego_network
        from portal.models import Agency
        from tests.factories import UserFactory

        agency = Agency.objects.create(name="Bench agency", ori="XX0000001", state="XX")
        # The page's read is always for a user: the agency filter is part of every hop.
        user = UserFactory(username="bench", agency=agency)
        started = time.perf_counter()
        entity_table = Entity._meta.db_table
        edge_table = Edge._meta.db_table
        with connection.cursor() as cursor:
            buffer = io.StringIO()
            for index in range(NODES):
                row = [
                    str(index + 1),
                    str(agency.pk),
                    kinds[index],
                    "",
                    "{}",
                    str(degree[index]),
                    "{}",
                ]
                buffer.write("\t".join([*row, "2026-01-01", "2026-01-01"]) + "\n")
            buffer.seek(0)
            cursor.copy_expert(
                f"COPY {entity_table} (id, agency_id, kind, label, attributes, degree, metrics, "
                "created_at, updated_at) FROM STDIN",
                buffer,
            )
            buffer = io.StringIO()
            for a, b in edges:
                buffer.write(f"{a + 1}\t{b + 1}\tpossessed\t\t{{}}\n")
            buffer.seek(0)
            cursor.copy_expert(
                f"COPY {edge_table} (source_id, target_id, kind, role, details) FROM STDIN", buffer
            )
            cursor.execute(f"ANALYZE {entity_table}")
            cursor.execute(f"ANALYZE {edge_table}")
        load = time.perf_counter() - started
        print(f"loaded {NODES:,} entities and {len(edges):,} edges in {load:.1f} s")
        timings = []
        sizes = []
        centres = [rng.randrange(1, NODES + 1) for _ in range(40)] + [1, 1001, 2001]
        for centre in centres:
            started = time.perf_counter()
            ego = entity_ego_network(centre, user=user, hops=2, max_nodes=500)
            timings.append(time.perf_counter() - started)
            sizes.append(ego.graph.number_of_nodes())
        print(
            f"ego network: median {statistics.median(timings) * 1000:.1f} ms, "
            f"max {max(timings) * 1000:.1f} ms, "
            f"nodes median {statistics.median(sizes)}, max {max(sizes)}"
        )
        metrics = _metrics(agency.pk)
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(1, NODES + 1))
    graph.add_edges_from((a + 1, b + 1) for a, b in edges)
    reference = []
    for centre in centres:
        started = time.perf_counter()
        nx.ego_graph(graph, centre, radius=2)
        reference.append(time.perf_counter() - started)
    return [
        Measure(
            name="ego network, 2 hops, cap 500, graph of 1,000,000 entities (PostgreSQL)",
            value=f"median {statistics.median(timings) * 1000:.1f} ms, "
            f"max {max(timings) * 1000:.1f} ms",
            target="< 200 ms",
            reference=f"networkx ego_graph in memory (uncapped): median "
            f"{statistics.median(reference) * 1000:.1f} ms",
            passed=max(timings) < 0.2,
            peak_memory_mb=peak_memory_mb(),
        ),
        metrics,
    ]


def _metrics(agency_id: int) -> Measure:
    """The graph worker's whole job, and its community step against igraph's Louvain."""
    from leads import metrics

    with timer() as took:
        stored = metrics.graph_metrics_store(agency_id=agency_id)
    graph = metrics.agency_graph(agency_id)
    network = metrics.igraph_of(graph)
    with timer() as leiden:
        ours = metrics._communities(network, graph.nodes, seed=0)
    random.seed(0)
    with timer() as louvain:
        theirs = network.community_multilevel()
    print(
        f"graph metrics of {stored['entities']:,} entities stored in {took[0]:.1f} s; "
        f"communities: Leiden {leiden[0]:.1f} s ({ours.max():,}, modularity "
        f"{network.modularity(ours.tolist()):.4f}), Louvain {louvain[0]:.1f} s "
        f"({len(theirs):,}, modularity {theirs.modularity:.4f})"
    )
    return Measure(
        name="graph metrics of 1,000,000 entities (read, degree, betweenness, PageRank, "
        "communities, stored)",
        value=f"{took[0]:.1f} s (communities alone {leiden[0]:.1f} s)",
        reference=f"communities by igraph's Louvain: {louvain[0]:.1f} s",
        ratio=f"{louvain[0] / leiden[0]:.1f}x faster communities",
        peak_memory_mb=peak_memory_mb(),
    )

"""Demo step: the link graph of the synthetic city, built from the demo's source records.

Runs after the tracing, incident and ballistics steps (ORDER 10, 20, 30) and
before the leads (ORDER 40): every agency's records get their mentions and
edges, a full resolution run of each kind trains the person model and
clusters, and the graph metrics are stored, as the workers would after imports.
"""

from __future__ import annotations

from collections import Counter

from leads import services
from leads.metrics import graph_metrics_store
from leads.models import Edge, Entity, EntityMention
from leads.sources import agency_sources_sync
from portal.demo import DemoContext

ORDER = 35


def seed(ctx: DemoContext) -> None:
    for agency in ctx.agencies.values():
        agency_sources_sync(agency_id=agency.pk)
    runs = {str(kind): services.kind_resolve_all(kind) for kind in services.FULL_RUN_KINDS}
    graph_metrics_store()
    edges = Counter(Edge.objects.values_list("kind", flat=True))
    ctx.truth["leads"] = {
        "mentions": EntityMention.objects.count(),
        "entities": dict(Counter(Entity.objects.values_list("kind", flat=True))),
        "edges": dict(edges),
        "review_pairs": runs["person"].get("review", 0),
    }
    ctx.say(
        f"link graph: {ctx.truth['leads']['mentions']} mentions, "
        f"{sum(ctx.truth['leads']['entities'].values())} entities, {sum(edges.values())} edges"
    )

"""Demo step: the link graph of the synthetic city, built from the demo's source records.

Runs after the tracing, incident and ballistics steps (ORDER 10, 20, 30) and
before the leads (ORDER 40): every agency's records get their mentions and
edges, one full resolution run of each kind compared by the engine trains the
person model and clusters (the sync does it for the kinds that gained many
mentions; this step for the others; dealers and places join their key's entity
as they are written), and the graph metrics are stored, as the workers would after
imports.
"""

from __future__ import annotations

from collections import Counter

from leads import services
from leads.metrics import graph_metrics_store
from leads.models import Edge, Entity, EntityKind, EntityMention, MatchCandidate
from leads.sources import sources_sync_all
from portal.demo import DemoContext

ORDER = 35


def seed(ctx: DemoContext) -> None:
    synced = sources_sync_all([agency.pk for agency in ctx.agencies.values()])
    ran = {name for result in synced.values() for name in result if name.endswith(" full run")}
    for kind in services.FULL_RUN_KINDS:
        if f"{kind} full run" not in ran and kind not in services.EXACT_KEY_RULES:
            services.kind_resolve_all(kind)
    graph_metrics_store()
    edges = Counter(Edge.objects.values_list("kind", flat=True))
    ctx.truth["leads"] = {
        "mentions": EntityMention.objects.count(),
        "entities": dict(Counter(Entity.objects.values_list("kind", flat=True))),
        "edges": dict(edges),
        "review_pairs": MatchCandidate.objects.filter(
            decision=MatchCandidate.Decision.REVIEW, left__kind=EntityKind.PERSON
        ).count(),
    }
    ctx.say(
        f"link graph: {ctx.truth['leads']['mentions']} mentions, "
        f"{sum(ctx.truth['leads']['entities'].values())} entities, {sum(edges.values())} edges"
    )

"""Thin Celery tasks: an id in, one service call."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from leads import metrics, services, sources


@shared_task(name="leads.resolve_mention", acks_late=True, soft_time_limit=110, time_limit=120)
def resolve_mention(mention_id: int) -> str:
    """Resolve a new mention against the existing ones (exits if it is gone)."""
    return services.mention_resolve(mention_id=mention_id)


@shared_task(name="leads.resolve_all", acks_late=True, soft_time_limit=3500, time_limit=3600)
def resolve_all(kind: str) -> dict[str, int]:
    result = services.kind_resolve_all(kind)
    services.graph_metrics_enqueue()
    return result


@shared_task(name="leads.sources_sync", acks_late=True, soft_time_limit=3500, time_limit=3600)
def sources_sync(agency_id: int) -> dict[str, Any]:
    """Mentions and edges for the agency's new source records, resolved incrementally."""
    result = sources.agency_sources_sync(agency_id=agency_id)
    graph_metrics.apply_async((agency_id,), queue="graph")
    return result


@shared_task(name="leads.ballistic_candidate", acks_late=True, soft_time_limit=590, time_limit=600)
def ballistic_candidate(candidate_id: int) -> str:
    """A ballistic candidate's decision: its edge and the casings' firearm entity."""
    return sources.ballistic_candidate_apply(candidate_id=candidate_id)


@shared_task(name="leads.graph_metrics", acks_late=True, soft_time_limit=3500, time_limit=3600)
def graph_metrics(agency_id: int | None = None) -> dict[str, int]:
    """Degree, centrality and community of every entity (of one agency, or all)."""
    return metrics.graph_metrics_store(agency_id=agency_id)

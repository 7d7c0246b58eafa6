"""Thin Celery tasks: an id in, one service call."""

from __future__ import annotations

from celery import shared_task

from leads import services


@shared_task(name="leads.resolve_mention", acks_late=True, soft_time_limit=110, time_limit=120)
def resolve_mention(mention_id: int) -> str:
    """Resolve a new mention against the existing ones (exits if it is gone)."""
    return services.mention_resolve(mention_id=mention_id)


@shared_task(name="leads.resolve_all", acks_late=True, time_limit=3600)
def resolve_all(kind: str) -> dict[str, int]:
    return services.kind_resolve_all(kind)

"""Thin Celery tasks: ids in, one linking call."""

from __future__ import annotations

from celery import shared_task

from portal.incidents.linking import Scope, link_alerts
from portal.incidents.models import ShotSpotterAlert


@shared_task(
    name="incidents.link_alerts",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=300,
    soft_time_limit=280,
)
def link_alerts_task(alert_ids: list[int]) -> dict[str, int]:
    """Link these alerts (live feed) to incidents and to each other; gone alerts are skipped."""
    present = list(ShotSpotterAlert.objects.filter(pk__in=alert_ids).values_list("pk", flat=True))
    if not present:
        return {}
    return link_alerts(Scope(alert_ids=tuple(present))).as_dict()

"""Reads of the incident side: lists, details with their links, map points, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from portal.incidents.charts import MapPoint
from portal.incidents.models import (
    AlertIncidentLink,
    AlertPairLink,
    Incident,
    ShotSpotterAlert,
)

INCIDENT_EXPORT_HEADER = [
    "incident_number",
    "occurred_at",
    "occurred_date",
    "date_only",
    "reported_at",
    "offense",
    "ncic_code",
    "weapon",
    "address",
    "latitude",
    "longitude",
    "district",
    "beat",
    "killed",
    "injured",
    "linked_alerts",
]


def incident_list(user: Any) -> QuerySet[Incident]:
    return (
        Incident.objects.visible_to(user)
        .select_related("agency")
        .annotate(alert_count=Count("alert_links"))
        # Meta.ordering is dropped by the GROUP BY of the count: order explicitly.
        .order_by("-occurred_date", "-occurred_at", "incident_number")
    )


def incident_export_rows(incidents: QuerySet[Incident]) -> Iterator[list[Any]]:
    for incident in incidents.iterator(chunk_size=2000):
        yield [
            incident.incident_number,
            incident.occurred_at,
            incident.occurred_date,
            incident.occurred_date_only,
            incident.reported_at,
            incident.offense,
            incident.ncic_code,
            incident.weapon,
            incident.address,
            incident.latitude,
            incident.longitude,
            incident.district,
            incident.beat,
            incident.killed,
            incident.injured,
            getattr(incident, "alert_count", 0),
        ]


def incident_links(user: Any, incident: Incident) -> QuerySet[AlertIncidentLink]:
    """The incident's alert links, limited to alerts the user may see."""
    visible_alerts = ShotSpotterAlert.objects.visible_to(user)
    return (
        AlertIncidentLink.objects.filter(incident=incident, alert__in=visible_alerts)
        .select_related("alert")
        .order_by("distance_m")
    )


def alert_list(user: Any) -> QuerySet[ShotSpotterAlert]:
    return (
        ShotSpotterAlert.objects.visible_to(user)
        .select_related("agency", "event")
        .annotate(incident_count=Count("incident_links"))
        .order_by("-fired_date", "-fired_at", "source_id")
    )


def alert_links(user: Any, alert: ShotSpotterAlert) -> QuerySet[AlertIncidentLink]:
    visible_incidents = Incident.objects.visible_to(user)
    return (
        AlertIncidentLink.objects.filter(alert=alert, incident__in=visible_incidents)
        .select_related("incident")
        .order_by("distance_m")
    )


def event_siblings(user: Any, alert: ShotSpotterAlert) -> QuerySet[ShotSpotterAlert]:
    if alert.event_id is None:
        return ShotSpotterAlert.objects.none()
    return (
        ShotSpotterAlert.objects.visible_to(user)
        .filter(event_id=alert.event_id)
        .exclude(pk=alert.pk)
        .order_by("fired_at")
    )


def alert_point(alert: ShotSpotterAlert) -> MapPoint:
    when = (
        timezone.localtime(alert.fired_at).strftime("%Y-%m-%d %H:%M:%S")
        if alert.fired_at
        else f"{alert.fired_date:%Y-%m-%d} (date only)"
    )
    return MapPoint(
        latitude=alert.latitude,
        longitude=alert.longitude,
        label=f"Alert {alert.source_id}<br>{when}<br>{alert.get_alert_type_display()}",
        kind=alert.alert_type,
    )


def incident_point(incident: Incident) -> MapPoint:
    return MapPoint(
        latitude=incident.latitude,
        longitude=incident.longitude,
        label=f"Incident {incident.incident_number}<br>{incident.occurred_date:%Y-%m-%d}"
        f"<br>{incident.offense}",
    )


def map_layers(
    alerts: QuerySet[ShotSpotterAlert], user: Any, *, limit: int = 20_000
) -> tuple[list[MapPoint], list[MapPoint]]:
    """Alert points and the incident base layer over the same dates."""
    alert_rows = list(alerts.order_by("-fired_date")[:limit])
    points = [alert_point(alert) for alert in alert_rows]
    if not alert_rows:
        return points, []
    first = min(alert.fired_date for alert in alert_rows)
    last = max(alert.fired_date for alert in alert_rows)
    incidents = Incident.objects.visible_to(user).filter(
        occurred_date__gte=first, occurred_date__lte=last
    )[:limit]
    return points, [incident_point(incident) for incident in incidents]


def recent_alerts(user: Any, *, hours: int = 24) -> QuerySet[ShotSpotterAlert]:
    since = timezone.now() - dt.timedelta(hours=hours)
    return (
        ShotSpotterAlert.objects.visible_to(user)
        .filter(fired_at__gte=since)
        .select_related("event")
        .annotate(incident_count=Count("incident_links"))
        .order_by("-fired_at")
    )


def link_export_rows(links: QuerySet[AlertIncidentLink]) -> Iterator[list[Any]]:
    """alert_source_id, incident_number, distance_m, minutes: one row per link."""
    rows = links.order_by("alert__source_id", "incident__incident_number").values_list(
        "alert__source_id", "incident__incident_number", "distance_m", "minutes"
    )
    for alert_source_id, number, distance, minutes in rows.iterator(chunk_size=5000):
        yield [
            alert_source_id,
            number,
            round(distance, 1),
            None if minutes is None else round(minutes, 1),
        ]


def pair_export_rows(pairs: QuerySet[AlertPairLink]) -> Iterator[list[Any]]:
    """alert_source_id, other_source_id, distance_m, minutes: alerts of one shooting."""
    rows = pairs.order_by("alert__source_id", "other__source_id").values_list(
        "alert__source_id", "other__source_id", "distance_m", "minutes"
    )
    for alert_source_id, other_source_id, distance, minutes in rows.iterator(chunk_size=5000):
        yield [alert_source_id, other_source_id, round(distance, 1), round(minutes, 2)]

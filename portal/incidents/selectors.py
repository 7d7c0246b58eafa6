"""Reads of the incident side: lists, details with their links, map points, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.incidents.charts import MapPoint
from portal.incidents.choices import AlertType
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


def _link_count(**outer: Any) -> Coalesce:
    """The number of alert-incident links of each row, as a correlated subquery.

    Not Count() over a join: its GROUP BY makes PostgreSQL aggregate every
    visible row before it can take the first page (1.5 s at 200,000
    incidents), and the paginator's count() would repeat it. The subquery is
    computed for the page's rows only, and count() leaves it out.
    """
    links = (
        AlertIncidentLink.objects.filter(**{key: OuterRef(value) for key, value in outer.items()})
        .order_by()
        .values(*outer)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(links, output_field=IntegerField()), 0)


def incident_list(user: Any) -> QuerySet[Incident]:
    return (
        Incident.objects.visible_to(user)
        .select_related("agency")
        .annotate(alert_count=_link_count(incident="pk"))
        # The order of the index incident_list_order.
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
        .annotate(incident_count=_link_count(alert="pk"))
        # The order of the index alert_list_order.
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
    return _alert_point(
        alert.latitude,
        alert.longitude,
        alert.source_id,
        alert.fired_at,
        alert.fired_date,
        alert.alert_type,
    )


_ALERT_TYPE_LABELS = dict(AlertType.choices)


def _alert_point(
    latitude: float,
    longitude: float,
    source_id: str,
    fired_at: dt.datetime | None,
    fired_date: dt.date,
    alert_type: str,
) -> MapPoint:
    when = (
        timezone.localtime(fired_at).strftime("%Y-%m-%d %H:%M:%S")
        if fired_at
        else f"{fired_date:%Y-%m-%d} (date only)"
    )
    label = _ALERT_TYPE_LABELS.get(alert_type, alert_type)
    return MapPoint(
        latitude=latitude,
        longitude=longitude,
        label=f"Alert {source_id}<br>{when}<br>{label}",
        kind=alert_type,
    )


def incident_point(incident: Incident) -> MapPoint:
    return _incident_point(
        incident.latitude,
        incident.longitude,
        incident.incident_number,
        incident.occurred_date,
        incident.offense,
    )


def _incident_point(
    latitude: float, longitude: float, number: str, occurred_date: dt.date, offense: str
) -> MapPoint:
    return MapPoint(
        latitude=latitude,
        longitude=longitude,
        label=f"Incident {number}<br>{occurred_date:%Y-%m-%d}<br>{offense}",
    )


def map_layers(
    alerts: QuerySet[ShotSpotterAlert], user: Any, *, limit: int = 20_000
) -> tuple[list[MapPoint], list[MapPoint]]:
    """Alert points and the incident base layer over the same dates.

    Reads plain values, not model instances: at 20,000 points each, building
    models (and the list's per-row link count) took most of the page's time.
    """
    alert_rows = list(
        alerts.order_by("-fired_date", "-fired_at", "source_id").values_list(
            "latitude", "longitude", "source_id", "fired_at", "fired_date", "alert_type"
        )[:limit]
    )
    points = [_alert_point(*row) for row in alert_rows]
    if not alert_rows:
        return points, []
    first = min(row[4] for row in alert_rows)
    last = max(row[4] for row in alert_rows)
    incidents = (
        Incident.objects.visible_to(user)
        .filter(occurred_date__gte=first, occurred_date__lte=last)
        .values_list("latitude", "longitude", "incident_number", "occurred_date", "offense")[:limit]
    )
    return points, [_incident_point(*row) for row in incidents]


def recent_alerts(user: Any, *, hours: int = 24) -> QuerySet[ShotSpotterAlert]:
    since = timezone.now() - dt.timedelta(hours=hours)
    return (
        ShotSpotterAlert.objects.visible_to(user)
        .filter(fired_at__gte=since)
        .select_related("event")
        .annotate(incident_count=_link_count(alert="pk"))
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

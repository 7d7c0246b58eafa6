"""Reads of the incident side: lists, details with their links, map points, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
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


# The map draws each alert while the filtered set has at most this many; past it, the
# latest MAP_GRID_MAX alerts of the filter (and the incidents under them) are counted
# per grid cell in SQL.
MAP_RAW_POINTS_MAX = 5_000
MAP_GRID_MAX = 50_000
# Cells across the wider side of the area the map covers.
MAP_GRID_CELLS = 40
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class MapLayers:
    """What the alert map draws: alert points (or cells), the incident base layer, the grid."""

    alerts: list[MapPoint]
    base: list[MapPoint]
    # The side of a grid cell in degrees when the alerts were counted per cell, else None.
    cell_degrees: float | None = None
    # True when the cells hold only the latest MAP_GRID_MAX alerts of the filter.
    capped: bool = False

    @property
    def alert_count(self) -> int:
        return sum(point.count for point in self.alerts)

    @property
    def incident_count(self) -> int:
        return sum(point.count for point in self.base)

    @property
    def cell_metres(self) -> int | None:
        return None if self.cell_degrees is None else round(self.cell_degrees * METRES_PER_DEGREE)


def map_layers(
    alerts: QuerySet[ShotSpotterAlert],
    user: Any,
    *,
    raw_max: int = MAP_RAW_POINTS_MAX,
    grid_max: int = MAP_GRID_MAX,
) -> MapLayers:
    """Alert points and the incident base layer over the same dates.

    Reads plain values, not model instances, and never more than `raw_max`
    rows per layer: past that, the latest `grid_max` rows of the layer (read
    in the list's index order) are grouped per grid cell (and alert type) in
    SQL, each cell drawn once, sized by its count. Half a million alerts drawn
    one by one took 1.6 s; counting them all per cell still reads them all.
    Two queries per layer at most, whatever the data.
    """
    alert_rows = list(
        alerts.order_by().values_list(
            "latitude", "longitude", "source_id", "fired_at", "fired_date", "alert_type"
        )[: raw_max + 1]
    )
    if not alert_rows:
        return MapLayers([], [])
    if len(alert_rows) <= raw_max:
        points = [_alert_point(*row) for row in alert_rows]
        first = min(row[4] for row in alert_rows)
        last = max(row[4] for row in alert_rows)
        cell = None
    else:
        # The first rows' extent sets the cell size: a sample is enough for a grid.
        cell = _cell_degrees([(row[0], row[1]) for row in alert_rows])
        latest = alerts.order_by("-fired_date", "-fired_at", "source_id").values(
            "latitude", "longitude", "alert_type", "fired_date"
        )[:grid_max]
        points, first, last = _alert_cells(latest, cell)
    incidents = Incident.objects.visible_to(user).filter(
        occurred_date__gte=first, occurred_date__lte=last
    )
    incident_rows = list(
        incidents.order_by().values_list(
            "latitude", "longitude", "incident_number", "occurred_date", "offense"
        )[: raw_max + 1]
    )
    if len(incident_rows) <= raw_max:
        base = [_incident_point(*row) for row in incident_rows]
    else:
        cell = cell or _cell_degrees([(row[0], row[1]) for row in incident_rows])
        latest_incidents = incidents.order_by(
            "-occurred_date", "-occurred_at", "incident_number"
        ).values("latitude", "longitude")[:grid_max]
        base = _incident_cells(latest_incidents, cell)
    return MapLayers(points, base, cell, capped=sum(p.count for p in points) >= grid_max)


def _cell_degrees(sample: list[tuple[float, float]]) -> float:
    latitudes = [point[0] for point in sample]
    longitudes = [point[1] for point in sample]
    span = max(max(latitudes) - min(latitudes), max(longitudes) - min(longitudes))
    return max(span / MAP_GRID_CELLS, 0.0005)


def _grid_rows(rows: QuerySet[Any], cell: float, columns: str, group: str) -> list[tuple[Any, ...]]:
    """`columns` aggregated per grid cell over the (sliced, ordered) `rows` subquery."""
    inner, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM ({inner}) AS latest "  # noqa: S608 - constant fragments
            f"GROUP BY {group} floor(latitude / %s), floor(longitude / %s)",
            [*params, cell, cell],
        )
        return cursor.fetchall()


def _alert_cells(latest: QuerySet[Any], cell: float) -> tuple[list[MapPoint], dt.date, dt.date]:
    rows = _grid_rows(
        latest,
        cell,
        "avg(latitude), avg(longitude), alert_type, count(*), min(fired_date), max(fired_date)",
        "alert_type,",
    )
    points = []
    for latitude, longitude, alert_type, n, first, last in rows:
        label = _ALERT_TYPE_LABELS.get(alert_type, alert_type)
        when = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        points.append(
            MapPoint(
                latitude=latitude,
                longitude=longitude,
                label=f"{n} alert{'s' if n != 1 else ''} ({label})<br>{when}",
                kind=alert_type,
                count=n,
            )
        )
    first_day = min(row[4] for row in rows) if rows else dt.date.min
    last_day = max(row[5] for row in rows) if rows else dt.date.max
    return points, first_day, last_day


def _incident_cells(latest: QuerySet[Any], cell: float) -> list[MapPoint]:
    rows = _grid_rows(latest, cell, "avg(latitude), avg(longitude), count(*)", "")
    return [
        MapPoint(
            latitude=latitude,
            longitude=longitude,
            label=f"{n} incident{'s' if n != 1 else ''}",
            count=n,
        )
        for latitude, longitude, n in rows
    ]


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

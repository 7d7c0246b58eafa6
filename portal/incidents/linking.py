"""Linking alerts to incidents and alerts to each other, set-based in SQL on core PostgreSQL.

No PostGIS or earthdistance: a bounding box on latitude/longitude narrows
the candidates (with the time index doing most of the work), then the
haversine distance decides. Every statement is an upsert keyed by the pair,
and links of the alerts in scope that no longer hold are removed, so a
re-run never duplicates and always converges.

The radius is widened by the rounding uncertainty of both points (public
exports round to about 100 m or 1 km), and the link records the radius it
used.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.incidents.choices import LinkRule
from portal.incidents.geo import HAVERSINE_SQL, METRES_PER_DEGREE_LATITUDE
from portal.incidents.models import ShootingEvent, ShotSpotterAlert


@dataclass(frozen=True)
class LinkParams:
    """The linking rules' figures; defaults from settings (PORTAL_ALERT_*)."""

    radius_m: float = 250.0
    minutes_before: int = 30
    minutes_after: int = 60
    cluster_radius_m: float = 100.0
    cluster_minutes: int = 5

    @classmethod
    def from_settings(cls) -> LinkParams:
        return cls(
            radius_m=float(settings.PORTAL_ALERT_LINK_RADIUS_M),
            minutes_before=int(settings.PORTAL_ALERT_LINK_MINUTES_BEFORE),
            minutes_after=int(settings.PORTAL_ALERT_LINK_MINUTES_AFTER),
            cluster_radius_m=float(settings.PORTAL_ALERT_CLUSTER_RADIUS_M),
            cluster_minutes=int(settings.PORTAL_ALERT_CLUSTER_MINUTES),
        )


@dataclass(frozen=True)
class Scope:
    """Which alerts to (re)link: some ids, or an agency's alerts between two dates."""

    alert_ids: tuple[int, ...] = ()
    agency_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def where(self, alias: str) -> tuple[str, dict[str, Any]]:
        if self.agency_id is not None:
            return (
                f"{alias}.agency_id = %(scope_agency)s AND "
                f"{alias}.fired_date BETWEEN %(scope_from)s AND %(scope_to)s",
                {
                    "scope_agency": self.agency_id,
                    "scope_from": self.date_from or dt.date.min,
                    "scope_to": self.date_to or dt.date.max,
                },
            )
        return f"{alias}.id = ANY(%(scope_ids)s::bigint[])", {"scope_ids": list(self.alert_ids)}


def _distance(a: str, b: str) -> str:
    return HAVERSINE_SQL.format(
        lat1=f"{a}.latitude", lon1=f"{a}.longitude", lat2=f"{b}.latitude", lon2=f"{b}.longitude"
    )


def _bounding_box(a: str, b: str, radius: str) -> str:
    """b lies in the box of half-side `radius` metres around a (an index-friendly prefilter)."""
    dlat = f"(({radius}) / {METRES_PER_DEGREE_LATITUDE})"
    dlon = f"({dlat} / greatest(cos(radians({a}.latitude)), 0.01))"
    return (
        f"{b}.latitude BETWEEN {a}.latitude - {dlat} AND {a}.latitude + {dlat} "
        f"AND {b}.longitude BETWEEN {a}.longitude - {dlon} AND {a}.longitude + {dlon}"
    )


_ALERT_INCIDENT_SQL = """
WITH scoped AS (
    SELECT a.id, a.agency_id, a.latitude, a.longitude, a.fired_at, a.fired_date,
           a.location_uncertainty_m AS uncertainty
    FROM incidents_shotspotteralert a
    WHERE {scope}
),
candidates AS (
    -- LATERAL with OFFSET 0 (which keeps the planner from flattening it): one index
    -- range scan per alert (agency, time window). A plain join lets the planner,
    -- blind to the CTE's size, merge-join on the agency alone: quadratic in the
    -- agency's alerts (17 s for 12,000 alerts; hours for a state).
    SELECT a.id AS alert_id, i.id AS incident_id, a.agency_id,
           '{rule_window}' AS rule, i.minutes, i.radius_m, i.distance_m
    FROM scoped a
    CROSS JOIN LATERAL (
        SELECT i.id,
               EXTRACT(EPOCH FROM (i.occurred_at - a.fired_at)) / 60.0 AS minutes,
               %(radius)s + a.uncertainty + i.location_uncertainty_m AS radius_m,
               {distance} AS distance_m
        FROM incidents_incident i
        WHERE i.agency_id = a.agency_id
          AND i.occurred_at BETWEEN a.fired_at - make_interval(mins => %(before)s)
                                AND a.fired_at + make_interval(mins => %(after)s)
          AND {box}
        OFFSET 0
    ) i
    WHERE a.fired_at IS NOT NULL
    UNION ALL
    -- A timed alert and a date-only incident of its day (partial index on date-only).
    SELECT a.id, i.id, a.agency_id, '{rule_day}', NULL, i.radius_m, i.distance_m
    FROM scoped a
    CROSS JOIN LATERAL (
        SELECT i.id, %(radius)s + a.uncertainty + i.location_uncertainty_m AS radius_m,
               {distance} AS distance_m
        FROM incidents_incident i
        WHERE i.agency_id = a.agency_id AND i.occurred_date = a.fired_date
          AND i.occurred_at IS NULL AND {box}
        OFFSET 0
    ) i
    WHERE a.fired_at IS NOT NULL
    UNION ALL
    -- A date-only alert and every incident of its day.
    SELECT a.id, i.id, a.agency_id, '{rule_day}', NULL, i.radius_m, i.distance_m
    FROM scoped a
    CROSS JOIN LATERAL (
        SELECT i.id, %(radius)s + a.uncertainty + i.location_uncertainty_m AS radius_m,
               {distance} AS distance_m
        FROM incidents_incident i
        WHERE i.agency_id = a.agency_id AND i.occurred_date = a.fired_date AND {box}
        OFFSET 0
    ) i
    WHERE a.fired_at IS NULL
),
matched AS (
    SELECT * FROM candidates WHERE distance_m <= radius_m
),
removed AS (
    DELETE FROM incidents_alertincidentlink link
    USING scoped a
    WHERE link.alert_id = a.id
      AND NOT EXISTS (
          SELECT 1 FROM matched m
          WHERE m.alert_id = link.alert_id AND m.incident_id = link.incident_id)
    RETURNING 1
),
written AS (
    INSERT INTO incidents_alertincidentlink
        (agency_id, alert_id, incident_id, distance_m, minutes, rule, radius_m,
         created_at, updated_at)
    SELECT agency_id, alert_id, incident_id, distance_m, minutes, rule, radius_m,
           %(now)s, %(now)s
    FROM matched
    ON CONFLICT (alert_id, incident_id) DO UPDATE
       SET distance_m = EXCLUDED.distance_m, minutes = EXCLUDED.minutes,
           rule = EXCLUDED.rule, radius_m = EXCLUDED.radius_m, updated_at = EXCLUDED.updated_at
       WHERE (incidents_alertincidentlink.distance_m, incidents_alertincidentlink.minutes,
              incidents_alertincidentlink.rule, incidents_alertincidentlink.radius_m)
             IS DISTINCT FROM
             (EXCLUDED.distance_m, EXCLUDED.minutes, EXCLUDED.rule, EXCLUDED.radius_m)
    RETURNING (xmax = 0) AS inserted
)
SELECT (SELECT count(*) FROM matched),
       (SELECT count(*) FROM written WHERE inserted),
       (SELECT count(*) FROM written WHERE NOT inserted),
       (SELECT count(*) FROM removed)
"""


_ALERT_PAIR_SQL = """
WITH scoped AS (
    SELECT a.id, a.agency_id, a.latitude, a.longitude, a.fired_at,
           a.location_uncertainty_m AS uncertainty
    FROM incidents_shotspotteralert a
    WHERE {scope} AND a.fired_at IS NOT NULL
),
candidates AS (
    -- LATERAL: one index range scan per alert (see the incident query).
    SELECT least(a.id, b.id) AS alert_id, greatest(a.id, b.id) AS other_id, a.agency_id,
           b.minutes, b.radius_m, b.distance_m
    FROM scoped a
    CROSS JOIN LATERAL (
        SELECT b.id,
               CASE WHEN a.id < b.id
                    THEN EXTRACT(EPOCH FROM (b.fired_at - a.fired_at)) / 60.0
                    ELSE EXTRACT(EPOCH FROM (a.fired_at - b.fired_at)) / 60.0 END AS minutes,
               %(radius)s + a.uncertainty + b.location_uncertainty_m AS radius_m,
               {distance} AS distance_m
        FROM incidents_shotspotteralert b
        WHERE b.agency_id = a.agency_id
          AND b.id <> a.id
          AND b.fired_at BETWEEN a.fired_at - make_interval(mins => %(minutes)s)
                             AND a.fired_at + make_interval(mins => %(minutes)s)
          AND {box}
        OFFSET 0
    ) b
),
matched AS (
    SELECT DISTINCT ON (alert_id, other_id) * FROM candidates WHERE distance_m <= radius_m
    ORDER BY alert_id, other_id
),
removed AS (
    DELETE FROM incidents_alertpairlink link
    USING scoped a
    WHERE (link.alert_id = a.id OR link.other_id = a.id)
      AND NOT EXISTS (
          SELECT 1 FROM matched m
          WHERE m.alert_id = link.alert_id AND m.other_id = link.other_id)
    RETURNING link.alert_id, link.other_id
),
written AS (
    INSERT INTO incidents_alertpairlink
        (agency_id, alert_id, other_id, distance_m, minutes, rule, created_at, updated_at)
    SELECT agency_id, alert_id, other_id, distance_m, minutes, '{rule}', %(now)s, %(now)s
    FROM matched
    ON CONFLICT (alert_id, other_id) DO UPDATE
       SET distance_m = EXCLUDED.distance_m, minutes = EXCLUDED.minutes,
           updated_at = EXCLUDED.updated_at
       WHERE (incidents_alertpairlink.distance_m, incidents_alertpairlink.minutes)
             IS DISTINCT FROM (EXCLUDED.distance_m, EXCLUDED.minutes)
    RETURNING (xmax = 0) AS inserted
)
SELECT (SELECT count(*) FROM matched),
       (SELECT count(*) FROM written WHERE inserted),
       (SELECT count(*) FROM removed)
"""


@dataclass
class LinkReport:
    incident_links: int = 0
    incident_links_created: int = 0
    incident_links_updated: int = 0
    incident_links_removed: int = 0
    alert_pairs: int = 0
    alert_pairs_created: int = 0
    shooting_events: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def link_alerts(scope: Scope, params: LinkParams | None = None) -> LinkReport:
    """Link the alerts in scope to incidents and to each other; group them into shootings."""
    params = params or LinkParams.from_settings()
    report = LinkReport()
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        where, scope_params = scope.where("a")
        _lock_agencies(cursor, scope)
        sql = _ALERT_INCIDENT_SQL.format(
            scope=where,
            distance=_distance("a", "i"),
            box=_bounding_box("a", "i", "%(radius)s + a.uncertainty + i.location_uncertainty_m"),
            rule_window=LinkRule.RADIUS_WINDOW.value,
            rule_day=LinkRule.SAME_DAY.value,
        )
        cursor.execute(
            sql,
            {
                **scope_params,
                "radius": params.radius_m,
                "before": params.minutes_before,
                "after": params.minutes_after,
                "now": now,
            },
        )
        row = cursor.fetchone()
        assert row is not None
        (
            report.incident_links,
            report.incident_links_created,
            report.incident_links_updated,
            report.incident_links_removed,
        ) = (int(value) for value in row)

        sql = _ALERT_PAIR_SQL.format(
            scope=where,
            distance=_distance("a", "b"),
            box=_bounding_box("a", "b", "%(radius)s + a.uncertainty + b.location_uncertainty_m"),
            rule=LinkRule.CLUSTER.value,
        )
        cursor.execute(
            sql,
            {
                **scope_params,
                "radius": params.cluster_radius_m,
                "minutes": params.cluster_minutes,
                "now": now,
            },
        )
        row = cursor.fetchone()
        assert row is not None
        report.alert_pairs, report.alert_pairs_created = int(row[0]), int(row[1])
        report.shooting_events = _group_into_events(cursor, scope)
    return report


def _lock_agencies(cursor: Any, scope: Scope) -> None:
    """One linking run per agency at a time.

    Two live alerts of one shooting linked by two workers at once must not
    build two events, nor race on the same pair links.
    """
    if scope.agency_id is not None:
        agency_ids = [scope.agency_id]
    else:
        cursor.execute(
            "SELECT DISTINCT agency_id FROM incidents_shotspotteralert "
            "WHERE id = ANY(%s::bigint[]) "
            "ORDER BY agency_id",
            [list(scope.alert_ids)],
        )
        agency_ids = [row[0] for row in cursor.fetchall()]
    for agency_id in agency_ids:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [4004, agency_id])


def _scope_alert_ids(cursor: Any, scope: Scope) -> list[int]:
    if scope.agency_id is None:
        return list(scope.alert_ids)
    where, scope_params = scope.where("a")
    cursor.execute(f"SELECT a.id FROM incidents_shotspotteralert a WHERE {where}", scope_params)  # noqa: S608
    return [row[0] for row in cursor.fetchall()]


def _group_into_events(cursor: Any, scope: Scope) -> int:
    """Alerts joined by pair links (directly or in a chain) form one shooting event.

    Walks the pair links outward from the alerts in scope until the
    components are closed, then gives each component of two or more alerts
    one event (keeping the lowest existing event id, so re-runs change
    nothing). Returns the number of events the scope's alerts belong to.
    """
    seeds = _scope_alert_ids(cursor, scope)
    if not seeds:
        return 0
    members: set[int] = set(seeds)
    frontier = list(seeds)
    edges: list[tuple[int, int]] = []
    seen_edges: set[tuple[int, int]] = set()
    while frontier:
        cursor.execute(
            "SELECT alert_id, other_id FROM incidents_alertpairlink "
            "WHERE alert_id = ANY(%(ids)s::bigint[]) OR other_id = ANY(%(ids)s::bigint[])",
            {"ids": frontier},
        )
        frontier = []
        for alert_id, other_id in cursor.fetchall():
            if (alert_id, other_id) in seen_edges:
                continue
            seen_edges.add((alert_id, other_id))
            edges.append((alert_id, other_id))
            for node in (alert_id, other_id):
                if node not in members:
                    members.add(node)
                    frontier.append(node)

    parent = {node: node for node in members}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in edges:
        root_left, root_right = find(left), find(right)
        if root_left != root_right:
            parent[max(root_left, root_right)] = min(root_left, root_right)
    components: dict[int, list[int]] = defaultdict(list)
    for node in members:
        components[find(node)].append(node)

    alerts = {
        row["id"]: row
        for row in ShotSpotterAlert.objects.filter(pk__in=list(members)).values(
            "id", "agency_id", "event_id", "fired_at", "latitude", "longitude"
        )
    }
    old_events = {row["event_id"] for row in alerts.values() if row["event_id"]}
    assignment: dict[int, int | None] = {}
    new_events: list[tuple[ShootingEvent, list[int]]] = []
    kept_events: dict[int, list[int]] = {}
    for nodes in components.values():
        nodes = [node for node in nodes if node in alerts]
        if len(nodes) < 2:
            for node in nodes:
                assignment[node] = None
            continue
        existing = sorted({alerts[n]["event_id"] for n in nodes if alerts[n]["event_id"]})
        if existing and existing[0] not in kept_events:
            kept_events[existing[0]] = nodes
        else:
            first = alerts[nodes[0]]
            event = ShootingEvent(
                agency_id=first["agency_id"],
                first_fired_at=first["fired_at"],
                last_fired_at=first["fired_at"],
                latitude=first["latitude"],
                longitude=first["longitude"],
            )
            new_events.append((event, nodes))
    ShootingEvent.objects.bulk_create([event for event, _ in new_events], batch_size=2000)
    for event, nodes in new_events:
        kept_events[event.pk] = nodes
    for event_id, nodes in kept_events.items():
        for node in nodes:
            assignment[node] = event_id
    changed = [(node, ev) for node, ev in assignment.items() if alerts[node]["event_id"] != ev]
    if changed:
        cursor.execute(
            "UPDATE incidents_shotspotteralert a SET event_id = v.event_id "
            "FROM unnest(%(ids)s::bigint[], %(events)s::bigint[]) AS v(id, event_id) "
            "WHERE a.id = v.id",
            {"ids": [node for node, _ in changed], "events": [ev for _, ev in changed]},
        )
    touched = list(set(kept_events) | old_events)
    if touched:
        cursor.execute(
            """
            UPDATE incidents_shootingevent e
               SET first_fired_at = s.first_at, last_fired_at = s.last_at,
                   latitude = s.lat, longitude = s.lon, alert_count = s.n, updated_at = now()
              FROM (SELECT event_id, min(fired_at) AS first_at, max(fired_at) AS last_at,
                           avg(latitude) AS lat, avg(longitude) AS lon, count(*) AS n
                      FROM incidents_shotspotteralert
                     WHERE event_id = ANY(%(ids)s::bigint[]) GROUP BY event_id) s
             WHERE e.id = s.event_id
            """,
            {"ids": touched},
        )
        cursor.execute(
            "DELETE FROM incidents_shootingevent e WHERE e.id = ANY(%(ids)s::bigint[]) "
            "AND NOT EXISTS "
            "(SELECT 1 FROM incidents_shotspotteralert a WHERE a.event_id = e.id)",
            {"ids": touched},
        )
    seed_set = set(seeds)
    return len({ev for node, ev in assignment.items() if ev is not None and node in seed_set})

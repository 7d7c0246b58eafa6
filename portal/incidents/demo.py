"""Synthetic incidents, persons and ShotSpotter alerts of the demo city, linked.

Shootings get one to three alerts a few metres and minutes away (the links
and shooting events that linking must find, written to
ctx.truth["incidents"]); other alerts are scattered over the city, some of
them fireworks. Times are laid out backwards from today's midnight (UTC) so
the live view has alerts of the last 24 hours; the layout is deterministic
for a given seed.

Every scale runs the same code: rows are generated in batches of
BATCH_INCIDENTS incidents and written with COPY (portal.bulk), so memory
stays flat from the small demo to the state (200,000 incidents, 500,000
alerts); linking then runs once per agency, set-based. At the state scale
the ground truth keeps every count but lists the planted links and events
of only every TRUTH_SAMPLE_EVERY-th shooting (see truth_stride()), so the
JSON stays small; at the small and city scales it lists all of them.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.utils import timezone

from portal.bulk import analyze, copy_rows, reserve_ids
from portal.demo import DemoContext
from portal.incidents.choices import AlertType, PersonRole, ReceivedVia
from portal.incidents.geo import offset
from portal.incidents.linking import Scope, link_alerts
from portal.incidents.models import (
    AlertIncidentLink,
    AlertPairLink,
    Incident,
    IncidentPerson,
    ShootingEvent,
    ShotSpotterAlert,
)

ORDER = 20

BATCH_INCIDENTS = 20_000
# At most this many planted links are listed in the ground truth (a sample past it).
TRUTH_MAX_LINKS = 5_000
# The last 24 hours are busy (the live view), but a state does not see 25,000 alerts a day.
RECENT_INCIDENTS_MAX = 200
RECENT_ALERTS_MAX = 800

INCIDENT_FIELDS = [
    "id",
    "agency_id",
    "incident_number",
    "occurred_at",
    "occurred_date",
    "occurred_date_only",
    "reported_at",
    "offense",
    "ncic_code",
    "weapon",
    "address",
    "latitude",
    "longitude",
    "coordinate_decimals",
    "district",
    "beat",
    "killed",
    "injured",
    "narrative",
]
PERSON_FIELDS = [
    "agency_id",
    "incident_id",
    "person_key",
    "role",
    "last_name",
    "first_name",
    "age",
    "sex",
    "race",
    "city",
    "state",
    "fatal",
]
ALERT_FIELDS = [
    "agency_id",
    "source_id",
    "fired_at",
    "fired_date",
    "latitude",
    "longitude",
    "coordinate_decimals",
    "alert_type",
    "rounds",
    "coverage_area",
    "beat",
    "received_via",
]

# The demo city's centre and the county's (made-up places on the map).
CENTRES = {"city": (39.2904, -76.6122), "county": (39.4015, -76.6019)}
SPREAD_M = {"city": 6000.0, "county": 9000.0}

SHOOTING_OFFENSES = [("AGGRAVATED ASSAULT - GUN", "1313"), ("HOMICIDE - GUN", "0912")]
OTHER_OFFENSES = [
    ("ROBBERY - GUN", "1201"),
    ("ROBBERY - STREET", "1299"),
    ("BURGLARY", "2299"),
    ("THEFT FROM AUTO", "2399"),
    ("WEAPONS VIOLATION", "5212"),
    ("SHOTS FIRED - NO INJURY", "5299"),
]
LAST_NAMES = [
    "ALDER",
    "BRANT",
    "CALLOWAY",
    "DUNMORE",
    "ELLISON",
    "FARROW",
    "GARLAND",
    "HOLLIS",
    "IVERS",
    "JASPER",
    "KESTREL",
    "LANGLEY",
    "MARLOW",
    "NORCROSS",
    "OAKLEY",
    "PRENTICE",
]
FIRST_NAMES = [
    "AVERY",
    "BLAKE",
    "CAMERON",
    "DREW",
    "EMERSON",
    "FINLEY",
    "GRAY",
    "HAYDEN",
    "JORDAN",
    "KENDALL",
    "LOGAN",
    "MORGAN",
    "PARKER",
    "QUINN",
    "REESE",
    "SAGE",
]
STREETS = [
    "MAPLE AVE",
    "HARBOR ST",
    "LINDEN WAY",
    "MILL RD",
    "CEDAR ST",
    "PARK HEIGHTS AVE",
    "NORTH AVE",
    "RIDGE RD",
    "UNION ST",
    "WATER ST",
]


def _place(ctx: DemoContext, key: str) -> tuple[float, float]:
    lat, lon = CENTRES[key]
    spread = SPREAD_M[key]
    return offset(
        lat, lon, north_m=ctx.rng.uniform(-spread, spread), east_m=ctx.rng.uniform(-spread, spread)
    )


def _address(ctx: DemoContext) -> str:
    return f"{ctx.rng.randrange(1, 60) * 100} BLOCK OF {ctx.rng.choice(STREETS)}"


def truth_stride(incidents: int) -> int:
    """List the planted links of every n-th incident: all of them up to the city scale."""
    # About 0.6 planted links per incident (45 % shootings, 75 % of them heard, 1.75 alerts).
    return max(1, (incidents * 6 // 10) // TRUTH_MAX_LINKS + 1) if incidents > 50_000 else 1


def seed(ctx: DemoContext) -> None:
    anchor = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    tz = timezone.get_current_timezone()
    agency_ids = {key: ctx.agencies[key].pk for key in ("city", "county")}
    total_incidents = ctx.scale.incidents
    stride = truth_stride(total_incidents)
    planted_links: list[list[str]] = []
    planted_events: list[list[str]] = []
    counts = {"incidents": 0, "persons": 0, "alerts": 0, "planted_links": 0, "planted_events": 0}
    shootings = 0
    alert_number = 0

    def alert_row(key: str, fired_at: dt.datetime, lat: float, lon: float, kind: str) -> tuple:
        nonlocal alert_number
        alert_number += 1
        return (
            agency_ids[key],
            f"DEMO{alert_number:07d}",
            fired_at,
            fired_at.astimezone(tz).date(),
            round(lat, 6),
            round(lon, 6),
            6,
            kind,
            1 if kind == AlertType.SINGLE_GUNSHOT else ctx.rng.randint(2, 12),
            f"{key.upper()}-{ctx.rng.randint(1, 6)}",
            str(ctx.rng.randint(100, 999)),
            ReceivedVia.DEMO.value,
        )

    started = time.perf_counter()
    for batch_start in range(0, total_incidents, BATCH_INCIDENTS):
        batch_end = min(total_incidents, batch_start + BATCH_INCIDENTS)
        ids = reserve_ids(Incident, batch_end - batch_start)
        incidents: list[tuple[Any, ...]] = []
        persons: list[list[Any]] = []
        alerts: list[tuple[Any, ...]] = []
        for index, incident_id in zip(range(batch_start, batch_end), ids, strict=True):
            key = "county" if index % 5 == 4 else "city"
            # Spread over the last year, with the last day always busy.
            if index % 25 == 0 and index // 25 < RECENT_INCIDENTS_MAX:
                occurred = anchor + dt.timedelta(hours=ctx.rng.uniform(-23.5, 0))
            else:
                occurred = anchor - dt.timedelta(minutes=ctx.rng.uniform(24 * 60, 365 * 24 * 60))
            is_shooting = ctx.rng.random() < 0.45
            offense, ncic = ctx.rng.choice(SHOOTING_OFFENSES if is_shooting else OTHER_OFFENSES)
            date_only = not is_shooting and ctx.rng.random() < 0.08
            lat, lon = _place(ctx, key)
            number = f"{occurred:%y}-{index + 1:06d}"
            killed = 1 if offense.startswith("HOMICIDE") else 0
            injured = ctx.rng.randint(1, 3) if is_shooting and not killed else 0
            incidents.append(
                (
                    incident_id,
                    agency_ids[key],
                    number,
                    None if date_only else occurred,
                    occurred.astimezone(tz).date(),
                    date_only,
                    occurred + dt.timedelta(minutes=ctx.rng.randint(3, 90)),
                    offense,
                    ncic,
                    "GUN" if "GUN" in offense or "SHOTS" in offense else "",
                    _address(ctx),
                    round(lat, 6),
                    round(lon, 6),
                    6,
                    f"D{ctx.rng.randint(1, 9)}",
                    str(ctx.rng.randint(100, 999)),
                    killed,
                    injured,
                    "Synthetic demo incident.",
                )
            )
            for _ in range(killed + injured):
                persons.append(
                    _person(ctx, PersonRole.VICTIM, bool(killed), agency_ids[key], incident_id)
                )
            if is_shooting and ctx.rng.random() < 0.3:
                persons.append(_person(ctx, PersonRole.SUSPECT, None, agency_ids[key], incident_id))
            if is_shooting and ctx.rng.random() < 0.75 and not date_only:
                shootings += 1
                # The alert comes within minutes of the shots, a few metres from the scene.
                fired = occurred + dt.timedelta(minutes=ctx.rng.uniform(-2, 8))
                count = ctx.rng.choice([1, 1, 2, 3])
                event = []
                for shot in range(count):
                    alat, alon = offset(
                        lat, lon, north_m=ctx.rng.uniform(-35, 35), east_m=ctx.rng.uniform(-35, 35)
                    )
                    kind = AlertType.MULTIPLE_GUNSHOTS if shot == 0 else AlertType.SINGLE_GUNSHOT
                    row = alert_row(key, fired + dt.timedelta(seconds=40 * shot), alat, alon, kind)
                    alerts.append(row)
                    event.append(row[1])
                counts["planted_links"] += count
                counts["planted_events"] += count > 1
                if index % stride == 0:
                    planted_links.extend([source_id, number] for source_id in event)
                    if count > 1:
                        planted_events.append(event)
        for person in persons:
            counts["persons"] += 1
            person[2] = f"demo-{counts['persons'] - 1}"
        counts["incidents"] += copy_rows(Incident, INCIDENT_FIELDS, incidents)
        copy_rows(IncidentPerson, PERSON_FIELDS, persons)
        counts["alerts"] += copy_rows(ShotSpotterAlert, ALERT_FIELDS, alerts)

    # Alerts with no report: celebratory fire, fireworks, unreported shots.
    remaining = max(0, ctx.scale.alerts - counts["alerts"])
    kinds = [
        AlertType.SINGLE_GUNSHOT,
        AlertType.MULTIPLE_GUNSHOTS,
        AlertType.GUNSHOT_OR_FIRECRACKER,
    ]

    def unreported() -> Any:
        for index in range(remaining):
            key = "county" if index % 5 == 4 else "city"
            if index % 20 == 0 and index // 20 < RECENT_ALERTS_MAX:
                fired = anchor + dt.timedelta(hours=ctx.rng.uniform(-23.5, 0))
            else:
                fired = anchor - dt.timedelta(minutes=ctx.rng.uniform(24 * 60, 365 * 24 * 60))
            kind = ctx.rng.choice(kinds)
            lat, lon = _place(ctx, key)
            yield alert_row(key, fired, lat, lon, kind)

    counts["alerts"] += copy_rows(ShotSpotterAlert, ALERT_FIELDS, unreported())
    analyze(Incident, IncidentPerson, ShotSpotterAlert)

    written = time.perf_counter()
    reports: dict[str, Any] = {}
    for key in ("city", "county"):
        report = link_alerts(Scope(agency_id=agency_ids[key]))
        reports[key] = report.as_dict()
    analyze(AlertIncidentLink, AlertPairLink, ShootingEvent)

    ctx.truth["incidents"] = {
        "anchor": anchor.isoformat(),
        "incidents": counts["incidents"],
        "persons": counts["persons"],
        "alerts": counts["alerts"],
        "shootings_with_alerts": shootings,
        "planted_links_total": counts["planted_links"],
        "planted_events_total": counts["planted_events"],
        # 1: every planted link and event is listed; n: those of every n-th incident.
        "truth_sample_every": stride,
        "planted_links": planted_links,
        "planted_events": planted_events,
        "link_reports": reports,
    }
    ctx.say(
        f"{counts['incidents']} incidents, {counts['persons']} persons, "
        f"{counts['alerts']} ShotSpotter alerts; "
        f"{sum(r['incident_links'] for r in reports.values())} alert-incident links "
        f"(written in {written - started:.1f} s, linked in {time.perf_counter() - written:.1f} s)"
    )


def _person(
    ctx: DemoContext, role: str, fatal: bool | None, agency_id: int, incident_id: int
) -> list[Any]:
    # The person key (index 2) is numbered by the caller, in the order persons are written.
    return [
        agency_id,
        incident_id,
        "",
        role,
        ctx.rng.choice(LAST_NAMES),
        ctx.rng.choice(FIRST_NAMES),
        ctx.rng.randint(15, 58),
        ctx.rng.choice(["M", "M", "M", "F"]),
        ctx.rng.choice(["B", "W", "H", "A"]),
        "METRO CITY",
        "MD",
        fatal if role == PersonRole.VICTIM else None,
    ]

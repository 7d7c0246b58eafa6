"""Synthetic incidents, persons and ShotSpotter alerts of the demo city, linked.

Shootings get one to three alerts a few metres and minutes away (the links
and shooting events that linking must find, written to
ctx.truth["incidents"]); other alerts are scattered over the city, some of
them fireworks. Times are laid out backwards from today's midnight (UTC) so
the live view has alerts of the last 24 hours; the layout is deterministic
for a given seed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from portal.demo import DemoContext
from portal.incidents.choices import AlertType, PersonRole, ReceivedVia
from portal.incidents.geo import offset
from portal.incidents.linking import Scope, link_alerts
from portal.incidents.models import Incident, IncidentPerson, ShotSpotterAlert

ORDER = 20

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


def seed(ctx: DemoContext) -> None:
    anchor = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    tz = timezone.get_current_timezone()
    incidents: list[Incident] = []
    persons: list[tuple[int, IncidentPerson]] = []
    alerts: list[ShotSpotterAlert] = []
    planted_links: list[list[str]] = []
    planted_events: list[list[str]] = []
    alert_number = 0

    def new_alert(key: str, fired_at: dt.datetime, lat: float, lon: float, kind: str) -> str:
        nonlocal alert_number
        alert_number += 1
        source_id = f"DEMO{alert_number:07d}"
        alerts.append(
            ShotSpotterAlert(
                agency=ctx.agencies[key],
                source_id=source_id,
                fired_at=fired_at,
                fired_date=fired_at.astimezone(tz).date(),
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                coordinate_decimals=6,
                alert_type=kind,
                rounds=1 if kind == AlertType.SINGLE_GUNSHOT else ctx.rng.randint(2, 12),
                coverage_area=f"{key.upper()}-{ctx.rng.randint(1, 6)}",
                beat=str(ctx.rng.randint(100, 999)),
                received_via=ReceivedVia.DEMO,
            )
        )
        return source_id

    total_incidents = ctx.scale.incidents
    shootings = 0
    for index in range(total_incidents):
        key = "county" if index % 5 == 4 else "city"
        # Spread over the last year, with the last day always busy.
        if index % 25 == 0:
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
            Incident(
                agency=ctx.agencies[key],
                incident_number=number,
                occurred_at=None if date_only else occurred,
                occurred_date=occurred.astimezone(tz).date(),
                occurred_date_only=date_only,
                reported_at=occurred + dt.timedelta(minutes=ctx.rng.randint(3, 90)),
                offense=offense,
                ncic_code=ncic,
                weapon="GUN" if "GUN" in offense or "SHOTS" in offense else "",
                address=_address(ctx),
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                coordinate_decimals=6,
                district=f"D{ctx.rng.randint(1, 9)}",
                beat=str(ctx.rng.randint(100, 999)),
                killed=killed,
                injured=injured,
                narrative="Synthetic demo incident.",
            )
        )
        for _ in range(killed + injured):
            persons.append((index, _person(ctx, PersonRole.VICTIM, fatal=bool(killed))))
        if is_shooting and ctx.rng.random() < 0.3:
            persons.append((index, _person(ctx, PersonRole.SUSPECT, fatal=None)))
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
                source_id = new_alert(
                    key, fired + dt.timedelta(seconds=40 * shot), alat, alon, kind
                )
                planted_links.append([source_id, number])
                event.append(source_id)
            if len(event) > 1:
                planted_events.append(event)

    # Alerts with no report: celebratory fire, fireworks, unreported shots.
    remaining = max(0, ctx.scale.alerts - len(alerts))
    for index in range(remaining):
        key = "county" if index % 5 == 4 else "city"
        if index % 20 == 0:
            fired = anchor + dt.timedelta(hours=ctx.rng.uniform(-23.5, 0))
        else:
            fired = anchor - dt.timedelta(minutes=ctx.rng.uniform(24 * 60, 365 * 24 * 60))
        kind = ctx.rng.choice(
            [
                AlertType.SINGLE_GUNSHOT,
                AlertType.MULTIPLE_GUNSHOTS,
                AlertType.GUNSHOT_OR_FIRECRACKER,
            ]
        )
        lat, lon = _place(ctx, key)
        new_alert(key, fired, lat, lon, kind)

    Incident.objects.bulk_create(incidents, batch_size=2000)
    for index, person in persons:
        person.incident = incidents[index]
        person.agency_id = incidents[index].agency_id
    for position, (_, person) in enumerate(persons):
        person.person_key = f"demo-{position}"
    IncidentPerson.objects.bulk_create([person for _, person in persons], batch_size=2000)
    ShotSpotterAlert.objects.bulk_create(alerts, batch_size=2000)

    reports: dict[str, Any] = {}
    for key in ("city", "county"):
        report = link_alerts(Scope(agency_id=ctx.agencies[key].pk))
        reports[key] = report.as_dict()

    ctx.truth["incidents"] = {
        "anchor": anchor.isoformat(),
        "incidents": len(incidents),
        "persons": len(persons),
        "alerts": len(alerts),
        "shootings_with_alerts": shootings,
        "planted_links": planted_links,
        "planted_events": planted_events,
        "link_reports": reports,
    }
    ctx.say(
        f"{len(incidents)} incidents, {len(persons)} persons, {len(alerts)} ShotSpotter alerts; "
        f"{sum(r['incident_links'] for r in reports.values())} alert-incident links"
    )


def _person(ctx: DemoContext, role: str, *, fatal: bool | None) -> IncidentPerson:
    return IncidentPerson(
        role=role,
        last_name=ctx.rng.choice(LAST_NAMES),
        first_name=ctx.rng.choice(FIRST_NAMES),
        age=ctx.rng.randint(15, 58),
        sex=ctx.rng.choice(["M", "M", "M", "F"]),
        race=ctx.rng.choice(["B", "W", "H", "A"]),
        city="METRO CITY",
        state="MD",
        fatal=fatal if role == PersonRole.VICTIM else None,
    )

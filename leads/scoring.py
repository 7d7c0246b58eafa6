"""GETS-style triage score of a lead: geography, events, time, solvability (pure).

BJA's GETS triage asks four questions of a NIBIN lead: is it close by
(geography), how serious and how many are the events, how recent is it
(time), and can it be solved (solvability). Each factor gives up to 25
points, and each is explained in a sentence, so that an analyst can see why
one lead ranks above another and disagree with it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

FACTOR_MAX = 25
HIGH_PRIORITY_FROM = 60
MEDIUM_PRIORITY_FROM = 35
EARTH_RADIUS_M = 6_371_000.0
EVENT_ROLES = frozenset({"incident", "trace", "shooting_event"})


@dataclass(frozen=True)
class RecordFacts:
    """What the score reads of one record on the lead."""

    role: str
    occurred_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Score:
    total: float
    priority: int  # LeadPriority value: 1 high, 2 medium, 3 low
    explanation: list[dict[str, Any]]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _geography(points: Sequence[tuple[float, float]]) -> tuple[float, str]:
    if not points:
        return 0.0, "Geography: no record has a location."
    if len(points) == 1:
        return 12.0, "Geography: one located record; no spread to judge."
    spread = max(distance_m(a, b) for i, a in enumerate(points) for b in points[i + 1 :])
    # Within 1 km: one neighbourhood; 10 km or more: spread over the region.
    if spread <= 1_000:
        points_given = 25.0
    elif spread >= 10_000:
        points_given = 5.0
    else:
        points_given = 25.0 - 20.0 * (spread - 1_000) / 9_000
    return points_given, (
        f"Geography: {len(points)} located records lie within {spread / 1000:.1f} km of each "
        "other; the closer they are, the likelier one group is behind them."
    )


def _events(records: Sequence[RecordFacts]) -> tuple[float, str]:
    events = sum(1 for r in records if r.role in EVENT_ROLES)
    killed = sum(int(r.evidence.get("killed") or 0) for r in records)
    injured = sum(int(r.evidence.get("injured") or 0) for r in records)
    points_given = min(FACTOR_MAX, 5.0 * events + 8.0 * killed + 4.0 * injured)
    words = f"Events: {events} incident{'s' if events != 1 else ''} or recoveries"
    if killed or injured:
        words += f", {killed} killed and {injured} injured"
    return points_given, words + "."


def _time(records: Sequence[RecordFacts], today: dt.date) -> tuple[float, str]:
    dates = [r.occurred_at.date() for r in records if r.occurred_at is not None]
    if not dates:
        return 0.0, "Time: no record has a date."
    newest = max(dates)
    age = max((today - newest).days, 0)
    # Fresh leads are the ones worth acting on within 24-48 hours; a year old is cold.
    if age <= 30:
        points_given = 25.0
    elif age >= 365:
        points_given = 0.0
    else:
        points_given = 25.0 * (365 - age) / 335
    return points_given, f"Time: the newest record is {age} day{'s' if age != 1 else ''} old."


def _solvability(records: Sequence[RecordFacts]) -> tuple[float, str]:
    seen: dict[str, float] = {}
    for record in records:
        for points, why in record.evidence.get("solvability", []):
            seen[str(why)] = max(seen.get(str(why), 0.0), float(points))
    if not seen:
        return 0.0, "Solvability: nothing yet names a person, a gun or a confirmed match."
    points_given = min(FACTOR_MAX, sum(seen.values()))
    return points_given, "Solvability: " + "; ".join(sorted(seen)) + "."


def lead_score(records: Iterable[RecordFacts], *, today: dt.date) -> Score:
    """The score of a lead from its records, with one sentence per factor."""
    records = list(records)
    points = [
        (r.latitude, r.longitude)
        for r in records
        if r.latitude is not None and r.longitude is not None
    ]
    factors = [
        ("geography", *_geography(points)),
        ("events", *_events(records)),
        ("time", *_time(records, today)),
        ("solvability", *_solvability(records)),
    ]
    explanation = [
        {"factor": name, "points": round(value, 1), "why": why} for name, value, why in factors
    ]
    total = round(sum(value for _, value, _ in factors), 1)
    if total >= HIGH_PRIORITY_FROM:
        priority = 1
    elif total >= MEDIUM_PRIORITY_FROM:
        priority = 2
    else:
        priority = 3
    return Score(total=total, priority=priority, explanation=explanation)

"""Writes of the incident side: imports, the live alert feed, and starting the linking."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from portal import jobs
from portal.incidents.choices import ReceivedVia
from portal.incidents.importers import (
    IncidentParse,
    ParsedAlert,
    ParsedIncident,
    ParsedPerson,
    Place,
)
from portal.incidents.models import (
    Incident,
    IncidentPerson,
    ShotSpotterAlert,
    rounding_uncertainty_m,
)
from portal.incidents.signals import incident_records_saved
from portal.models import Agency, Job, SourceFile, User
from portal.tabular import row_hash

LINK_JOB_KIND = "incidents-link"

_ALERT_FIELDS = [
    "source_id_synthetic",
    "fired_at",
    "fired_date",
    "latitude",
    "longitude",
    "coordinate_decimals",
    "location_uncertainty_m",
    "alert_type",
    "rounds",
    "coverage_area",
    "beat",
    "address",
    "received_via",
    "source_file",
    "source_sheet",
    "source_row",
    "row_hash",
]

_INCIDENT_FIELDS = [
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
    "location_uncertainty_m",
    "district",
    "beat",
    "killed",
    "injured",
    "narrative",
    "source_file",
    "source_sheet",
    "source_row",
    "row_hash",
]


def _alert_from(
    parsed: ParsedAlert, *, agency: Agency, source_file: SourceFile | None, via: str
) -> ShotSpotterAlert:
    place: Place = parsed.place
    return ShotSpotterAlert(
        agency=agency,
        source_id=parsed.source_id,
        source_id_synthetic=parsed.source_id_synthetic,
        fired_at=parsed.fired_at,
        fired_date=parsed.fired_date,
        latitude=place.latitude,
        longitude=place.longitude,
        coordinate_decimals=place.decimals,
        location_uncertainty_m=place.uncertainty_m,
        alert_type=parsed.alert_type,
        rounds=parsed.rounds,
        coverage_area=parsed.coverage_area,
        beat=parsed.beat,
        address=parsed.address,
        received_via=via,
        source_file=source_file,
        source_sheet=parsed.sheet,
        source_row=parsed.row or None,
        row_hash=parsed.row_hash,
    )


@transaction.atomic
def alerts_save(
    *,
    agency: Agency,
    alerts: Iterable[ParsedAlert],
    source_file: SourceFile | None,
    via: str = ReceivedVia.FILE,
) -> tuple[dict[str, int], list[ShotSpotterAlert]]:
    """Create or update alerts by source id; a row seen before with the same hash is left alone.

    Returns the counts and the alerts created or changed (those to link).
    """
    parsed = list(alerts)
    existing = {
        alert.source_id: alert
        for alert in ShotSpotterAlert.objects.filter(
            agency=agency, source_id__in=[p.source_id for p in parsed]
        )
    }
    to_create: list[ShotSpotterAlert] = []
    to_update: list[ShotSpotterAlert] = []
    unchanged = 0
    for item in parsed:
        current = existing.get(item.source_id)
        if current is not None and current.row_hash == item.row_hash:
            unchanged += 1
            continue
        fresh = _alert_from(item, agency=agency, source_file=source_file, via=via)
        if current is None:
            to_create.append(fresh)
        else:
            fresh.pk, fresh.created_at = current.pk, current.created_at
            fresh.event_id = current.event_id
            to_update.append(fresh)
    ShotSpotterAlert.objects.bulk_create(to_create, batch_size=2000)
    ShotSpotterAlert.objects.bulk_update(to_update, _ALERT_FIELDS, batch_size=500)
    counts = {"created": len(to_create), "updated": len(to_update), "unchanged": unchanged}
    return counts, [*to_create, *to_update]


def _incident_from(
    parsed: ParsedIncident, *, agency: Agency, source_file: SourceFile | None
) -> Incident:
    killed, injured = parsed.killed, parsed.injured
    if killed is None and injured is None and parsed.persons:
        killed, injured = parsed.victims_killed_injured()
    return Incident(
        agency=agency,
        incident_number=parsed.incident_number,
        occurred_at=parsed.occurred_at,
        occurred_date=parsed.occurred_date,
        occurred_date_only=parsed.occurred_at is None,
        reported_at=parsed.reported_at,
        offense=parsed.offense,
        ncic_code=parsed.ncic_code,
        weapon=parsed.weapon,
        address=parsed.address,
        latitude=parsed.place.latitude,
        longitude=parsed.place.longitude,
        coordinate_decimals=parsed.place.decimals,
        location_uncertainty_m=parsed.place.uncertainty_m,
        district=parsed.district,
        beat=parsed.beat,
        killed=killed or 0,
        injured=injured or 0,
        narrative=parsed.narrative,
        source_file=source_file,
        source_sheet=parsed.sheet,
        source_row=parsed.row or None,
        row_hash=_incident_hash(parsed),
    )


def _incident_hash(parsed: ParsedIncident) -> str:
    """The first row's hash, or with later rows merged in, a hash over all of them."""
    if not parsed.persons or len(parsed.persons) == 1:
        return parsed.row_hash

    joined = "|".join([parsed.row_hash, *(p.row_hash for p in parsed.persons)])
    return hashlib.sha256(joined.encode()).hexdigest()


def _person_from(
    parsed: ParsedPerson, *, incident: Incident, source_file: SourceFile | None
) -> IncidentPerson:
    return IncidentPerson(
        agency_id=incident.agency_id,
        incident=incident,
        role=parsed.role,
        last_name=parsed.last_name,
        first_name=parsed.first_name,
        middle_name=parsed.middle_name,
        dob=parsed.dob,
        age=parsed.age,
        sex=parsed.sex,
        race=parsed.race,
        address=parsed.address,
        city=parsed.city,
        state=parsed.state,
        zip_code=parsed.zip_code,
        fatal=parsed.fatal,
        person_key=parsed.person_key,
        source_file=source_file,
        source_sheet=parsed.sheet,
        source_row=parsed.row or None,
        row_hash=parsed.row_hash,
    )


@transaction.atomic
def incidents_save(
    *, agency: Agency, parsed: IncidentParse, source_file: SourceFile | None
) -> tuple[dict[str, int], set[dt.date]]:
    """Create or update incidents by number, with the persons their rows describe.

    Returns the counts and the dates to relink: those of the incidents created
    or changed, and the former dates of changed ones (their old links go).
    """
    numbers = [item.incident_number for item in parsed.incidents]
    existing = {
        incident.incident_number: incident
        for incident in Incident.objects.filter(agency=agency, incident_number__in=numbers)
    }
    to_create: list[Incident] = []
    to_update: list[Incident] = []
    dates: set[dt.date] = set()
    unchanged = 0
    for item in parsed.incidents:
        current = existing.get(item.incident_number)
        fresh = _incident_from(item, agency=agency, source_file=source_file)
        if current is not None and current.row_hash == fresh.row_hash:
            unchanged += 1
            continue
        if current is None:
            to_create.append(fresh)
        else:
            fresh.pk, fresh.created_at = current.pk, current.created_at
            to_update.append(fresh)
            dates.add(current.occurred_date)
    Incident.objects.bulk_create(to_create, batch_size=2000)
    Incident.objects.bulk_update(to_update, _INCIDENT_FIELDS, batch_size=500)
    by_number = {incident.incident_number: incident for incident in [*to_create, *to_update]}
    persons = [
        (by_number[item.incident_number], person)
        for item in parsed.incidents
        if item.incident_number in by_number
        for person in item.persons
    ]
    person_counts = persons_save(
        persons=persons, source_file=source_file, replace_for=list(by_number.values())
    )
    counts = {
        "created": len(to_create),
        "updated": len(to_update),
        "unchanged": unchanged,
        **person_counts,
    }
    dates.update(incident.occurred_date for incident in [*to_create, *to_update])
    incident_records_saved.send(sender=Incident, agency_id=agency.pk)
    return counts, dates


def persons_save(
    *,
    persons: list[tuple[Incident, ParsedPerson]],
    source_file: SourceFile | None,
    replace_for: list[Incident] | None = None,
) -> dict[str, int]:
    """Add the persons not yet stored (keyed by content within the incident).

    For the incidents in `replace_for` (re-imported with changed rows), the
    persons that came from the incident file and are gone from it are removed.
    """
    incident_ids = {incident.pk for incident, _ in persons} | {i.pk for i in replace_for or []}
    stored: dict[int, set[str]] = defaultdict(set)
    for incident_id, key in IncidentPerson.objects.filter(incident_id__in=incident_ids).values_list(
        "incident_id", "person_key"
    ):
        stored[incident_id].add(key)
    to_create = []
    wanted: dict[int, set[str]] = defaultdict(set)
    for incident, person in persons:
        wanted[incident.pk].add(person.person_key)
        if person.person_key in stored[incident.pk]:
            continue
        stored[incident.pk].add(person.person_key)
        to_create.append(_person_from(person, incident=incident, source_file=source_file))
    IncidentPerson.objects.bulk_create(to_create, batch_size=2000)
    removed = 0
    if replace_for and source_file is not None:
        for incident in replace_for:
            gone = stored[incident.pk] - wanted[incident.pk]
            if gone:
                removed += IncidentPerson.objects.filter(
                    incident=incident, person_key__in=gone, source_file__kind=source_file.kind
                ).delete()[0]
    return {"persons_created": len(to_create), "persons_removed": removed}


def persons_file_save(
    *, agency: Agency, persons: list[ParsedPerson], source_file: SourceFile | None
) -> tuple[dict[str, int], list[ParsedPerson]]:
    """Persons from a separate file; returns the counts, or the persons of unknown incidents."""
    incidents = {
        incident.incident_number: incident
        for incident in Incident.objects.filter(
            agency=agency, incident_number__in={p.incident_number for p in persons}
        )
    }
    unknown = [p for p in persons if p.incident_number not in incidents]
    if unknown:
        return {}, unknown
    pairs = [(incidents[p.incident_number], p) for p in persons]
    with transaction.atomic():
        counts = persons_save(persons=pairs, source_file=source_file)
        incident_records_saved.send(sender=IncidentPerson, agency_id=agency.pk)
    counts["persons_unchanged"] = len(persons) - counts["persons_created"]
    return counts, []


def link_job_start(
    *, agency: Agency, dates: Iterable[dt.date], user: User | None = None, reason: str = ""
) -> Job | None:
    """Queue the linking of the agency's alerts around these dates (on the linking queue)."""
    dates = list(dates)
    if not dates:
        return None
    # A day either side: the time window crosses midnight.
    date_from = min(dates) - dt.timedelta(days=1)
    date_to = max(dates) + dt.timedelta(days=1)
    return jobs.job_start(
        agency=agency,
        kind=LINK_JOB_KIND,
        label=f"Linking alerts and incidents {date_from:%Y-%m-%d} to {date_to:%Y-%m-%d}"
        + (f" ({reason})" if reason else ""),
        created_by=user,
        params={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
    )


def alert_links_enqueue(alert_ids: list[int]) -> None:
    """Link live alerts in a worker once the transaction that stored them commits."""
    if not alert_ids:
        return
    from portal.incidents.tasks import link_alerts_task

    ids = list(alert_ids)
    transaction.on_commit(lambda: link_alerts_task.apply_async(args=[ids], queue="linking"))


def alerts_receive(
    *, agency: Agency, items: list[dict[str, Any]], default_tz: str
) -> tuple[dict[str, int], list[ShotSpotterAlert]]:
    """Store alerts from the live feed and link the new or changed ones in a worker.

    Returns the counts and every alert received (existing ones included).
    """
    tz = ZoneInfo(default_tz)
    parsed: dict[str, ParsedAlert] = {}
    for item in items:
        fired_at: dt.datetime = item["fired_at"]
        if timezone.is_naive(fired_at):
            fired_at = fired_at.replace(tzinfo=tz)
        latitude, lat_decimals = item["latitude"]
        longitude, lon_decimals = item["longitude"]
        decimals = max(lat_decimals, lon_decimals)
        content = {
            "id": item["id"],
            "fired_at": fired_at.isoformat(),
            "latitude": repr(latitude),
            "longitude": repr(longitude),
            **{key: str(item.get(key) or "") for key in _FEED_TEXT_FIELDS},
        }
        # The last copy of an id in one message wins.
        parsed[item["id"]] = ParsedAlert(
            source_id=item["id"],
            source_id_synthetic=False,
            fired_at=fired_at,
            fired_date=fired_at.astimezone(tz).date(),
            place=Place(latitude, longitude, decimals, rounding_uncertainty_m(decimals)),
            alert_type=item.get("type") or "",
            rounds=item.get("rounds"),
            coverage_area=item.get("coverage_area") or "",
            beat=item.get("beat") or "",
            address=item.get("address") or "",
            sheet="",
            row=0,
            row_hash=row_hash(content),
        )
    with transaction.atomic():
        counts, changed = alerts_save(
            agency=agency, alerts=parsed.values(), source_file=None, via=ReceivedVia.FEED
        )
        alert_links_enqueue([alert.pk for alert in changed])
    received = list(
        ShotSpotterAlert.objects.filter(agency=agency, source_id__in=list(parsed)).order_by("pk")
    )
    return counts, received


_FEED_TEXT_FIELDS = ("type", "rounds", "coverage_area", "beat", "address")

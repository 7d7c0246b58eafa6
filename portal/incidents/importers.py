"""Incident, person and ShotSpotter files -> parsed records (pure: no database).

Columns are found through the JSON profiles in `profiles/` (header synonyms),
which a user may override with a profile file of their own. Every bad value
becomes a RowError (file, row, column, value, reason); rows that cannot be
placed on a map are reported separately so the caller can skip them when
the user asked to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.incidents.choices import AlertType, PersonRole
from portal.incidents.models import rounding_uncertainty_m
from portal.tabular import (
    ColumnProfile,
    Row,
    RowError,
    TableError,
    decimals_of,
    normalise_header,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
    parse_time,
    read_table,
    row_hash,
)

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


# ---- profiles -------------------------------------------------------------------------


def load_profile(kind: str, override: dict[str, Any] | None = None) -> ColumnProfile:
    """The built-in profile of `kind`, with a user's override laid over it.

    An override's synonyms for a field are tried before the built-in ones;
    its `required` list and `options` replace the built-in ones key by key.
    """
    base = ColumnProfile.load(PROFILE_DIR / f"{kind}.json")
    if not override:
        return base
    if not isinstance(override, dict) or not isinstance(override.get("fields", {}), dict):
        raise TableError("A mapping profile is a JSON object with a 'fields' object.")
    fields = {name: list(synonyms) for name, synonyms in base.fields.items()}
    for name, synonyms in override.get("fields", {}).items():
        if isinstance(synonyms, str):
            synonyms = [synonyms]
        fields[name] = [*synonyms, *fields.get(name, [])]
    return ColumnProfile(
        name=str(override.get("name", base.name)),
        fields=fields,
        required=list(override.get("required", base.required)),
        options={**base.options, **dict(override.get("options", {}))},
    )


def profile_override_from_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise TableError(f"The mapping profile {path.name} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise TableError(f"The mapping profile {path.name} is not a JSON object.")
    return data


def profile_timezone(profile: ColumnProfile, default: str) -> ZoneInfo:
    name = str(profile.options.get("timezone") or default)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TableError(f"Profile {profile.name!r}: unknown time zone {name!r}.") from exc


@dataclass(frozen=True)
class Bounds:
    """Where the records of a source can lie; anything outside cannot be placed."""

    name: str
    min_latitude: float
    max_latitude: float
    min_longitude: float
    max_longitude: float

    @classmethod
    def of(cls, profile: ColumnProfile) -> Bounds:
        data = profile.options.get("bounds") or {}
        try:
            return cls(
                name=str(data.get("name", "the configured area")),
                min_latitude=float(data.get("min_latitude", -90)),
                max_latitude=float(data.get("max_latitude", 90)),
                min_longitude=float(data.get("min_longitude", -180)),
                max_longitude=float(data.get("max_longitude", 180)),
            )
        except (TypeError, ValueError) as exc:
            raise TableError(f"Profile {profile.name!r}: bad bounds: {exc}") from exc

    def contains(self, latitude: float, longitude: float) -> bool:
        return (
            self.min_latitude <= latitude <= self.max_latitude
            and self.min_longitude <= longitude <= self.max_longitude
        )


# ---- shared row helpers ---------------------------------------------------------------


class _Mapper:
    """Resolves the profile once per distinct header (a workbook's sheets may differ)."""

    def __init__(self, profile: ColumnProfile) -> None:
        self.profile = profile
        self._cache: dict[tuple[str, ...], dict[str, str]] = {}

    def mapping(self, row: Row) -> dict[str, str]:
        header = tuple(row.cells)
        if header not in self._cache:
            self._cache[header] = self.profile.resolve(list(header))
        return self._cache[header]


class _RowReader:
    """Reads one row's fields through the mapping and collects its errors."""

    def __init__(self, file_name: str, row: Row, mapping: dict[str, str]) -> None:
        self.file = f"{file_name} [{row.sheet}]" if row.sheet else file_name
        self.row = row
        self.mapping = mapping
        self.errors: list[RowError] = []

    def text(self, name: str) -> str:
        column = self.mapping.get(name)
        return self.row.cells.get(column, "").strip() if column else ""

    def error(self, name: str, value: str, reason: str) -> None:
        self.errors.append(
            RowError(
                file=self.file,
                row=self.row.number,
                column=self.mapping.get(name, name),
                value=value[:200],
                reason=reason,
            )
        )

    def optional(self, name: str, parser: Any) -> Any:
        value = self.text(name)
        if not value:
            return None
        try:
            return parser(value)
        except ValueError as exc:
            self.error(name, value, str(exc))
            return None

    def count(self, name: str) -> int | None:
        number = self.optional(name, parse_int)
        if number is not None and not 0 <= number <= 32767:
            self.error(name, self.text(name), "is not a plausible count")
            return None
        return number


@dataclass(frozen=True)
class When:
    """A moment as a source states it: aware datetime, or a date alone."""

    at: dt.datetime | None
    date: dt.date

    @property
    def date_only(self) -> bool:
        return self.at is None


def read_when(
    reader: _RowReader, tz: ZoneInfo, *, combined: str, date: str, time: str, required: bool
) -> When | None:
    """A datetime from one combined column, or a date column and an optional time column.

    A value without an offset is local time in `tz`; the local date is kept
    so that date-only records can be matched by day.
    """
    for name in (combined, date):
        text = reader.text(name)
        if not text:
            continue
        time_text = reader.text(time) if name == date else ""
        try:
            if time_text:
                moment = dt.datetime.combine(parse_date(text), parse_time(time_text))
                aware = moment.replace(tzinfo=tz)
                return When(at=aware, date=aware.date())
            if "T" in text or (" " in text.strip() and ":" in text):
                aware = parse_datetime(text, tz=tz.key)
                return When(at=aware, date=aware.astimezone(tz).date())
            return When(at=None, date=parse_date(text))
        except ValueError as exc:
            column = time if time_text and _is_time_error(text) else name
            value = time_text if column == time else text
            reader.error(column, value, str(exc))
            return None
    if required:
        reader.error(date, "", "is empty: a date is required")
    return None


def _is_time_error(date_text: str) -> bool:
    try:
        parse_date(date_text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    decimals: int
    uncertainty_m: float


def read_place(reader: _RowReader, bounds: Bounds) -> Place | None:
    """The row's coordinates, or None with the reason recorded as an error."""
    lat_text, lon_text = reader.text("latitude"), reader.text("longitude")
    if not lat_text or not lon_text:
        missing = "latitude" if not lat_text else "longitude"
        reader.error(missing, "", "is empty: the record cannot be placed on a map")
        return None
    try:
        latitude = parse_float(lat_text)
    except ValueError as exc:
        reader.error("latitude", lat_text, str(exc))
        return None
    try:
        longitude = parse_float(lon_text)
    except ValueError as exc:
        reader.error("longitude", lon_text, str(exc))
        return None
    if not -90 <= latitude <= 90:
        reader.error("latitude", lat_text, "is not a latitude (-90 to 90)")
        return None
    if not -180 <= longitude <= 180:
        reader.error("longitude", lon_text, "is not a longitude (-180 to 180)")
        return None
    if not bounds.contains(latitude, longitude):
        if bounds.contains(longitude, latitude):
            reason = "latitude and longitude look swapped"
        else:
            reason = f"({latitude}, {longitude}) lies outside {bounds.name}"
        column = (
            "longitude" if bounds.min_latitude <= latitude <= bounds.max_latitude else "latitude"
        )
        reader.error(column, lon_text if column == "longitude" else lat_text, reason)
        return None
    # Trailing zeros are often dropped ("-76.94" for -76.940): the longer one tells.
    decimals = max(decimals_of(lat_text), decimals_of(lon_text))
    return Place(latitude, longitude, decimals, rounding_uncertainty_m(decimals))


def synthetic_id(prefix: str, cells: dict[str, str], seen: Counter[str]) -> str:
    """A stable id for a row without one: its content's hash, plus the occurrence number.

    Two identical rows in one file (the same rounded place on the same day)
    are two records, so the second gets '-2'; the same file gives the same ids.
    """
    digest = row_hash(cells)[:20]
    seen[digest] += 1
    occurrence = seen[digest]
    return f"{prefix}{digest}" if occurrence == 1 else f"{prefix}{digest}-{occurrence}"


def spelling_lookup(spellings: dict[str, list[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, words in spellings.items():
        lookup[normalise_header(value)] = value
        for word in words:
            lookup[normalise_header(word)] = value
    return lookup


def read_rows(path: Path) -> Iterator[Row]:
    return read_table(path)


# ---- results --------------------------------------------------------------------------


@dataclass
class ParseResult:
    """What a file held: the records, the refused rows and the unplaceable rows."""

    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    unplaceable: list[RowError] = field(default_factory=list)


# ---- ShotSpotter alerts ---------------------------------------------------------------


@dataclass
class ParsedAlert:
    source_id: str
    source_id_synthetic: bool
    fired_at: dt.datetime | None
    fired_date: dt.date
    place: Place
    alert_type: str
    rounds: int | None
    coverage_area: str
    beat: str
    address: str
    sheet: str
    row: int
    row_hash: str


@dataclass
class AlertParse(ParseResult):
    alerts: list[ParsedAlert] = field(default_factory=list)


_ALERT_TYPES = frozenset(AlertType.values)
_PERSON_ROLES = frozenset(PersonRole.values)


def alert_type_of(text: str, lookup: dict[str, str]) -> str:
    """'Single_Gunshot', 'Single Gunshot', 'SINGLE GUNSHOT' -> 'single_gunshot'."""
    value = lookup.get(normalise_header(text))
    if value is None or value not in _ALERT_TYPES:
        raise ValueError(
            "is not a known alert type (add its spelling to the profile's type_spellings)"
        )
    return value


def parse_alerts(
    rows: Iterable[Row], *, file_name: str, profile: ColumnProfile, default_tz: str
) -> AlertParse:
    tz = profile_timezone(profile, default_tz)
    bounds = Bounds.of(profile)
    lookup = spelling_lookup(profile.options.get("type_spellings", {}))
    mapper = _Mapper(profile)
    result = AlertParse()
    seen_hashes: Counter[str] = Counter()
    seen_ids: dict[str, int] = {}
    for row in rows:
        result.rows_read += 1
        reader = _RowReader(file_name, row, mapper.mapping(row))
        when = read_when(reader, tz, combined="fired_at", date="date", time="time", required=True)
        type_text = reader.text("alert_type")
        alert_type = ""
        if type_text:
            try:
                alert_type = alert_type_of(type_text, lookup)
            except ValueError as exc:
                reader.error("alert_type", type_text, str(exc))
        rounds = reader.count("rounds")
        source_id = reader.text("source_id")[:64]
        if source_id and source_id in seen_ids:
            reader.error(
                "source_id", source_id, f"repeats the id of row {seen_ids[source_id]} of this file"
            )
        if reader.errors:
            result.errors.extend(reader.errors)
            continue
        place = read_place(reader, bounds)
        if place is None:
            result.unplaceable.extend(reader.errors)
            continue
        assert when is not None
        synthetic = not source_id
        if synthetic:
            source_id = synthetic_id("SYN-", row.cells, seen_hashes)
        seen_ids[source_id] = row.number
        result.alerts.append(
            ParsedAlert(
                source_id=source_id,
                source_id_synthetic=synthetic,
                fired_at=when.at,
                fired_date=when.date,
                place=place,
                alert_type=alert_type,
                rounds=rounds,
                coverage_area=reader.text("coverage_area")[:100],
                beat=reader.text("beat")[:50],
                address=reader.text("address")[:300],
                sheet=row.sheet,
                row=row.number,
                row_hash=row_hash(row.cells),
            )
        )
    return result


# ---- incidents ------------------------------------------------------------------------


@dataclass
class ParsedPerson:
    incident_number: str
    role: str
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    dob: dt.date | None = None
    age: int | None = None
    sex: str = ""
    race: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    fatal: bool | None = None
    person_key: str = ""
    sheet: str = ""
    row: int = 0
    row_hash: str = ""

    def content_key(self) -> str:
        parts = [
            self.role,
            self.last_name,
            self.first_name,
            self.middle_name,
            self.dob.isoformat() if self.dob else "",
            "" if self.age is None else str(self.age),
            self.sex,
            self.race,
            self.address,
            self.city,
            self.state,
            self.zip_code,
            "" if self.fatal is None else str(self.fatal),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def assign_person_keys(persons: list[ParsedPerson]) -> None:
    """Key each person by content within its incident; identical persons get -2, -3..."""
    seen: Counter[tuple[str, str]] = Counter()
    for person in persons:
        key = person.content_key()
        seen[(person.incident_number, key)] += 1
        occurrence = seen[(person.incident_number, key)]
        person.person_key = key if occurrence == 1 else f"{key}-{occurrence}"


@dataclass
class ParsedIncident:
    incident_number: str
    incident_number_synthetic: bool
    occurred_at: dt.datetime | None
    occurred_date: dt.date
    reported_at: dt.datetime | None
    offense: str
    ncic_code: str
    weapon: str
    address: str
    place: Place
    district: str
    beat: str
    killed: int | None
    injured: int | None
    narrative: str
    sheet: str
    row: int
    row_hash: str
    persons: list[ParsedPerson] = field(default_factory=list)
    merged_rows: int = 0

    def victims_killed_injured(self) -> tuple[int, int]:
        victims = [p for p in self.persons if p.role == PersonRole.VICTIM and p.fatal is not None]
        killed = sum(1 for p in victims if p.fatal)
        return killed, len(victims) - killed


@dataclass
class IncidentParse(ParseResult):
    incidents: list[ParsedIncident] = field(default_factory=list)
    merged_rows: int = 0
    unplaceable_incidents: int = 0


_PERSON_FIELDS = (
    "person_role",
    "person_last_name",
    "person_first_name",
    "person_age",
    "person_sex",
    "person_race",
    "person_zip",
    "person_fatal",
)


def _row_person(
    reader: _RowReader, number: str, role_lookup: dict[str, str], default_role: str
) -> ParsedPerson | None:
    """The person a row describes when the file has one row per victim (or suspect...)."""
    if not any(name in reader.mapping for name in _PERSON_FIELDS):
        return None
    role_text = reader.text("person_role")
    role = default_role
    if role_text:
        role = role_lookup.get(normalise_header(role_text), "")
        if not role:
            reader.error("person_role", role_text, "is not a known person role")
            role = default_role
    age = reader.optional("person_age", parse_int)
    if age is not None and not 0 <= age <= 130:
        reader.error("person_age", reader.text("person_age"), "is not a plausible age")
        age = None
    return ParsedPerson(
        incident_number=number,
        role=role,
        last_name=reader.text("person_last_name")[:100],
        first_name=reader.text("person_first_name")[:100],
        age=age,
        sex=reader.text("person_sex")[:20],
        race=reader.text("person_race")[:40],
        zip_code=reader.text("person_zip")[:10],
        fatal=reader.optional("person_fatal", parse_bool),
        sheet=reader.row.sheet,
        row=reader.row.number,
        row_hash=row_hash(reader.row.cells),
    )


def parse_incidents(
    rows: Iterable[Row], *, file_name: str, profile: ColumnProfile, default_tz: str
) -> IncidentParse:
    """One incident per incident number; further rows of a number add their persons.

    The first row of a number gives the incident's fields; its place is the
    first row of that number that can be placed. A file of one row per
    victim (open-data shooting files) thus gives one incident with its
    victims, and killed/injured counts from the victims' fatal flags.
    """
    tz = profile_timezone(profile, default_tz)
    bounds = Bounds.of(profile)
    role_lookup = spelling_lookup(_role_spellings())
    default_role = str(profile.options.get("row_person_role") or PersonRole.VICTIM)
    mapper = _Mapper(profile)
    result = IncidentParse()
    seen_hashes: Counter[str] = Counter()
    by_number: dict[str, ParsedIncident] = {}
    refused: set[str] = set()
    unplaced: dict[str, list[RowError]] = {}
    for row in rows:
        result.rows_read += 1
        reader = _RowReader(file_name, row, mapper.mapping(row))
        number = reader.text("incident_number")[:64]
        synthetic = not number
        if synthetic:
            number = synthetic_id("SYN-", row.cells, seen_hashes)
        person = _row_person(reader, number, role_lookup, default_role)
        if number in by_number or number in refused:
            # A further row of a known incident: it adds its person, and its
            # place when the first rows of the number had none.
            result.merged_rows += 1
            if reader.errors:
                result.errors.extend(reader.errors)
                continue
            existing = by_number.get(number)
            if existing is None:
                continue
            existing.merged_rows += 1
            if person is not None:
                existing.persons.append(person)
            if number in unplaced:
                place = read_place(_RowReader(file_name, row, reader.mapping), bounds)
                if place is not None:
                    existing.place = place
                    del unplaced[number]
            continue
        when = read_when(
            reader, tz, combined="occurred_at", date="date", time="time", required=True
        )
        reported = read_when(
            reader, tz, combined="reported_at", date="reported_at", time="", required=False
        )
        killed = reader.count("killed")
        injured = reader.count("injured")
        if reader.errors:
            result.errors.extend(reader.errors)
            refused.add(number)
            continue
        place = read_place(reader, bounds)
        if place is None:
            unplaced[number] = list(reader.errors)
        address = reader.text("address") or " ".join(
            part for part in (reader.text("address_number"), reader.text("address_street")) if part
        )
        assert when is not None
        by_number[number] = ParsedIncident(
            incident_number=number,
            incident_number_synthetic=synthetic,
            occurred_at=when.at,
            occurred_date=when.date,
            reported_at=reported.at if reported else None,
            offense=reader.text("offense")[:200],
            ncic_code=reader.text("ncic_code")[:10],
            weapon=reader.text("weapon")[:100],
            address=address[:300],
            place=place or Place(0.0, 0.0, 0, 0.0),
            district=reader.text("district")[:50],
            beat=reader.text("beat")[:50],
            killed=killed,
            injured=injured,
            narrative=reader.text("narrative"),
            sheet=row.sheet,
            row=row.number,
            row_hash=row_hash(row.cells),
            persons=[person] if person is not None else [],
        )
    result.incidents = [inc for number, inc in by_number.items() if number not in unplaced]
    result.unplaceable_incidents = len(unplaced)
    for errors in unplaced.values():
        result.unplaceable.extend(errors)
    for incident in result.incidents:
        assign_person_keys(incident.persons)
    return result


def _role_spellings() -> dict[str, list[str]]:
    profile = ColumnProfile.load(PROFILE_DIR / "persons.json")
    spellings: dict[str, list[str]] = profile.options.get("role_spellings", {})
    return spellings


# ---- incident persons file -------------------------------------------------------------


@dataclass
class PersonParse(ParseResult):
    persons: list[ParsedPerson] = field(default_factory=list)


def parse_persons(rows: Iterable[Row], *, file_name: str, profile: ColumnProfile) -> PersonParse:
    lookup = spelling_lookup(profile.options.get("role_spellings", {}))
    mapper = _Mapper(profile)
    result = PersonParse()
    for row in rows:
        result.rows_read += 1
        reader = _RowReader(file_name, row, mapper.mapping(row))
        number = reader.text("incident_number")
        if not number:
            reader.error("incident_number", "", "is empty: a person belongs to an incident")
        role_text = reader.text("role")
        role = lookup.get(normalise_header(role_text), "")
        if role not in _PERSON_ROLES:
            reader.error("role", role_text, "is not victim, suspect, witness or arrestee")
        dob = reader.optional("dob", parse_date)
        if dob is not None and not dt.date(1900, 1, 1) <= dob <= dt.date.today():
            reader.error("dob", reader.text("dob"), "is not a plausible date of birth")
        age = reader.optional("age", parse_int)
        if age is not None and not 0 <= age <= 130:
            reader.error("age", reader.text("age"), "is not a plausible age")
        if reader.errors:
            result.errors.extend(reader.errors)
            continue
        result.persons.append(
            ParsedPerson(
                incident_number=number[:64],
                role=role,
                last_name=reader.text("last_name")[:100],
                first_name=reader.text("first_name")[:100],
                middle_name=reader.text("middle_name")[:100],
                dob=dob,
                age=age,
                sex=reader.text("sex")[:20],
                race=reader.text("race")[:40],
                address=reader.text("address")[:300],
                city=reader.text("city")[:100],
                state=reader.text("state")[:20],
                zip_code=reader.text("zip")[:10],
                sheet=row.sheet,
                row=row.number,
                row_hash=row_hash(row.cells),
            )
        )
    assign_person_keys(result.persons)
    return result

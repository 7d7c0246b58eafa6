"""e-Trace files -> validated, normalised staging lines (pure: no ORM).

One tight pass over the rows: every value is parsed and normalised, every
bad value becomes a RowError (the import is all-or-nothing, so every row is
checked even after the first bad one), and every good row becomes one line of
PostgreSQL COPY text in `STAGE_COLUMNS` + `STAGE_KNOWN_COLUMNS` order (a row
whose trace is stored with the same hash is counted unchanged and left out).
The service streams those lines into a staging table and writes the records
with set-based SQL, or rolls everything back if any row was bad.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from portal.copy_text import NULL, copy_text_line
from portal.tabular import ColumnProfile, RowError, TableError, parse_date
from tracing.ffl import FFLError, parse_ffl
from tracing.normalise import Normaliser, is_handgun, name_key, name_sound

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "default"

PERSON_FIELDS = (
    "last",
    "first",
    "middle",
    "aliases",
    "dob_text",
    "dob",
    "sex",
    "race",
    "address",
    "city",
    "state",
    "zip",
    "last_key",
    "first_key",
    "person_key",
    "present",
    "last_sound",
    "first_sound",
)

# Dealers as the file names them (the last row naming an FFL wins), for the dealer table.
DEALER_COLUMNS: tuple[str, ...] = (
    "ffl_key",
    "ffl_number",
    "ffl_region",
    "ffl_district",
    "ffl_county",
    "ffl_type",
    "ffl_expiry",
    "ffl_sequence",
    "dealer_name",
    "dealer_address",
    "dealer_city",
    "dealer_state",
    "dealer_zip",
)
STAGE_COLUMNS: tuple[str, ...] = (
    "row_number",
    "row_hash",
    "trace_number",
    "recovering_ori",
    "request_date",
    "trace_status",
    "status",
    "status_reason",
    "agency_case_number",
    "ncic_code",
    "recovery_date",
    "recovery_address",
    "recovery_city",
    "recovery_state",
    "recovery_zip",
    "recovery_lat",
    "recovery_lon",
    "serial_as_written",
    "serial_normalised",
    "identity_key",
    "obliterated",
    "manufacturer",
    "model",
    "firearm_type",
    "is_handgun",
    "caliber",
    "country",
    "importer",
    *(f"possessor_{name}" for name in PERSON_FIELDS),
    *(f"purchaser_{name}" for name in PERSON_FIELDS),
    "purchase_date",
    "ffl_number_as_written",
    *DEALER_COLUMNS,
    "time_to_crime_days",
    "purchaser_not_possessor",
    "has_purchase",
)
STAGE_TYPES = {
    "row_number": "integer",
    "request_date": "date",
    "recovery_date": "date",
    "recovery_lat": "double precision",
    "recovery_lon": "double precision",
    "obliterated": "boolean",
    "is_handgun": "boolean",
    "possessor_dob": "date",
    "possessor_present": "boolean",
    "purchaser_dob": "date",
    "purchaser_present": "boolean",
    "purchase_date": "date",
    "time_to_crime_days": "integer",
    "purchaser_not_possessor": "boolean",
    "has_purchase": "boolean",
}
# What the parser adds from the agency's stored records (see `EtraceParser.known_*`):
# the stored trace and its row hash when the trace number is known, the stored
# firearm when the gun is known, and for a gun new to the agency the first row of
# the file that has it (that row's drawn id becomes the gun's).
STAGE_KNOWN_COLUMNS: tuple[str, ...] = ("trace_id", "old_hash", "firearm_known_id", "gun_row")
STAGE_KNOWN_TYPES = {
    "trace_id": "bigint",
    "old_hash": "text",
    "firearm_known_id": "bigint",
    "gun_row": "integer",
}
# Columns compared when a trace comes again (everything but where it came from).
FACT_COLUMNS = tuple(c for c in STAGE_COLUMNS if c not in ("row_number", "row_hash"))

MAX_LENGTHS = {
    "trace_number": 50,
    "agency_case_number": 50,
    "ncic_code": 10,
    "serial_number": 100,
    "model": 100,
    "firearm_type": 50,
    "caliber": 100,
}
_SHORTEST_LIMIT = min(MAX_LENGTHS.values())


def load_profile(name: str = DEFAULT_PROFILE) -> ColumnProfile:
    """A column-mapping profile from tracing/profiles/<name>.json."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"No such profile: {name!r}")
    return ColumnProfile.load(PROFILE_DIR / f"{name}.json")


def profile_names() -> list[str]:
    return sorted(path.stem for path in PROFILE_DIR.glob("*.json"))


def profile_for(header: list[str], name: str = "") -> tuple[ColumnProfile, dict[str, str]]:
    """The named profile, or the one that maps the most of this header's columns.

    Raises TableError when no profile finds the required columns (the error of
    the default profile, which names what is missing).
    """
    if name:
        profile = load_profile(name)
        return profile, profile.resolve(header)
    best: tuple[int, ColumnProfile, dict[str, str]] | None = None
    for candidate in profile_names():
        profile = load_profile(candidate)
        try:
            mapping = profile.resolve(header)
        except TableError:
            continue
        # Ties go to the default profile, then to the name's order.
        score = len(mapping) * 2 + (candidate == DEFAULT_PROFILE)
        if best is None or score > best[0]:
            best = (score, profile, mapping)
    if best is None:
        load_profile(DEFAULT_PROFILE).resolve(header)  # raises with the missing columns
        raise TableError("No mapping profile fits this file.")
    return best[1], best[2]


def fast_date(text: str) -> dt.date:
    """YYYY-MM-DD and MM/DD/YYYY without strptime (the import's hot path); else the parser."""
    if len(text) == 10:
        if text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)
        if text[2] == "/" and text[5] == "/":
            return dt.date(int(text[6:]), int(text[:2]), int(text[3:5]))
    return parse_date(text)


def parse_status(text: str) -> tuple[str, str]:
    """'Completed' / 'Not completed - too old' / 'Pending' -> (status, reason)."""
    lowered = text.strip().lower()
    if not lowered:
        return "unknown", ""
    for separator in (":", " - ", "--", ";", "("):
        if separator in text:
            head, _, tail = text.partition(separator)
            reason = tail.strip(" )-")
            break
    else:
        head, reason = text, ""
    head = head.strip().lower()
    if head.startswith(("not complete", "incomplete", "unable", "no trace", "not traced")):
        return "not_completed", reason
    if head.startswith("complete"):
        return "completed", reason
    if head.startswith(("pending", "open", "in progress")):
        return "pending", reason
    return "unknown", reason


PERSON_COLUMNS = (
    "last",
    "first",
    "middle",
    "aliases",
    "dob",
    "sex",
    "race",
    "address",
    "city",
    "state",
    "zip",
)
# Every field a profile may map, in the order the parser unpacks them.
FIELDS: tuple[str, ...] = (
    "trace_number",
    "request_date",
    "trace_status",
    "trace_status_reason",
    "ori",
    "agency_case_number",
    "ncic_code",
    "recovery_date",
    "recovery_address",
    "recovery_city",
    "recovery_state",
    "recovery_zip",
    "recovery_lat",
    "recovery_lon",
    "serial_number",
    "obliterated",
    "manufacturer",
    "model",
    "firearm_type",
    "caliber",
    "country",
    "importer",
    *(f"possessor_{name}" for name in PERSON_COLUMNS),
    *(f"purchaser_{name}" for name in PERSON_COLUMNS),
    "purchase_date",
    "ffl_number",
    "dealer_name",
    "dealer_address",
    "dealer_city",
    "dealer_state",
    "dealer_zip",
)
_TRUE = frozenset(("y", "yes", "true", "t", "1", "x"))
_FALSE = frozenset(("", "n", "no", "false", "f", "0"))
_name_key = lru_cache(maxsize=200_000)(name_key)
_parse_status = lru_cache(maxsize=1024)(parse_status)


@dataclass
class ParseReport:
    """What one pass over a file found: counts, the refused rows, the trace numbers seen."""

    rows_read: int = 0
    valid: int = 0
    duplicates: int = 0
    unchanged: int = 0  # stored traces whose row hash is the same: not staged at all
    known: int = 0  # stored traces staged because their row hash differs
    repeated_guns: int = 0  # rows of a new gun that an earlier row of the file has
    errors: list[RowError] = field(default_factory=list)


@dataclass
class EtraceParser:
    """Validate and normalise e-Trace rows into COPY lines (see module docstring)."""

    mapping: dict[str, str]
    normaliser: Normaliser
    file_name: str
    today: dt.date = field(default_factory=dt.date.today)
    report: ParseReport = field(default_factory=ParseReport)
    # The agency's stored traces {trace number: (id, row hash)} and firearms
    # {(manufacturer, identity key): id}: a row whose trace is stored with the same
    # hash is counted unchanged and never staged, and no row joins back to find them.
    known_traces: dict[str, tuple[int, str]] = field(default_factory=dict)
    known_firearms: dict[tuple[str, str], int] = field(default_factory=dict)
    # {ffl key: DEALER_COLUMNS values} over every good row.
    dealers: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Files repeat the same dates and dealers many times: each text is parsed once.
        self._dates: dict[str, tuple[dt.date, str]] = {}
        self._ffls: dict[str, list[str]] = {}
        self._new_guns: dict[tuple[str, str], int] = {}

    def lines(self, header: list[str], rows: Iterable[tuple[int, list[str]]]) -> Iterator[str]:
        """COPY lines, while there is no bad row; every row is checked to the end either way.

        `rows` are (row number, cells in `header` order), as `read_csv_rows` gives them.
        """
        report = self.report
        seen: dict[str, tuple[int, str]] = {}
        position = {name: index for index, name in enumerate(header)}
        # A field the file has no column for reads the blank appended to every row.
        pick = itemgetter(*(position.get(self.mapping.get(name, ""), -1) for name in FIELDS))
        for number, cells in rows:
            report.rows_read += 1
            cells.append("")
            values = pick(cells)
            errors: list[RowError] = []
            line = self._line(number, values, errors)
            if line is None:
                report.errors.extend(errors)
                continue
            trace_number, digest = values[0], line[1]
            earlier = seen.get(trace_number)
            if earlier is not None:
                if earlier[1] == digest:
                    report.duplicates += 1
                    continue
                report.errors.append(
                    self._error(
                        number,
                        "trace_number",
                        trace_number,
                        f"appears again with other facts (first on row {earlier[0]})",
                    )
                )
                continue
            seen[trace_number] = (number, digest)
            report.valid += 1
            if report.errors:
                continue
            stored = self.known_traces.get(trace_number)
            if stored is not None:
                if stored[1] == digest:
                    report.unchanged += 1
                    continue
                report.known += 1
                known = f"{stored[0]}\t{stored[1]}"
            else:
                known = "\\N\t\\N"
            gun = line[2]
            firearm_id = self.known_firearms.get(gun)
            if firearm_id is not None:
                yield f"{line[0]}\t{known}\t{firearm_id}\t\\N\n"
                continue
            first_row = self._new_guns.setdefault(gun, number)
            if first_row != number:
                report.repeated_guns += 1
            yield f"{line[0]}\t{known}\t\\N\t{first_row}\n"

    def _error(self, row: int, field_name: str, value: str, reason: str) -> RowError:
        column = self.mapping.get(field_name, field_name)
        return RowError(file=self.file_name, row=row, column=column, value=value, reason=reason)

    def _date(
        self, row: int, name: str, text: str, errors: list[RowError]
    ) -> tuple[dt.date, str] | None:
        if not text:
            return None
        known = self._dates.get(text)
        if known is not None:
            return known
        try:
            value = fast_date(text)
        except ValueError as exc:
            reason = str(exc)
            if "expected" not in reason:
                reason = "is not a date (expected YYYY-MM-DD or MM/DD/YYYY)"
            errors.append(self._error(row, name, text, reason))
            return None
        parsed = (value, value.isoformat())
        if value > self.today:
            errors.append(self._error(row, name, text, "is in the future"))
        else:
            self._dates[text] = parsed
        return parsed

    def _person(
        self, role: str, row: int, values: Sequence[str], errors: list[RowError]
    ) -> list[str]:
        last, first, middle, aliases, dob_text, sex, race, address, city, state, zip_code = values
        dob = self._dates.get(dob_text) or self._date(row, f"{role}_dob", dob_text, errors)
        last_key, first_key = _name_key(last), _name_key(first)
        present = bool(last or first)
        person_key = f"{last_key}|{first_key}|{dob[1] if dob else ''}" if present else ""
        if state:
            state = state.upper()
            if len(state) != 2:
                errors.append(self._error(row, f"{role}_state", state, "is not a two-letter state"))
        return [
            last,
            first,
            middle,
            aliases,
            dob_text,
            dob[1] if dob else NULL,
            sex.upper(),
            race.upper(),
            address,
            city,
            state,
            zip_code,
            last_key,
            first_key,
            person_key,
            "t" if present else "f",
            name_sound(last_key),
            name_sound(first_key),
        ]

    def _line(
        self, row: int, values: Sequence[str], errors: list[RowError]
    ) -> tuple[str, str, tuple[str, str]] | None:
        (
            trace_number,
            request_text,
            status_text,
            status_reason,
            ori,
            case_number,
            ncic_code,
            recovery_text,
            recovery_address,
            recovery_city,
            recovery_state,
            recovery_zip,
            lat_text,
            lon_text,
            serial_text,
            obliterated_text,
            manufacturer_text,
            model,
            firearm_type,
            caliber_text,
            country,
            importer,
        ) = values[:22]
        (
            purchase_text,
            ffl_text,
            dealer_name,
            dealer_address,
            dealer_city,
            dealer_state,
            dealer_zip,
        ) = values[44:]
        if not trace_number:
            errors.append(self._error(row, "trace_number", "", "is empty"))
        if (
            max(
                len(trace_number),
                len(case_number),
                len(ncic_code),
                len(serial_text),
                len(model),
                len(firearm_type),
                len(caliber_text),
            )
            > _SHORTEST_LIMIT
        ):
            for name, text in (
                ("trace_number", trace_number),
                ("agency_case_number", case_number),
                ("ncic_code", ncic_code),
                ("serial_number", serial_text),
                ("model", model),
                ("firearm_type", firearm_type),
                ("caliber", caliber_text),
            ):
                if len(text) > MAX_LENGTHS[name]:
                    errors.append(
                        self._error(
                            row, name, text, f"is longer than {MAX_LENGTHS[name]} characters"
                        )
                    )
        # Each distinct date text is parsed once (`_date` keeps the good ones).
        dates = self._dates
        request_date = dates.get(request_text) or self._date(
            row, "request_date", request_text, errors
        )
        recovery = dates.get(recovery_text) or self._date(
            row, "recovery_date", recovery_text, errors
        )
        purchase = dates.get(purchase_text) or self._date(
            row, "purchase_date", purchase_text, errors
        )
        if recovery and purchase and recovery[0] < purchase[0]:
            errors.append(
                self._error(
                    row,
                    "recovery_date",
                    recovery_text,
                    f"is before the purchase date {purchase[1]}",
                )
            )
        coordinates = []
        for name, text, bound in (
            ("recovery_lat", lat_text, 90.0),
            ("recovery_lon", lon_text, 180.0),
        ):
            if not text:
                coordinates.append(NULL)
                continue
            try:
                number = float(text)
            except ValueError:
                errors.append(self._error(row, name, text, "is not a number"))
                continue
            if not -bound <= number <= bound:
                errors.append(self._error(row, name, text, f"is outside -{bound:g}..{bound:g}"))
            coordinates.append(repr(number))
        if recovery_state:
            recovery_state = recovery_state.upper()
            if len(recovery_state) != 2:
                errors.append(
                    self._error(row, "recovery_state", recovery_state, "is not a two-letter state")
                )
        flag = obliterated_text.lower()
        obliterated = flag in _TRUE
        if not obliterated and flag not in _FALSE:
            errors.append(self._error(row, "obliterated", obliterated_text, "is not yes/no"))
        manufacturer = self.normaliser.manufacturer(manufacturer_text)
        serial = self.normaliser.serial(serial_text, manufacturer)
        if not serial and not obliterated:
            errors.append(
                self._error(
                    row, "serial_number", serial_text, "is empty and the serial is not obliterated"
                )
            )
        ffl_parts = [NULL] * 8
        if ffl_text:
            known = self._ffls.get(ffl_text)
            if known is not None:
                ffl_parts = known
            else:
                try:
                    ffl = parse_ffl(ffl_text)
                except FFLError as exc:
                    errors.append(self._error(row, "ffl_number", ffl_text, str(exc)))
                else:
                    ffl_parts = self._ffls[ffl_text] = [
                        ffl.key,
                        ffl.formatted,
                        ffl.region,
                        ffl.district,
                        ffl.county,
                        ffl.license_type,
                        ffl.expiry,
                        ffl.sequence,
                    ]
        if dealer_state:
            dealer_state = dealer_state.upper()
            if len(dealer_state) != 2:
                errors.append(
                    self._error(row, "dealer_state", dealer_state, "is not a two-letter state")
                )
        possessor = self._person("possessor", row, values[22:33], errors)
        purchaser = self._person("purchaser", row, values[33:44], errors)
        if errors:
            return None
        status, reason = _parse_status(status_text)
        reason = status_reason or reason
        firearm_type = firearm_type.upper()
        identity = serial or f"no serial: trace {trace_number}"
        if ffl_parts[0] != NULL:
            self.dealers[ffl_parts[0]] = [
                *ffl_parts,
                dealer_name,
                dealer_address,
                dealer_city,
                dealer_state,
                dealer_zip,
            ]
        ttc = str((recovery[0] - purchase[0]).days) if recovery and purchase else NULL
        # Purchaser is not the possessor: both named, and the names (or dates of birth) differ.
        not_possessor = (
            possessor[15] == "t"
            and purchaser[15] == "t"
            and (
                possessor[12:14] != purchaser[12:14]
                or (possessor[5] != NULL and purchaser[5] != NULL and possessor[5] != purchaser[5])
            )
        )
        has_purchase = bool(purchase or ffl_text or purchaser[15] == "t")
        fields = [
            trace_number,
            ori.upper(),
            request_date[1] if request_date else NULL,
            status_text,
            status,
            reason[:200],
            case_number,
            ncic_code,
            recovery[1] if recovery else NULL,
            recovery_address,
            recovery_city,
            recovery_state,
            recovery_zip,
            *coordinates,
            serial_text,
            serial,
            identity,
            "t" if obliterated else "f",
            manufacturer,
            model,
            firearm_type,
            "t" if is_handgun(firearm_type) else "f",
            self.normaliser.caliber(caliber_text),
            country,
            importer,
            *possessor,
            *purchaser,
            purchase[1] if purchase else NULL,
            ffl_text,
            *ffl_parts,
            dealer_name,
            dealer_address,
            dealer_city,
            dealer_state,
            dealer_zip,
            ttc,
            "t" if not_possessor else "f",
            "t" if has_purchase else "f",
        ]
        body = "\t".join(fields)
        # Escape only when a value needs it (the NULL markers are the backslashes expected).
        if (
            body.count("\\") != fields.count(NULL)
            or "\n" in body
            or "\r" in body
            or body.count("\t") != len(fields) - 1
        ):
            body = copy_text_line(fields)
        digest = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
        return f"{row}\t{digest}\t{body}", digest, (manufacturer, identity)

"""e-Trace files -> validated, normalised staging lines (pure: no ORM).

One tight pass over the rows: every value is parsed and normalised, every
bad value becomes a RowError (the import is all-or-nothing, so the whole file
is checked before anything is written), and every good row becomes one line
of PostgreSQL COPY text in `STAGE_COLUMNS` order. The service copies those
lines into a staging table and writes the records with set-based SQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from portal.tabular import ColumnProfile, Row, RowError, parse_date
from tracing.ffl import FFLError, parse_ffl
from tracing.normalise import Normaliser, is_handgun, name_key

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
# Columns compared when a trace comes again (everything but where it came from).
FACT_COLUMNS = tuple(c for c in STAGE_COLUMNS if c not in ("row_number", "row_hash"))

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
MAX_LENGTHS = {
    "trace_number": 50,
    "agency_case_number": 50,
    "ncic_code": 10,
    "serial_number": 100,
    "model": 100,
    "firearm_type": 50,
    "caliber": 100,
}


def load_profile(name: str = DEFAULT_PROFILE) -> ColumnProfile:
    """A column-mapping profile from tracing/profiles/<name>.json."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"No such profile: {name!r}")
    return ColumnProfile.load(PROFILE_DIR / f"{name}.json")


def profile_names() -> list[str]:
    return sorted(path.stem for path in PROFILE_DIR.glob("*.json"))


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


@dataclass
class ParseReport:
    """What one pass over a file found: counts, the refused rows, the trace numbers seen."""

    rows_read: int = 0
    valid: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class EtraceParser:
    """Validate and normalise e-Trace rows into COPY lines (see module docstring)."""

    mapping: dict[str, str]
    normaliser: Normaliser
    file_name: str
    today: dt.date = field(default_factory=dt.date.today)

    def run(self, rows: Iterable[Row], out: IO[str]) -> ParseReport:
        report = ParseReport()
        seen: dict[str, tuple[int, str]] = {}
        columns = list(self.mapping.items())
        for row in rows:
            report.rows_read += 1
            cells = row.cells
            values = {name: cells[column] for name, column in columns}
            errors: list[RowError] = []
            line = self._line(row.number, values, errors)
            if errors:
                report.errors.extend(errors)
                continue
            assert line is not None
            trace_number = values["trace_number"]
            digest = line[1]
            earlier = seen.get(trace_number)
            if earlier is not None:
                if earlier[1] == digest:
                    report.duplicates += 1
                    continue
                report.errors.append(
                    self._error(
                        row.number,
                        "trace_number",
                        trace_number,
                        f"appears again with other facts (first on row {earlier[0]})",
                    )
                )
                continue
            seen[trace_number] = (row.number, digest)
            out.write(line[0])
            report.valid += 1
        return report

    def _error(self, row: int, field_name: str, value: str, reason: str) -> RowError:
        column = self.mapping.get(field_name, field_name)
        return RowError(file=self.file_name, row=row, column=column, value=value, reason=reason)

    def _date(
        self, row: int, values: dict[str, str], name: str, errors: list[RowError]
    ) -> dt.date | None:
        text = values.get(name, "")
        if not text:
            return None
        try:
            value = fast_date(text)
        except ValueError as exc:
            reason = str(exc)
            if "expected" not in reason:
                reason = "is not a date (expected YYYY-MM-DD or MM/DD/YYYY)"
            errors.append(self._error(row, name, text, reason))
            return None
        if value > self.today:
            errors.append(self._error(row, name, text, "is in the future"))
        return value

    def _person(
        self, role: str, row: int, values: dict[str, str], errors: list[RowError]
    ) -> list[str]:
        get = values.get
        last, first = get(f"{role}_last", ""), get(f"{role}_first", "")
        dob_text = get(f"{role}_dob", "")
        dob = self._date(row, values, f"{role}_dob", errors)
        last_key, first_key = name_key(last), name_key(first)
        present = bool(last or first)
        person_key = f"{last_key}|{first_key}|{dob.isoformat() if dob else ''}" if present else ""
        state = get(f"{role}_state", "").upper()
        if state and len(state) != 2:
            errors.append(self._error(row, f"{role}_state", state, "is not a two-letter state"))
        return [
            last,
            first,
            get(f"{role}_middle", ""),
            get(f"{role}_aliases", ""),
            dob_text,
            dob.isoformat() if dob else NULL,
            get(f"{role}_sex", "").upper(),
            get(f"{role}_race", "").upper(),
            get(f"{role}_address", ""),
            get(f"{role}_city", ""),
            state,
            get(f"{role}_zip", ""),
            last_key,
            first_key,
            person_key,
            "t" if present else "f",
        ]

    def _line(
        self, row: int, values: dict[str, str], errors: list[RowError]
    ) -> tuple[str, str] | None:
        get = values.get
        trace_number = get("trace_number", "")
        if not trace_number:
            errors.append(self._error(row, "trace_number", "", "is empty"))
        for name, limit in MAX_LENGTHS.items():
            text = get(name, "")
            if len(text) > limit:
                errors.append(self._error(row, name, text, f"is longer than {limit} characters"))
        request_date = self._date(row, values, "request_date", errors)
        recovery_date = self._date(row, values, "recovery_date", errors)
        purchase_date = self._date(row, values, "purchase_date", errors)
        if recovery_date and purchase_date and recovery_date < purchase_date:
            errors.append(
                self._error(
                    row,
                    "recovery_date",
                    get("recovery_date", ""),
                    f"is before the purchase date {purchase_date.isoformat()}",
                )
            )
        coordinates = []
        for name, bound in (("recovery_lat", 90.0), ("recovery_lon", 180.0)):
            text = get(name, "")
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
        recovery_state = get("recovery_state", "").upper()
        if recovery_state and len(recovery_state) != 2:
            errors.append(
                self._error(row, "recovery_state", recovery_state, "is not a two-letter state")
            )
        obliterated_text = get("obliterated", "").lower()
        if obliterated_text in ("y", "yes", "true", "t", "1", "x"):
            obliterated = True
        elif obliterated_text in ("", "n", "no", "false", "f", "0"):
            obliterated = False
        else:
            obliterated = False
            errors.append(
                self._error(row, "obliterated", get("obliterated", ""), "is not yes/no")
            )
        serial_text = get("serial_number", "")
        manufacturer = self.normaliser.manufacturer(get("manufacturer", ""))
        serial = self.normaliser.serial(serial_text, manufacturer)
        if not serial and not obliterated:
            errors.append(
                self._error(
                    row, "serial_number", serial_text, "is empty and the serial is not obliterated"
                )
            )
        ffl_text = get("ffl_number", "")
        ffl_parts = [NULL] * 8
        if ffl_text:
            try:
                ffl = parse_ffl(ffl_text)
            except FFLError as exc:
                errors.append(self._error(row, "ffl_number", ffl_text, str(exc)))
            else:
                ffl_parts = [
                    ffl.key,
                    ffl.formatted,
                    ffl.region,
                    ffl.district,
                    ffl.county,
                    ffl.license_type,
                    ffl.expiry,
                    ffl.sequence,
                ]
        dealer_state = get("dealer_state", "").upper()
        if dealer_state and len(dealer_state) != 2:
            errors.append(
                self._error(row, "dealer_state", dealer_state, "is not a two-letter state")
            )
        possessor = self._person("possessor", row, values, errors)
        purchaser = self._person("purchaser", row, values, errors)
        if errors:
            return None
        status, reason = parse_status(get("trace_status", ""))
        reason = get("trace_status_reason", "") or reason
        firearm_type = get("firearm_type", "").upper()
        ttc = (
            str((recovery_date - purchase_date).days)
            if recovery_date and purchase_date
            else NULL
        )
        # Purchaser is not the possessor: both named, and the names (or dates of birth) differ.
        not_possessor = (
            possessor[15] == "t"
            and purchaser[15] == "t"
            and (
                possessor[12:14] != purchaser[12:14]
                or (possessor[5] != NULL and purchaser[5] != NULL and possessor[5] != purchaser[5])
            )
        )
        has_purchase = bool(purchase_date or ffl_text or purchaser[15] == "t")
        fields = [
            trace_number,
            get("ori", "").upper(),
            request_date.isoformat() if request_date else NULL,
            get("trace_status", ""),
            status,
            reason[:200],
            get("agency_case_number", ""),
            get("ncic_code", ""),
            recovery_date.isoformat() if recovery_date else NULL,
            get("recovery_address", ""),
            get("recovery_city", ""),
            recovery_state,
            get("recovery_zip", ""),
            *coordinates,
            serial_text,
            serial,
            serial or f"no serial: trace {trace_number}",
            "t" if obliterated else "f",
            manufacturer,
            get("model", ""),
            firearm_type,
            "t" if is_handgun(firearm_type) else "f",
            self.normaliser.caliber(get("caliber", "")),
            get("country", ""),
            get("importer", ""),
            *possessor,
            *purchaser,
            purchase_date.isoformat() if purchase_date else NULL,
            ffl_text,
            *ffl_parts,
            get("dealer_name", ""),
            get("dealer_address", ""),
            get("dealer_city", ""),
            dealer_state,
            get("dealer_zip", ""),
            ttc,
            "t" if not_possessor else "f",
            "t" if has_purchase else "f",
        ]
        body = "\t".join(fields)
        if "\\" in body or "\n" in body or "\r" in body or body.count("\t") != len(fields) - 1:
            body = "\t".join(
                value if value == NULL else value.translate(_COPY_ESCAPES) for value in fields
            )
        digest = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
        return f"{row}\t{digest}\t{body}\n", digest

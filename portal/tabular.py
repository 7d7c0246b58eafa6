"""Reading agency files: CSV and XLSX rows, header synonyms, forgiving value parsers.

Pure functions, no database. Every importer (e-Trace, incidents, ShotSpotter,
FFL lists) reads its file through `read_table` and maps its columns through
a `ColumnProfile`, so that a file from another agency or city needs a profile
file, not code.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RowError:
    """Why one value of one row was refused: shown to the user and kept in the report."""

    file: str
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TableError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header, missing columns)."""


@dataclass(frozen=True)
class Row:
    """One data row: its number as a spreadsheet shows it (header is row 1) and its cells."""

    number: int
    cells: dict[str, str]
    sheet: str = ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_hash(cells: Mapping[str, str]) -> str:
    """A stable hash of a row's content, independent of column order."""
    payload = json.dumps(sorted((k, (v or "").strip()) for k, v in cells.items()))
    return hashlib.sha256(payload.encode()).hexdigest()


def read_table(path: Path, *, sheets: list[str] | None = None) -> Iterator[Row]:
    """Yield the rows of a CSV, XLSX or GeoJSON file (every sheet of a workbook, in order).

    Cells are strings, stripped; blank rows are skipped. XLSX dates become
    ISO 8601 strings so every importer parses one representation. A GeoJSON
    feature is a row of its properties plus `latitude` and `longitude` cells
    from its point geometry (blank when it has none).
    """
    kind = table_kind(path)
    if kind == "xlsx":
        yield from _read_xlsx(path, sheets)
    elif kind == "geojson":
        yield from _read_geojson(path)
    else:
        yield from _read_csv(path)


def table_kind(path: Path) -> str:
    """'xlsx', 'geojson' or 'csv' (anything else is read as CSV), from the file's first bytes."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if head[:4] == XLSX_MAGIC:
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "geojson"
    return "csv"


def _read_geojson(path: Path) -> Iterator[Row]:
    try:
        data = json.loads(_decode(path.read_bytes()))
    except json.JSONDecodeError as exc:
        raise TableError(f"The file is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise TableError("A JSON file must be a GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list):
        raise TableError("The GeoJSON FeatureCollection has no list of features.")
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise TableError(f"Feature {number} is not an object.")
        properties = feature.get("properties") or {}
        cells = {str(key): _json_text(value) for key, value in properties.items()}
        longitude, latitude = _point_of(feature.get("geometry"))
        cells["longitude"], cells["latitude"] = longitude, latitude
        yield Row(number=number, cells=cells)


def _point_of(geometry: Any) -> tuple[str, str]:
    """(longitude, latitude) as written, for a Point (or the first point of a MultiPoint)."""
    if not isinstance(geometry, dict):
        return "", ""
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "MultiPoint" and isinstance(coordinates, list) and coordinates:
        coordinates = coordinates[0]
    elif geometry.get("type") != "Point":
        return "", ""
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return "", ""
    return _coordinate_text(coordinates[0]), _coordinate_text(coordinates[1])


def _coordinate_text(value: Any) -> str:
    # A coordinate keeps its decimals (40.0 stays "40.0", unlike a whole-number property).
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _json_text(value)
    return repr(float(value))


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value).strip()


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("The file is neither UTF-8 nor Windows-1252 text.")


def _read_csv(path: Path) -> Iterator[Row]:
    header, rows = read_csv_rows(path)
    for number, values in rows:
        # zip stops at the header: any extra cells left are blank.
        yield Row(number=number, cells=dict(zip(header, values, strict=False)))


def _text_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def read_csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the (row number, cells) of a CSV file, streamed as lists.

    The file is never held in memory whole. Cells are stripped, blank rows
    skipped, short rows padded with blanks; a row with more non-blank cells than
    the header raises TableError (when it is reached). Row numbers are as a
    spreadsheet shows them (header is row 1). `read_table` gives the same rows
    as dicts; an importer that handles many rows can index the lists instead.
    """
    encoding = _text_encoding(path)
    handle = path.open(encoding=encoding, newline="")
    try:
        sample = handle.read(65536)
        if "\x00" in sample[:4096]:
            raise TableError("The file is binary, not CSV or XLSX.")
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        handle.seek(0)
        reader = csv.reader(handle, dialect)
        header = _header(next(reader, None))
    except UnicodeDecodeError as exc:
        handle.close()
        raise TableError("The file is neither UTF-8 nor Windows-1252 text.") from exc
    except BaseException:
        handle.close()
        raise
    return header, _csv_rows(handle, reader, len(header))


def _csv_rows(handle: io.TextIOBase, reader: Any, width: int) -> Iterator[tuple[int, list[str]]]:
    strip = str.strip
    with handle:
        try:
            for number, values in enumerate(reader, start=2):
                stripped = list(map(strip, values))
                if not any(stripped):
                    continue
                if len(stripped) < width:
                    stripped.extend([""] * (width - len(stripped)))
                elif len(stripped) > width and any(stripped[width:]):
                    raise TableError(
                        f"Row {number} has more cells ({len(values)}) than the header."
                    )
                yield number, stripped
        except UnicodeDecodeError as exc:
            raise TableError("The file is neither UTF-8 nor Windows-1252 text.") from exc


def _read_xlsx(path: Path, sheets: list[str] | None) -> Iterator[Row]:
    import openpyxl  # only needed for workbooks

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError(f"The workbook cannot be opened: {exc}") from exc
    try:
        for sheet in workbook.worksheets:
            if sheets and sheet.title not in sheets:
                continue
            rows = sheet.iter_rows(values_only=True)
            first = next(rows, None)
            if first is None:
                continue
            header = _header([_cell_text(value) for value in first])
            for number, values in enumerate(rows, start=2):
                texts = [_cell_text(value) for value in values]
                if not any(texts):
                    continue
                cells = {
                    name: (texts[i] if i < len(texts) else "") for i, name in enumerate(header)
                }
                yield Row(number=number, cells=cells, sheet=sheet.title)
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # Excel stores a date as a datetime at midnight: keep it a date.
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep="T")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(values: list[str] | None) -> list[str]:
    if not values or not any(v.strip() for v in values):
        raise TableError("The file has no header row.")
    header = [value.strip() for value in values]
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            header[index] = name = f"column_{index + 1}"
        if name in seen:
            raise TableError(f"The header names the column {name!r} twice.")
        seen[name] = index
    return header


def normalise_header(name: str) -> str:
    """'Latitude-100meter' -> 'latitude100meter'; 'REPORT_DAT' -> 'reportdat'."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class ColumnProfile:
    """Which column of a file holds which field: synonyms per field, first match wins.

    Profiles are JSON files: {"name": ..., "fields": {"field": ["Header", ...]},
    "required": ["field", ...], "options": {...}}.
    """

    name: str
    fields: dict[str, list[str]]
    required: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ColumnProfile:
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise TableError(f"The mapping profile {path.name} cannot be read: {exc}") from exc
        return cls(
            name=data.get("name", path.stem),
            fields={key: list(value) for key, value in data["fields"].items()},
            required=list(data.get("required", [])),
            options=dict(data.get("options", {})),
        )

    def resolve(self, header: list[str]) -> dict[str, str]:
        """Map each field to the file's column; raise TableError for a missing required one."""
        by_normal = {normalise_header(name): name for name in header}
        mapping: dict[str, str] = {}
        for field_name, synonyms in self.fields.items():
            for synonym in [field_name, *synonyms]:
                column = by_normal.get(normalise_header(synonym))
                if column is not None:
                    mapping[field_name] = column
                    break
        missing = [name for name in self.required if name not in mapping]
        if missing:
            raise TableError(
                f"Profile {self.name!r}: the file has no column for {', '.join(missing)} "
                f"(its columns: {', '.join(header)})."
            )
        return mapping


# ---- value parsers: each returns the value or raises ValueError with a reason ----

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y/%m/%d",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%m-%d-%Y",
    "%Y%m%d",
)
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f", "%I:%M:%S %p", "%I:%M %p")


def parse_date(text: str, formats: tuple[str, ...] = _DATE_FORMATS) -> dt.date:
    value = text.strip()
    if not value:
        raise ValueError("is empty")
    if "T" in value or (" " in value and ":" in value):
        return parse_datetime(value).date()
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError("is not a date (expected YYYY-MM-DD or MM/DD/YYYY)")


def parse_time(text: str) -> dt.time:
    value = text.strip()
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).time()
        except ValueError:
            continue
    raise ValueError("is not a time of day")


def parse_datetime(text: str, *, tz: str = "UTC") -> dt.datetime:
    """ISO 8601 (with Z or offset), or a date and a time separated by a space.

    A value without an offset is read in `tz`, the source's stated time zone.
    """
    value = text.strip()
    if not value:
        raise ValueError("is empty")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        date_part, _, time_part = value.partition(" ")
        if not time_part:
            raise ValueError("is not a date and time") from None
        parsed = dt.datetime.combine(parse_date(date_part), parse_time(time_part))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed


def parse_float(text: str) -> float:
    value = text.strip().replace(",", "")
    if not value:
        raise ValueError("is empty")
    try:
        number = float(value)
    except ValueError:
        raise ValueError("is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("is not a finite number")
    return number


def parse_int(text: str) -> int:
    number = parse_float(text)
    if not number.is_integer():
        raise ValueError("is not a whole number")
    return int(number)


_TRUE = {"y", "yes", "true", "t", "1", "x"}
_FALSE = {"n", "no", "false", "f", "0", ""}


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("is not yes/no")


def decimals_of(text: str) -> int:
    """How many decimal places a coordinate was written with (its stated precision)."""
    value = text.strip()
    return len(value.split(".", 1)[1]) if "." in value else 0

"""Safe CSV and XLSX exports: the one place every app builds a download (SECURITY.md item 13).

A cell that begins with = + - @, tab, carriage return or NUL is read as a
formula by spreadsheet programs (CSV/formula injection); such text cells are
prefixed with an apostrophe, which the programs show as plain text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """The value, made safe for a spreadsheet cell; numbers and dates stay as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    value = neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """One CSV row: text neutralised, dates in ISO 8601, yes/no for booleans."""
    return [_csv_value(value) for value in row]


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> tuple[str, int]:
    """A whole CSV document (for files written by commands) and its number of data rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(header))
    count = 0
    for row in rows:
        writer.writerow(safe_row(row))
        count += 1
    return buffer.getvalue(), count


def _attachment(filename: str) -> str:
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "export"
    return f'attachment; filename="{safe}"'


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV download with every cell neutralised."""
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _attachment(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _xlsx_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = neutralise(value)
    if isinstance(value, str):
        # XML cannot hold most control characters; they are dropped after neutralising.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, str | int | float | bool | date):
        return value
    return str(value)


def xlsx_bytes(sheets: dict[str, tuple[Sequence[str], Iterable[Iterable[Any]]]]) -> bytes:
    """A workbook with one sheet per entry; text cells neutralised, never formulas."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31] or "Sheet")
        sheet.append([_xlsx_value(value) for value in header])
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, sheets: dict[str, tuple[Sequence[str], Iterable[Iterable[Any]]]]
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(filename)
    return response

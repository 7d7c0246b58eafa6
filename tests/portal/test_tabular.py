"""Reading agency files: CSV/XLSX rows, header synonyms and value parsers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from portal.tabular import (
    ColumnProfile,
    TableError,
    decimals_of,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_float,
    read_csv_rows,
    read_table,
    row_hash,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_csv_with_byte_order_mark_reads_clean_header():
    rows = read_table(SHARED / "incidents" / "washington_dc_crime_incidents_2019.csv")
    first = next(rows)
    assert first.number == 2
    assert "X" in first.cells and "METHOD" in first.cells


def test_blank_rows_are_skipped_and_row_numbers_match_the_file(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n,\n3,4\n")
    assert [(row.number, row.cells["a"]) for row in read_table(path)] == [(2, "1"), (4, "3")]


def test_csv_rows_stream_as_lists_padded_to_the_header(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("name,city,zip\nJos\xe9 , Ca\xf1on,1\n,,\nshort,x\n".encode("cp1252"))
    header, rows = read_csv_rows(path)
    assert header == ["name", "city", "zip"]
    assert list(rows) == [(2, ["Jos\xe9", "Ca\xf1on", "1"]), (4, ["short", "x", ""])]


def test_csv_rows_refuse_a_row_wider_than_the_header_when_they_reach_it(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    _, rows = read_csv_rows(path)
    assert next(rows) == (2, ["1", "2"])
    with pytest.raises(TableError, match="Row 3 has more cells"):
        next(rows)


def test_duplicate_or_missing_header_is_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,a\n1,2\n")
    with pytest.raises(TableError, match="twice"):
        list(read_table(path))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(TableError, match="no header"):
        list(read_table(empty))


def test_xlsx_reads_every_sheet_with_dates_as_iso(tmp_path):
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "2017"
    first.append(["ID", "Date"])
    first.append(["A1", dt.datetime(2017, 5, 1, 13, 5)])
    second = workbook.create_sheet("2018")
    second.append(["ID", "Date"])
    second.append(["B1", dt.date(2018, 1, 2)])
    path = tmp_path / "alerts.xlsx"
    workbook.save(path)

    rows = list(read_table(path))
    assert [(r.sheet, r.cells["ID"], r.cells["Date"]) for r in rows] == [
        ("2017", "A1", "2017-05-01T13:05:00"),
        ("2018", "B1", "2018-01-02"),
    ]


def test_profile_maps_synonyms_and_names_missing_columns():
    profile = ColumnProfile(
        name="alerts",
        fields={"latitude": ["Lat", "Latitude-100meter"], "fired_at": ["Date"]},
        required=["latitude", "fired_at"],
    )
    assert profile.resolve(["ID", "LATITUDE_100METER", "date"]) == {
        "latitude": "LATITUDE_100METER",
        "fired_at": "date",
    }
    with pytest.raises(TableError, match="no column for fired_at"):
        profile.resolve(["Lat"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-03-05", dt.date(2019, 3, 5)),
        ("7/1/2018", dt.date(2018, 7, 1)),
        ("1/27/06", dt.date(2006, 1, 27)),
        ("1-Jan-13", dt.date(2013, 1, 1)),
        ("2018-07-01T00:25:49.000Z", dt.date(2018, 7, 1)),
    ],
)
def test_dates_in_the_forms_agencies_write_them(text, expected):
    assert parse_date(text) == expected


def test_bad_values_raise_with_a_reason():
    with pytest.raises(ValueError, match="not a date"):
        parse_date("31/31/2019")
    with pytest.raises(ValueError, match="not a number"):
        parse_float("north")
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool("maybe")


def test_datetimes_keep_their_offset_or_take_the_source_zone():
    utc = parse_datetime("2018-07-01T00:25:49.000Z")
    assert utc == dt.datetime(2018, 7, 1, 0, 25, 49, tzinfo=dt.UTC)
    local = parse_datetime("1/27/06 3:35", tz="America/New_York")
    assert local.utcoffset() == dt.timedelta(hours=-5)
    assert (local.hour, local.minute) == (3, 35)


def test_coordinate_precision_and_row_hash_are_stable():
    assert decimals_of("38.895") == 3 and decimals_of("-77") == 0
    assert row_hash({"a": "1", "b": " 2"}) == row_hash({"b": "2", "a": "1"})

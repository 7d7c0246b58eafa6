"""Parsing incident, person and alert files (pure: no database)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from portal.incidents.importers import (
    load_profile,
    parse_alerts,
    parse_incidents,
    parse_persons,
    read_rows,
)
from portal.tabular import TableError

NY = "America/New_York"


def alerts_of(path, profile=None):
    return parse_alerts(
        read_rows(path),
        file_name=path.name,
        profile=load_profile("shotspotter", profile),
        default_tz=NY,
    )


def incidents_of(path, profile=None):
    return parse_incidents(
        read_rows(path),
        file_name=path.name,
        profile=load_profile("incidents", profile),
        default_tz=NY,
    )


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("Date", "1/27/06 3:35", dt.datetime(2006, 1, 27, 3, 35, tzinfo=ZoneInfo(NY))),
        ("DateTime", "2018-07-01T00:25:49.000Z", dt.datetime(2018, 7, 1, 0, 25, 49, tzinfo=dt.UTC)),
        ("Date", "2023/12/31 04:57:00", dt.datetime(2023, 12, 31, 4, 57, tzinfo=ZoneInfo(NY))),
        ("Date", "12/31/2013 11:05:00 PM", dt.datetime(2013, 12, 31, 23, 5, tzinfo=ZoneInfo(NY))),
    ],
)
def test_every_date_and_time_form(tmp_path, header, value, expected):
    path = write(tmp_path, "a.csv", f"ID,{header},Latitude,Longitude\nA1,{value},38.9,-77.0\n")
    alert = alerts_of(path).alerts[0]
    assert alert.fired_at == expected
    assert alert.fired_date == expected.astimezone(ZoneInfo(NY)).date()


def test_date_only_forms_are_kept_as_dates(tmp_path):
    path = write(
        tmp_path,
        "a.csv",
        "id,date,latitude,longitude\n,1-Jan-13,38.9,-77.0\n,7/4/2018,38.9,-77.0\n",
    )
    result = alerts_of(path)
    assert [(a.fired_at, a.fired_date) for a in result.alerts] == [
        (None, dt.date(2013, 1, 1)),
        (None, dt.date(2018, 7, 4)),
    ]


def test_split_date_and_time_columns_in_local_time(tmp_path):
    path = write(
        tmp_path,
        "a.csv",
        "ID,Type,Date,Time,Latitude,Longitude\nX,Single Gunshot,7/1/2018,0:25:49,38.895,-76.94\n",
    )
    alert = alerts_of(path).alerts[0]
    assert alert.fired_at == dt.datetime(2018, 7, 1, 0, 25, 49, tzinfo=ZoneInfo(NY))
    assert alert.fired_at.astimezone(dt.UTC).hour == 4


def test_type_spellings_and_an_unknown_type(tmp_path):
    rows = "\n".join(
        f"{i},7/1/2018,38.9,-77.0,{t}"
        for i, t in enumerate(
            ["Single_Gunshot", "Single Gunshot", "MULTIPLE GUNSHOTS", "Gunshot_or_Firecracker", ""]
        )
    )
    path = write(tmp_path, "a.csv", "ID,Date,Lat,Lng,Type\n" + rows + "\n")
    assert [a.alert_type for a in alerts_of(path).alerts] == [
        "single_gunshot",
        "single_gunshot",
        "multiple_gunshots",
        "gunshot_or_firecracker",
        "",
    ]
    bad = write(tmp_path, "b.csv", "ID,Date,Lat,Lng,Type\n1,7/1/2018,38.9,-77.0,Fireworks\n")
    result = alerts_of(bad)
    assert not result.alerts
    assert [(e.row, e.column, e.value) for e in result.errors] == [(2, "Type", "Fireworks")]


def test_header_synonyms_latitude_100_meter_and_stated_precision(tmp_path):
    path = write(
        tmp_path,
        "a.csv",
        "Incident ID,Date,Latitude-100meter,Longitude-100meter,Rnds\n"
        "9,2019-05-02 10:00,41.88,-87.631,4\n",
    )
    alert = alerts_of(path).alerts[0]
    assert (alert.source_id, alert.place.latitude, alert.place.longitude) == ("9", 41.88, -87.631)
    assert alert.rounds == 4
    assert alert.place.decimals == 3
    assert 70 < alert.place.uncertainty_m < 90  # half the diagonal of a 0.001 degree cell


def test_blank_ids_get_stable_synthetic_ids_and_identical_rows_stay_two(tmp_path):
    text = (
        "id,date,latitude,longitude,type\n"
        ",9/8/2018,39.93,-75.1,Multiple_Gunshots\n"
        ",9/8/2018,39.93,-75.1,Multiple_Gunshots\n"
        ",9/9/2018,39.93,-75.1,Multiple_Gunshots\n"
    )
    first = alerts_of(write(tmp_path, "a.csv", text))
    again = alerts_of(write(tmp_path, "b.csv", text))
    ids = [a.source_id for a in first.alerts]
    assert ids == [a.source_id for a in again.alerts]
    assert len(set(ids)) == 3 and ids[1] == ids[0] + "-2"
    assert all(a.source_id_synthetic for a in first.alerts)


def test_impossible_or_missing_coordinates_are_unplaceable_not_bad(tmp_path):
    path = write(
        tmp_path,
        "a.csv",
        "ID,Date,Latitude,Longitude\n"
        "1,7/1/2018,38.9,-77.0\n"
        "2,7/1/2018,38.9,90.25\n"
        "3,7/1/2018,,\n"
        "4,7/1/2018,-77.0,38.9\n"
        "5,7/1/2018,0,0\n"
        "6,not a date,38.9,-77.0\n",
    )
    result = alerts_of(path)
    assert [a.source_id for a in result.alerts] == ["1"]
    assert [(e.row, e.reason) for e in result.unplaceable] == [
        (3, "(38.9, 90.25) lies outside the United States and Puerto Rico"),
        (4, "is empty: the record cannot be placed on a map"),
        (5, "latitude and longitude look swapped"),
        (6, "(0.0, 0.0) lies outside the United States and Puerto Rico"),
    ]
    assert [(e.row, e.column) for e in result.errors] == [(7, "Date")]


def test_profile_file_overrides_columns_time_zone_and_bounds(tmp_path):
    path = write(
        tmp_path, "a.csv", "Shot No,When,Northing,Easting\nS1,2020-03-01 12:00,51.5,-0.12\n"
    )
    with pytest.raises(TableError, match="no column for latitude, longitude"):
        alerts_of(path)
    profile = {
        "fields": {
            "source_id": ["Shot No"],
            "fired_at": ["When"],
            "latitude": ["Northing"],
            "longitude": ["Easting"],
        },
        "options": {
            "timezone": "Europe/London",
            "bounds": {
                "name": "London",
                "min_latitude": 51,
                "max_latitude": 52,
                "min_longitude": -1,
                "max_longitude": 1,
            },
        },
    }
    alert = alerts_of(path, profile).alerts[0]
    assert alert.source_id == "S1"
    assert alert.fired_at == dt.datetime(2020, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/London"))


def test_workbook_with_one_sheet_per_year(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "2017"
    sheet.append(["ID", "Date", "Time", "Latitude", "Longitude", "Type"])
    sheet.append(["A1", dt.datetime(2017, 3, 4), dt.time(22, 15), 39.95, -75.16, "Single Gunshot"])
    other = workbook.create_sheet("2018")
    other.append(["Alert ID", "Date", "Lat", "Long", "Type"])
    other.append(["B1", dt.datetime(2018, 5, 6, 1, 2, 3), 39.94, -75.15, "Multiple_Gunshots"])
    other.append(["B2", dt.datetime(2018, 5, 7), 39.94, 75.15, "Multiple_Gunshots"])
    path = tmp_path / "alerts.xlsx"
    workbook.save(path)
    result = alerts_of(path)
    assert [(a.source_id, a.sheet, a.fired_at) for a in result.alerts] == [
        ("A1", "2017", dt.datetime(2017, 3, 4, 22, 15, tzinfo=ZoneInfo(NY))),
        ("B1", "2018", dt.datetime(2018, 5, 6, 1, 2, 3, tzinfo=ZoneInfo(NY))),
    ]
    assert [(e.file, e.row, e.column) for e in result.unplaceable] == [
        ("alerts.xlsx [2018]", 3, "Long")
    ]


def test_a_repeated_source_id_is_refused(tmp_path):
    path = write(tmp_path, "a.csv", "ID,Date,Lat,Lon\nA,7/1/2018,38.9,-77\nA,7/2/2018,38.9,-77\n")
    result = alerts_of(path)
    assert [(e.row, e.reason) for e in result.errors] == [
        (3, "repeats the id of row 2 of this file")
    ]


def test_incident_rows_of_one_number_merge_and_victims_become_persons(tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {
                "dc_key": "K1",
                "date": "2023/06/01 10:00:00",
                "fatal": True,
                "age": 30.0,
                "sex": "M",
                "race": "B",
                "block_number": 100.0,
                "street_name": "MAIN ST",
                "police_district": "12",
            },
            "geometry": None,
        },
        {
            "type": "Feature",
            "properties": {
                "dc_key": "K1",
                "date": "2023/06/01 10:05:00",
                "fatal": False,
                "age": 19.0,
                "sex": "F",
                "race": "W",
            },
            "geometry": {"type": "Point", "coordinates": [-75.15, 39.95]},
        },
        {
            "type": "Feature",
            "properties": {
                "dc_key": "K2",
                "date": "2023/06/02 00:00:00",
                "fatal": False,
                "age": None,
                "sex": "M",
                "race": "B",
            },
            "geometry": None,
        },
    ]
    path = tmp_path / "shootings.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = incidents_of(path)
    assert [i.incident_number for i in result.incidents] == ["K1"]
    k1 = result.incidents[0]
    assert k1.occurred_at == dt.datetime(2023, 6, 1, 10, 0, tzinfo=ZoneInfo(NY))
    assert (k1.place.latitude, k1.place.longitude) == (39.95, -75.15)  # from its second row
    assert k1.address == "100 MAIN ST" and k1.district == "12"
    assert [(p.role, p.age, p.sex, p.fatal) for p in k1.persons] == [
        ("victim", 30, "M", True),
        ("victim", 19, "F", False),
    ]
    assert k1.victims_killed_injured() == (1, 1)
    assert result.unplaceable_incidents == 1 and result.unplaceable[0].row == 3


def test_incident_date_only_and_blank_numbers(tmp_path):
    path = write(
        tmp_path,
        "i.csv",
        "Case Number,Offense Date,Offense,Latitude,Longitude\n"
        ",1-Jan-13,ASSAULT W/ GUN,38.9,-77.0\n"
        "C-2,01/02/2013,ROBBERY,38.91,-77.01\n",
    )
    result = incidents_of(path)
    first, second = result.incidents
    assert first.incident_number.startswith("SYN-") and first.incident_number_synthetic
    assert (first.occurred_at, first.occurred_date) == (None, dt.date(2013, 1, 1))
    assert second.incident_number == "C-2" and second.offense == "ROBBERY"


def test_persons_file(tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        "incident_number,role,last_name,first_name,middle_name,dob,age,sex,race,address,city,state,zip\n"
        "C-2,Victim,DOE,JANE,Q,1990-04-05,,F,W,1 ELM ST,METRO,MD,21201\n"
        "C-2,S,ROE,RICH,,,,M,B,,,,\n"
        "C-2,Bystander,X,Y,,,,,,,,,\n"
        "C-3,suspect,A,B,,13/45/1990,,,,,,,\n",
    )
    result = parse_persons(read_rows(path), file_name="p.csv", profile=load_profile("persons"))
    assert [(p.role, p.last_name, p.dob) for p in result.persons] == [
        ("victim", "DOE", dt.date(1990, 4, 5)),
        ("suspect", "ROE", None),
    ]
    assert [(e.row, e.column) for e in result.errors] == [(4, "role"), (5, "dob")]

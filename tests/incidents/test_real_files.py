"""Every real public file in shared/data imports, with counts taken from the file itself."""

from __future__ import annotations

import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal.choices import JobStatus
from portal.incidents.models import (
    AlertPairLink,
    Incident,
    IncidentPerson,
    ShootingEvent,
    ShotSpotterAlert,
)
from portal.models import Job
from tests.incidents.conftest import SHARED

pytestmark = pytest.mark.django_db

CAMDEN = SHARED / "shotspotter" / "camden_nj_2013_2018.csv"
DC_ALERTS = SHARED / "shotspotter" / "washington_dc_2018q3.csv"
DC_INCIDENTS = SHARED / "incidents" / "washington_dc_crime_incidents_2019.csv"
PHILADELPHIA = SHARED / "incidents" / "philadelphia_shootings_2023.json"


def run(command, path, agency, *flags):
    out = StringIO()
    call_command(command, str(path), "--agency", agency.ori, *flags, stdout=out, stderr=StringIO())
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)


def csv_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_camden_alerts_have_no_ids_and_no_times(agency_a):
    rows = csv_rows(CAMDEN)
    report = run("import_shotspotter", CAMDEN, agency_a)
    assert int(report["created"]) == len(rows) == ShotSpotterAlert.objects.count()
    assert int(report["synthetic_ids"]) == len(rows)
    assert int(report["date_only"]) == len(rows)
    # Identical rows (same rounded place on the same day) stay separate alerts.
    assert ShotSpotterAlert.objects.filter(source_id__endswith="-2").exists()
    # 2018 rows are rounded to two decimals (about 1 km): their stated precision is kept.
    rounded = ShotSpotterAlert.objects.filter(coordinate_decimals__lte=2)
    assert rounded.count() == sum(
        1 for r in rows if max(len(r[k].partition(".")[2]) for k in ("latitude", "longitude")) <= 2
    )
    assert all(a.location_uncertainty_m > 500 for a in rounded)
    again = run("import_shotspotter", CAMDEN, agency_a)
    assert (again["created"], again["unchanged"]) == ("0", str(len(rows)))
    assert ShotSpotterAlert.objects.count() == len(rows)


def test_washington_alerts_with_split_date_and_time(agency_a, django_capture_on_commit_callbacks):
    rows = csv_rows(DC_ALERTS)
    with django_capture_on_commit_callbacks(execute=True):
        report = run("import_shotspotter", DC_ALERTS, agency_a)
    assert int(report["created"]) == len(rows) and report["date_only"] == "0"
    alert = ShotSpotterAlert.objects.get(source_id=rows[0]["ID"])
    assert alert.alert_type == "multiple_gunshots" and alert.coverage_area == rows[0]["Source"]
    assert (
        alert.fired_at and alert.fired_at.isoformat() == "2018-07-01T04:25:49+00:00"
    )  # 0:25:49 Eastern
    types = {r["Type"] for r in rows}
    assert len(types) == ShotSpotterAlert.objects.values("alert_type").distinct().count()
    # Linking ran after the import and grouped alerts of one shooting.
    assert Job.objects.get(kind="incidents-link").status == JobStatus.SUCCEEDED
    assert ShootingEvent.objects.exists()
    for pair in AlertPairLink.objects.all():
        assert abs(pair.minutes) <= 5 and pair.distance_m <= 100 + 2 * 79


def test_washington_incidents_one_per_ccn(agency_a):
    rows = csv_rows(DC_INCIDENTS)
    numbers = {r["CCN"] for r in rows}
    report = run("import_incidents", DC_INCIDENTS, agency_a)
    assert int(report["rows_read"]) == len(rows)
    assert int(report["created"]) == len(numbers) == Incident.objects.count()
    assert int(report["rows_merged_into_earlier_incidents"]) == len(rows) - len(numbers)
    guns = sum(1 for n in numbers if next(r for r in rows if r["CCN"] == n)["METHOD"] == "GUN")
    assert Incident.objects.filter(weapon="GUN").count() == guns
    again = run("import_incidents", DC_INCIDENTS, agency_a)
    assert again["created"] == "0" and int(again["unchanged"]) == len(numbers)


def test_philadelphia_geojson_needs_skip_invalid_for_the_feature_without_geometry(agency_a):
    features = json.loads(PHILADELPHIA.read_text())["features"]
    placed = {f["properties"]["dc_key"] for f in features if f["geometry"]}
    every = {f["properties"]["dc_key"] for f in features}
    with pytest.raises(CommandError, match="nothing was written"):
        run("import_incidents", PHILADELPHIA, agency_a)
    assert not Incident.objects.exists()

    report = run("import_incidents", PHILADELPHIA, agency_a, "--skip-invalid")
    assert int(report["created"]) == len(placed) == Incident.objects.count()
    assert int(report["skipped"]) == len(every - placed)
    victims = sum(1 for f in features if f["properties"]["dc_key"] in placed)
    assert IncidentPerson.objects.filter(role="victim").count() == victims
    fatal = sum(
        1 for f in features if f["properties"]["dc_key"] in placed and f["properties"]["fatal"]
    )
    assert sum(Incident.objects.values_list("killed", flat=True)) == fatal
    again = run("import_incidents", PHILADELPHIA, agency_a, "--skip-invalid")
    assert again["created"] == "0" and again["persons_created"] == "0"
    assert IncidentPerson.objects.count() == victims

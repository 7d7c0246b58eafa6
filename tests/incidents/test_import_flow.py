"""Upload pages, all-or-nothing refusals, --persons and --profile on the commands."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from portal.choices import JobStatus
from portal.incidents.models import AlertIncidentLink, Incident, IncidentPerson, ShotSpotterAlert
from portal.models import Job
from tests.incidents.conftest import SHARED

pytestmark = pytest.mark.django_db

INCIDENTS = (
    "Incident Number,Date Occurred,Time Occurred,Offense,NCIC Code,Address,Latitude,Longitude\n"
    "24-1,05/01/2024,18:00,AGG ASSAULT,1399,100 MAIN ST,39.2904,-76.6122\n"
    "24-2,05/01/2024,,ROBBERY,1299,200 MAIN ST,39.3004,-76.6122\n"
)
PERSONS = (
    "incident_number,role,last_name,first_name,middle_name,dob,age,sex,race,address,city,state,zip\n"
    "24-1,victim,DOE,JANE,,1990-01-02,,F,W,1 ELM ST,METRO,MD,21201\n"
    "24-1,suspect,ROE,RICHARD,A,,19,M,B,,,,\n"
)


def test_upload_page_imports_and_links(
    analyst_client, agency_a, django_capture_on_commit_callbacks
):
    alerts = SimpleUploadedFile(
        "alerts.csv",
        b"ID,Date,Time,Latitude,Longitude,Type\n"
        b"S1,5/1/2024,18:05:00,39.2905,-76.6123,Single_Gunshot\n"
        b"S2,5/1/2024,18:06:00,39.29,90.25,Single_Gunshot\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(
            "/imports/incidents/", {"file": SimpleUploadedFile("i.csv", INCIDENTS.encode())}
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            "/imports/shotspotter/", {"file": alerts, "skip_invalid": "on"}
        )
    job = Job.objects.filter(kind="shotspotter").get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.result["created"], job.result["skipped"]) == (1, 1)
    page = analyst_client.get(job.get_absolute_url()).content.decode()
    assert "lies outside the United States" in page and "alerts.csv" in page
    # 24-1 at 18:00, 10 m away: linked; 24-2 is date-only but 1.1 km away: not.
    link = AlertIncidentLink.objects.select_related("incident").get()
    assert link.incident.incident_number == "24-1" and link.minutes == pytest.approx(-5)


def test_a_bad_row_writes_nothing_and_every_bad_row_is_reported(
    analyst_client, django_capture_on_commit_callbacks
):
    text = INCIDENTS + "24-3,13/45/2024,,X,,,39.29,-76.61\n24-4,05/01/2024,,X,,,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(
            "/imports/incidents/", {"file": SimpleUploadedFile("bad.csv", text.encode())}
        )
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and not Incident.objects.exists()
    assert [(e["row"], e["column"], e["value"]) for e in job.result["errors"]] == [
        (4, "Date Occurred", "13/45/2024"),
        (5, "Latitude", ""),
    ]
    assert "2 of 4 rows are bad; nothing was written" in job.message


def test_import_incidents_with_persons_file(agency_a, tmp_path):
    incidents, persons = tmp_path / "incidents.csv", tmp_path / "persons.csv"
    incidents.write_text(INCIDENTS)
    persons.write_text(PERSONS)
    out = StringIO()
    call_command(
        "import_incidents",
        str(incidents),
        "--agency",
        agency_a.ori,
        "--persons",
        str(persons),
        stdout=out,
    )
    assert "persons_file_persons_created: 2" in out.getvalue()
    incident = Incident.objects.get(incident_number="24-1")
    assert incident.ncic_code == "1399" and not incident.occurred_date_only
    assert Incident.objects.get(incident_number="24-2").occurred_date_only
    people = {(p.role, p.last_name, p.middle_name) for p in IncidentPerson.objects.all()}
    assert people == {("victim", "DOE", ""), ("suspect", "ROE", "A")}
    # Persons of an unknown incident: the whole import is refused.
    persons.write_text(PERSONS + "99-9,witness,X,Y,,,,,,,,,\n")
    with pytest.raises(CommandError):
        call_command(
            "import_incidents",
            str(incidents),
            "--agency",
            agency_a.ori,
            "--persons",
            str(persons),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert IncidentPerson.objects.count() == 2


def test_profile_file_on_the_command(agency_a, tmp_path):
    data = tmp_path / "alerts.csv"
    data.write_text("Shot,When,N,E,Kind\nQ1,2024-05-01 18:00,39.29,-76.61,single gunshot\n")
    profile = tmp_path / "profile.json"
    profile.write_text(
        json.dumps(
            {
                "fields": {
                    "source_id": ["Shot"],
                    "fired_at": ["When"],
                    "latitude": ["N"],
                    "longitude": ["E"],
                    "alert_type": ["Kind"],
                }
            }
        )
    )
    with pytest.raises(CommandError):
        call_command(
            "import_shotspotter",
            str(data),
            "--agency",
            agency_a.ori,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    call_command(
        "import_shotspotter",
        str(data),
        "--agency",
        agency_a.ori,
        "--profile",
        str(profile),
        stdout=StringIO(),
    )
    assert ShotSpotterAlert.objects.get().source_id == "Q1"


def test_detectives_have_no_import_pages(owner_client):
    assert owner_client.get("/imports/shotspotter/").status_code == 403


def test_shared_file_through_the_upload_page(analyst_client, django_capture_on_commit_callbacks):
    path = SHARED / "shotspotter" / "washington_dc_2018q3.csv"
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post("/imports/shotspotter/", {"file": upload})
    job = Job.objects.get(kind="shotspotter")
    assert (
        job.status == JobStatus.SUCCEEDED
        and job.result["created"] == len(path.read_text().splitlines()) - 1
    )

"""The e-Trace import: report, all-or-nothing, idempotence, history, XLSX, command, upload."""

from __future__ import annotations

import sys
from io import StringIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from portal.models import Job
from tests.conftest import login
from tests.factories import UserFactory
from tracing.models import Dealer, Firearm, PersonMention, Purchase, Trace, TraceChange
from tracing.synthetic import HEADER

from .helpers import row, run_import, write_etrace

pytestmark = pytest.mark.django_db


def test_a_file_becomes_traces_firearms_dealers_purchases_and_mentions(agency_a, tmp_path):
    path = write_etrace(
        tmp_path / "traces.csv",
        [
            row(
                "T1",
                possessor_last="ROE",
                possessor_first="RICHARD",
                recovery_lat="39.1",
                recovery_lon="-76.5",
                request_date="06/03/2024",
            ),
            row(
                "T2",
                trace_status="Not Completed - Too Old",
                purchase_date="",
                ffl_number="",
                purchaser_last="",
                purchaser_first="",
                purchaser_dob="",
                serial_number="",
                obliterated="Y",
            ),
        ],
    )
    job = run_import(agency_a, path)

    assert job.status == "succeeded", job.result
    assert {k: job.result[k] for k in ("rows_read", "created", "updated", "unchanged")} == {
        "rows_read": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    first = Trace.objects.get(trace_number="T1")
    assert first.time_to_crime_days == (1461)  # 2020-06-01 to 2024-06-01
    assert first.status == "completed" and str(first.request_date) == "2024-06-03"
    assert (first.recovery_lat, first.recovery_lon) == (39.1, -76.5)
    assert first.source_row == 2 and len(first.row_hash) == 32
    assert first.source_file.original_name == "traces.csv"
    purchase = Purchase.objects.get(trace=first)
    assert purchase.dealer is not None and purchase.purchaser is not None
    assert purchase.dealer.ffl_number == "1-54-123-01-9A-12345"
    assert purchase.purchaser.last_name == "DOE" and purchase.purchaser.role == "purchaser"
    possessor = PersonMention.objects.get(trace=first, role="possessor")
    assert (possessor.last_name, possessor.first_name, possessor.dob_as_written) == (
        "ROE",
        "RICHARD",
        "1990-01-01",
    )
    second = Trace.objects.get(trace_number="T2")
    assert second.status == "not_completed" and second.status_reason == "Too Old"
    assert second.time_to_crime_days is None and second.firearm.obliterated
    assert not Purchase.objects.filter(trace=second).exists()
    assert Dealer.objects.get().license_name == "ACME GUNS"


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(agency_a, tmp_path):
    path = write_etrace(
        tmp_path / "bad.csv",
        [
            row("T1"),
            row("T2", recovery_date="2024-13-45"),
            row("T3", ffl_number="2-54-123-01-9A-12345"),
            row("T4", serial_number="", obliterated="N"),
            row("T5", recovery_date="2019-01-01", purchase_date="2020-01-01"),
            row("T6", purchaser_dob="yesterday"),
        ],
    )
    job = run_import(agency_a, path)

    assert job.status == "failed"
    assert job.message == "5 of 6 rows are bad; nothing was written."
    errors = {(e["row"], e["column"]): e for e in job.result["errors"]}
    assert errors[(3, "recovery_date")]["value"] == "2024-13-45"
    assert "not an ATF region" in errors[(4, "ffl_number")]["reason"]
    assert errors[(5, "serial_number")]["reason"] == "is empty and the serial is not obliterated"
    assert "before the purchase date 2020-01-01" in errors[(6, "recovery_date")]["reason"]
    assert errors[(7, "purchaser_dob")]["file"] == "bad.csv"
    assert not Trace.objects.exists() and not Firearm.objects.exists()
    assert not Dealer.objects.exists() and not PersonMention.objects.exists()


def test_the_same_file_twice_changes_nothing(agency_a, tmp_path):
    path = write_etrace(tmp_path / "t.csv", [row("T1"), row("T2", serial_number="XYZ9")])
    run_import(agency_a, path)
    before = list(Trace.objects.order_by("pk").values())
    job = run_import(agency_a, path)

    assert job.result["created"] == 0 and job.result["updated"] == 0
    assert job.result["unchanged"] == 2
    assert list(Trace.objects.order_by("pk").values()) == before
    assert Firearm.objects.count() == 2 and PersonMention.objects.count() == 4
    assert not TraceChange.objects.exists()


def test_a_trace_seen_again_with_new_facts_is_updated_and_the_change_kept(agency_a, tmp_path):
    run_import(agency_a, write_etrace(tmp_path / "a.csv", [row("T1"), row("T2")]))
    newer = write_etrace(
        tmp_path / "b.csv",
        [row("T1", agency_case_number="24-001", possessor_last="ROE"), row("T2"), row("T3")],
    )
    job = run_import(agency_a, newer)

    assert (job.result["created"], job.result["updated"], job.result["unchanged"]) == (1, 1, 1)
    trace = Trace.objects.get(trace_number="T1")
    assert trace.agency_case_number == "24-001"
    assert trace.source_file.original_name == "b.csv"
    assert trace.purchaser_not_possessor
    assert trace.mentions.get(role="possessor").last_name == "ROE"
    change = TraceChange.objects.get(trace=trace)
    assert change.changes == {
        "agency_case_number": ["", "24-001"],
        "possessor_last": ["DOE", "ROE"],
    }
    assert change.source_row == 2 and change.source_file.original_name == "b.csv"


def test_a_corrected_serial_moves_the_trace_to_its_gun_and_drops_the_gun_left_empty(
    agency_a, tmp_path
):
    run_import(agency_a, write_etrace(tmp_path / "a.csv", [row("T1")]))
    old_gun = Trace.objects.get(trace_number="T1").firearm
    # T1's serial corrected to a gun that T2 (new) also has; T3 (new) is T1's old gun.
    job = run_import(
        agency_a,
        write_etrace(
            tmp_path / "b.csv",
            [row("T1", serial_number="ZZ-9"), row("T2", serial_number="zz9"), row("T3")],
        ),
    )
    assert (job.result["created"], job.result["updated"]) == (2, 1), job.result
    traces = {t.trace_number: t for t in Trace.objects.select_related("firearm")}
    assert traces["T1"].firearm == traces["T2"].firearm != old_gun
    assert traces["T1"].firearm.serial_normalised == "ZZ9"
    assert traces["T3"].firearm == old_gun
    change = TraceChange.objects.get(trace=traces["T1"])
    assert change.changes == {"serial_number": ["ABC123", "ZZ-9"]}
    # T3 corrected as well: its old gun has no trace left and is gone.
    run_import(agency_a, write_etrace(tmp_path / "c.csv", [row("T3", serial_number="ZZ9")]))
    assert list(Firearm.objects.values_list("serial_normalised", flat=True)) == ["ZZ9"]
    assert Firearm.objects.get().traces.count() == 3


def test_the_same_trace_twice_in_one_file_with_other_facts_is_refused(agency_a, tmp_path):
    path = write_etrace(tmp_path / "t.csv", [row("T1"), row("T1", model="26")])
    job = run_import(agency_a, path)
    assert job.status == "failed"
    assert job.result["errors"][0]["reason"] == "appears again with other facts (first on row 2)"


def test_xlsx_files_import_like_csv(agency_a, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    cells = row("T9")
    sheet.append([cells.get(name, "") for name in HEADER])
    path = tmp_path / "traces.xlsx"
    workbook.save(path)
    job = run_import(agency_a, path)
    assert job.status == "succeeded", job.result
    assert Trace.objects.get().trace_number == "T9"


def test_a_file_with_other_header_spellings_maps_through_the_profile(agency_a, tmp_path):
    header = ["Trace Number", "Recovery Date", "Serial", "Make", "Sale Date", "FFL"]
    path = tmp_path / "export.csv"
    path.write_text(",".join(header) + "\nT7,2024-01-05,QQ123,S&W,2023-12-01,154123019A12345\n")
    job = run_import(agency_a, path)
    assert job.status == "succeeded", job.result
    trace = Trace.objects.get()
    assert trace.time_to_crime_days == 35 and trace.firearm.manufacturer == "SMITH & WESSON"


def test_a_file_without_a_required_column_is_refused(agency_a, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("trace_number,recovery_date\nT1,2024-01-01\n")
    job = run_import(agency_a, path)
    assert job.status == "failed" and "no column for serial_number" in job.message


def test_import_etrace_command(agency_a, tmp_path):
    path = write_etrace(tmp_path / "t.csv", [row("T1")])
    out = StringIO()
    call_command("import_etrace", str(path), "--agency", "AA0000001", stdout=out)
    assert "created: 1" in out.getvalue()
    bad = write_etrace(tmp_path / "bad.csv", [row("T2", ffl_number="nonsense")])
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_etrace", str(bad), "--agency", "AA0000001", stderr=err)
    assert "bad.csv row 2, column ffl_number" in err.getvalue()


def test_analysts_upload_on_the_import_page(agency_a, tmp_path, django_capture_on_commit_callbacks):
    client = login(Client(), UserFactory(agency=agency_a, role="analyst"))
    content = write_etrace(tmp_path / "t.csv", [row("T1"), row("T2")]).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/etrace/", {"file": SimpleUploadedFile("traces.csv", content)}
        )
    job = Job.objects.get(kind="etrace")
    assert response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert job.status == "succeeded" and "Created" in page
    assert Trace.objects.filter(agency=agency_a).count() == 2


def test_the_profile_that_fits_the_header_is_picked(agency_a, tmp_path):
    header = [
        "Trace Number",
        "Recovery Date",
        "Firearm Serial Number",
        "Purchaser Last Name",
        "Purchaser First Name",
        "Purchase Date",
        "Dealer FFL Number",
    ]
    path = tmp_path / "long.csv"
    path.write_text(",".join(header) + "\nT8,2024-01-05,QQ123,ROE,ANN,2023-12-01,154123019A12345\n")
    job = run_import(agency_a, path)
    assert job.status == "succeeded", job.result
    assert job.result["profile"] == "long-titles"
    assert PersonMention.objects.get(role="purchaser").last_name == "ROE"


def test_a_broken_row_in_the_middle_of_the_file_refuses_it_whole(agency_a, tmp_path):
    path = write_etrace(tmp_path / "t.csv", [row("T1"), row("T2", serial_number="Z2")])
    with path.open("a") as handle:
        handle.write("T3,2024-01-01,Completed" + ",x" * 60 + "\n")
    job = run_import(agency_a, path)
    assert job.status == "failed" and "has more cells" in job.message
    assert not Trace.objects.exists()


def test_the_parse_hands_the_lock_over_quickly_and_the_interval_is_restored(
    agency_a, tmp_path, monkeypatch
):
    from tracing import importers
    from tracing.services import STAGE_SWITCH_INTERVAL

    seen: list[float] = []
    original = importers.EtraceParser.lines

    def lines(self, header, rows):
        for line in original(self, header, rows):
            seen.append(sys.getswitchinterval())
            yield line

    monkeypatch.setattr(importers.EtraceParser, "lines", lines)
    before = sys.getswitchinterval()
    good = write_etrace(tmp_path / "good.csv", [row("T1"), row("T2", serial_number="XY9")])
    assert run_import(agency_a, good).status == "succeeded"
    assert seen == [pytest.approx(STAGE_SWITCH_INTERVAL)] * 2
    assert sys.getswitchinterval() == before
    bad = write_etrace(tmp_path / "bad.csv", [row("T3", recovery_date="not a date")])
    assert run_import(agency_a, bad).status == "failed"
    assert sys.getswitchinterval() == before

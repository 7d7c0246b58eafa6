"""import_scans and correlate_all on real scans, as a lab would run them."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ballistics.models import Scan
from tests.ballistics.data import fadul_dir

FILES = ["Fadul_1-1.x3p", "Fadul_1-2.x3p", "Fadul_2-1.x3p"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(fadul_dir() / name, tmp_path / name)
    (tmp_path / "broken.x3p").write_bytes(b"not a zip at all")
    return tmp_path


@pytest.mark.django_db
def test_import_then_correlate_all(
    folder: Path, agency_a: Any, outsider: Any, tmp_path: Path, capsys: Any
) -> None:
    call_command("import_scans", str(folder), agency=agency_a.ori)
    captured = capsys.readouterr()
    assert "3 scans imported, 0 already present, 1 refused." in captured.out
    assert "broken.x3p: The file is not an X3P file" in captured.err
    call_command("import_scans", str(folder), agency=agency_a.ori)
    assert "0 scans imported, 3 already present" in capsys.readouterr().out
    assert Scan.objects.filter(agency=agency_a).count() == 3
    scan = Scan.objects.get(original_name="Fadul_1-1.x3p")
    assert scan.resolution_um == pytest.approx(6.25) and (scan.rows, scan.columns) == (545, 545)
    assert len(scan.sha256) == 64 and scan.stored_name != scan.original_name
    # Agency B sees none of agency A's scans.
    assert not Scan.objects.visible_to(outsider).exists()

    out = tmp_path / "scores.csv"
    call_command("correlate_all", out=str(out), agency=agency_a.ori, processes=1)
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 and set(rows[0]) == {"scan_a", "scan_b", "score"}
    best = max(rows, key=lambda row: float(row["score"]))
    assert {best["scan_a"], best["scan_b"]} == {"Fadul_1-1.x3p", "Fadul_1-2.x3p"}


@pytest.mark.django_db
def test_unknown_agency_is_refused(folder: Path) -> None:
    with pytest.raises(CommandError, match="No agency"):
        call_command("import_scans", str(folder), agency="XX0000000")

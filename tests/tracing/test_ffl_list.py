"""The ATF public FFL list: `import_ffl_list FILE`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tracing.models import Dealer

from .helpers import row, run_import, write_etrace

pytestmark = pytest.mark.django_db

HEADER = (
    "LIC_REGN,LIC_DIST,LIC_CNTY,LIC_TYPE,LIC_XPRDTE,LIC_SEQN,LICENSE_NAME,BUSINESS_NAME,"
    "PREMISE_STREET,PREMISE_CITY,PREMISE_STATE,PREMISE_ZIP_CODE,MAIL_STREET,MAIL_CITY,"
    "MAIL_STATE,MAIL_ZIP_CODE,VOICE_PHONE"
)


def test_the_list_creates_and_updates_dealers(agency_a, tmp_path):
    # A dealer first known from a trace gets its list facts.
    run_import(agency_a, write_etrace(tmp_path / "t.csv", [row("T1", dealer_name="")]))
    path = tmp_path / "ffl.txt"
    path.write_text(
        HEADER
        + "\n1,54,123,01,9A,12345,DOE JOHN,ACME GUNS,1 MAIN ST,TESTVILLE,AA,12345,,,,,5551234"
        + "\n9,8,13,2,3M,42,ROE PAWN LLC,,9 HILL RD,FARAWAY,CA,90001,,,,,"
    )
    out = StringIO()
    call_command("import_ffl_list", str(path), stdout=out)
    assert "created: 1" in out.getvalue() and "updated: 1" in out.getvalue()
    known = Dealer.objects.get(ffl_number="1-54-123-01-9A-12345")
    assert known.business_name == "ACME GUNS" and known.in_ffl_list and known.purchases.count()
    pawn = Dealer.objects.get(ffl_key="9-08-013-02-00042")
    assert pawn.license_type_label.startswith("Pawnbroker") and pawn.premise_state == "CA"


def test_a_bad_license_refuses_the_whole_list(tmp_path):
    path = tmp_path / "ffl.csv"
    path.write_text(
        HEADER + "\n1,54,123,01,9A,12345,A,,,,AA,,,,,,\n7,54,123,01,9A,1,B,,,,AA,,,,,,\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 2 rows are bad"):
        call_command("import_ffl_list", str(path), stderr=err)
    assert "region '7'" in err.getvalue()
    assert not Dealer.objects.exists()

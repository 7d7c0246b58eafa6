"""Alias rules: manufacturers, calibers and serials, as shipped and as an admin extends them."""

from __future__ import annotations

import pytest

from tracing.models import CaliberAlias, Firearm, ManufacturerAlias, SerialRule
from tracing.normalise import Normaliser, name_key, serial_key
from tracing.normalise import SerialRule as Rule
from tracing.services import normaliser_load

from .helpers import row, run_import, write_etrace


@pytest.mark.django_db
def test_shipped_manufacturer_aliases_make_one_manufacturer():
    normaliser = normaliser_load()
    spellings = ["S&W", "SMITH & WESSON", "SMITH AND WESSON", "Smith & Wesson, Inc.", "s & w"]
    assert {normaliser.manufacturer(s) for s in spellings} == {"SMITH & WESSON"}
    assert normaliser.manufacturer("Unknown Arms Co.") == "UNKNOWN ARMS CO"


@pytest.mark.django_db
def test_shipped_caliber_aliases_make_one_caliber():
    normaliser = normaliser_load()
    assert {normaliser.caliber(s) for s in ["9MM", "9 MM", "9X19", "9MM LUGER", "9mm"]} == {"9MM"}
    assert normaliser.caliber(".40 S&W") == normaliser.caliber("40 cal") == ".40 S&W"


def test_serials_ignore_case_spaces_and_dashes_but_not_confusables_without_a_rule():
    normaliser = Normaliser()
    assert normaliser.serial("abc-12 3", "GLOCK") == serial_key("ABC123") == "ABC123"
    assert normaliser.serial("ABO123", "GLOCK") != normaliser.serial("AB0123", "GLOCK")


def test_confusable_characters_only_where_a_rule_allows():
    normaliser = Normaliser(serial_rules=[Rule("GLOCK", "OI", "01")])
    assert normaliser.serial("ABO12I", "GLOCK") == "AB0121"
    assert normaliser.serial("ABO12I", "TAURUS") == "ABO12I"


def test_names_are_normalised_beside_the_raw_ones():
    assert name_key(" O'Neil-Smith ") == "ONEIL SMITH"


@pytest.mark.django_db
def test_an_admin_alias_and_serial_rule_apply_to_the_next_import(agency_a, tmp_path):
    ManufacturerAlias.objects.create(alias="Acme Frearms", canonical="ACME FIREARMS")
    CaliberAlias.objects.create(alias="nine millimetre", canonical="9MM")
    SerialRule.objects.create(manufacturer="ACME FIREARMS", confusable_from="O", confusable_to="0")
    path = write_etrace(
        tmp_path / "t.csv",
        [
            row("T1", manufacturer="ACME FIREARMS", serial_number="AO-100", caliber="9mm"),
            row(
                "T2", manufacturer="Acme Frearms", serial_number="a0 100", caliber="nine millimetre"
            ),
        ],
    )
    job = run_import(agency_a, path)
    assert job.status == "succeeded", job.result
    firearm = Firearm.objects.get()
    assert (firearm.manufacturer, firearm.serial_normalised, firearm.caliber) == (
        "ACME FIREARMS",
        "A0100",
        "9MM",
    )
    assert firearm.traces.count() == 2

"""Each trafficking indicator on hand-made cases, as the import computes it."""

from __future__ import annotations

import datetime as dt

import pytest

from tracing.indicators import ShortTTCShare, trace_indicators
from tracing.models import Dealer, Trace
from tracing.selectors import short_ttc_share
from tracing.services import multiple_sale_trace_ids

from .helpers import row, run_import, write_etrace

pytestmark = pytest.mark.django_db


def _flags(trace_number: str) -> Trace:
    return Trace.objects.select_related("firearm").get(trace_number=trace_number)


def test_time_to_crime_under_one_and_three_years(agency_a, tmp_path):
    run_import(
        agency_a,
        write_etrace(
            tmp_path / "t.csv",
            [
                row("SHORT", purchase_date="2024-01-01", recovery_date="2024-12-30"),
                row(
                    "MID",
                    purchase_date="2022-01-01",
                    serial_number="B2",
                    recovery_date="2024-06-01",
                ),
                row("LONG", purchase_date="2015-01-01", serial_number="C3"),
                row("NONE", purchase_date="", serial_number="D4"),
            ],
        ),
    )
    short, mid, long_, none = (_flags(n) for n in ("SHORT", "MID", "LONG", "NONE"))
    assert short.time_to_crime_days == 364 and short.ttc_under_1_year and short.ttc_under_3_years
    assert not mid.ttc_under_1_year and mid.ttc_under_3_years
    assert not long_.ttc_under_3_years and none.time_to_crime_days is None
    labels = [
        i.label
        for i in trace_indicators(
            time_to_crime_days=364,
            purchaser_not_possessor=False,
            multiple_sale=False,
            repeat_purchaser=False,
            obliterated=False,
            out_of_state_source=False,
        )
    ]
    assert labels == ["Time-to-crime under 1 year", "Time-to-crime under 3 years"]


def test_purchaser_is_not_the_possessor(agency_a, tmp_path):
    run_import(
        agency_a,
        write_etrace(
            tmp_path / "t.csv",
            [
                row("SAME", possessor_last="doe ", possessor_first="John"),
                row("OTHER", serial_number="B2", possessor_last="ROE"),
                row("OTHER-DOB", serial_number="C3", possessor_dob="1991-01-01"),
                row("NO-POSSESSOR", serial_number="D4", possessor_last="", possessor_first=""),
            ],
        ),
    )
    assert not _flags("SAME").purchaser_not_possessor
    assert _flags("OTHER").purchaser_not_possessor
    assert _flags("OTHER-DOB").purchaser_not_possessor
    assert not _flags("NO-POSSESSOR").purchaser_not_possessor


def test_multiple_sale_is_two_handguns_within_five_business_days(agency_a, tmp_path):
    # 2024-03-04 is a Monday: Friday 03-08 is within five business days, Monday 03-11 is not.
    run_import(
        agency_a,
        write_etrace(
            tmp_path / "t.csv",
            [
                row(
                    "A-MON", serial_number="A1", purchaser_last="ALPHA", purchase_date="2024-03-04"
                ),
                row(
                    "A-FRI", serial_number="A2", purchaser_last="ALPHA", purchase_date="2024-03-08"
                ),
                row(
                    "B-MON", serial_number="B1", purchaser_last="BRAVO", purchase_date="2024-03-04"
                ),
                row(
                    "B-MON2", serial_number="B2", purchaser_last="BRAVO", purchase_date="2024-03-11"
                ),
                row(
                    "C-PISTOL",
                    serial_number="C1",
                    purchaser_last="CHARLIE",
                    purchase_date="2024-03-04",
                ),
                row(
                    "C-RIFLE",
                    serial_number="C2",
                    purchaser_last="CHARLIE",
                    firearm_type="RIFLE",
                    purchase_date="2024-03-05",
                ),
            ],
        ),
    )
    flagged = set(Trace.objects.filter(multiple_sale=True).values_list("trace_number", flat=True))
    assert flagged == {"A-MON", "A-FRI"}


def test_multiple_sale_across_two_files(agency_a, tmp_path):
    run_import(agency_a, write_etrace(tmp_path / "a.csv", [row("X1", purchase_date="2024-03-04")]))
    assert not _flags("X1").multiple_sale
    run_import(
        agency_a,
        write_etrace(
            tmp_path / "b.csv", [row("X2", serial_number="Z9", purchase_date="2024-03-05")]
        ),
    )
    assert _flags("X1").multiple_sale and _flags("X2").multiple_sale


def test_multiple_sale_rule_counts_guns_not_traces():
    day = dt.date(2024, 3, 4)
    same_gun_twice = [(1, "P", day, "G1"), (2, "P", day, "G1")]
    assert multiple_sale_trace_ids(same_gun_twice) == set()
    # Saturday and Sunday do not count: Friday to the next Thursday is five business days.
    friday, thursday = dt.date(2024, 3, 8), dt.date(2024, 3, 14)
    assert multiple_sale_trace_ids([(1, "P", friday, "G1"), (2, "P", thursday, "G2")]) == {1, 2}
    assert (
        multiple_sale_trace_ids(
            [(1, "P", friday, "G1"), (2, "P", thursday + dt.timedelta(days=1), "G2")]
        )
        == set()
    )


def test_repeat_purchaser_is_two_traced_guns(agency_a, tmp_path):
    run_import(
        agency_a,
        write_etrace(
            tmp_path / "t.csv",
            [
                row("R1", serial_number="R1", purchaser_last="REPEAT", purchase_date="2019-01-01"),
                row("R2", serial_number="R2", purchaser_last="Repeat", purchase_date="2021-01-01"),
                row("ONCE", serial_number="O1", purchaser_last="ONCE"),
                # The same gun traced twice is not a second gun.
                row("G1", serial_number="G1", purchaser_last="GUNONE"),
                row("G2", serial_number="g-1", purchaser_last="GUNONE", recovery_date="2024-07-01"),
            ],
        ),
    )
    flagged = set(
        Trace.objects.filter(repeat_purchaser=True).values_list("trace_number", flat=True)
    )
    assert flagged == {"R1", "R2"}


def test_obliterated_serial_and_out_of_state_source(agency_a, tmp_path):
    run_import(
        agency_a,
        write_etrace(
            tmp_path / "t.csv",
            [
                row("OBL", serial_number="", obliterated="yes"),
                row(
                    "OUT", serial_number="B2", ffl_number="8-58-051-01-9A-00001", dealer_state="GA"
                ),
                row("IN", serial_number="C3"),
            ],
        ),
    )
    assert _flags("OBL").firearm.obliterated and not _flags("IN").firearm.obliterated
    assert _flags("OUT").out_of_state_source and not _flags("IN").out_of_state_source


def test_dealer_share_of_short_ttc_against_the_agency_average(agency_a, owner, tmp_path):
    rows = [
        row(
            f"H{i}",
            serial_number=f"H{i}",
            ffl_number="1-54-123-01-9A-00001",
            purchase_date="2024-01-01",
        )
        for i in range(3)
    ] + [
        row(
            f"L{i}",
            serial_number=f"L{i}",
            ffl_number="1-54-123-01-9A-00002",
            purchase_date="2010-01-01" if i else "2023-01-01",
        )
        for i in range(5)
    ]
    run_import(agency_a, write_etrace(tmp_path / "t.csv", rows))
    share = short_ttc_share(owner, Dealer.objects.get(sequence="00001"))
    assert (share.dealer_short, share.dealer_traces) == (3, 3)
    assert (share.agency_short, share.agency_traces) == (4, 8)
    assert share.ratio == 2.0
    assert (
        "3 of this dealer's 3" in share.explanation and "2.0 times the average" in share.explanation
    )
    assert ShortTTCShare(0, 0, 5, 1).ratio is None

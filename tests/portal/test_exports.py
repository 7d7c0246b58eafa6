"""The one CSV writer every export uses: formulas neutralised, dates ISO, booleans yes/no."""

from __future__ import annotations

import datetime as dt

from portal.exports import csv_text


def test_csv_text_neutralises_and_formats_cells():
    text, count = csv_text(
        ["name", "when", "flag", "longitude"],
        [["=HYPERLINK(1)", dt.date(2024, 5, 1), True, -76.61], ["@cmd", None, False, 0]],
    )
    assert count == 2
    assert text.splitlines() == [
        "name,when,flag,longitude",
        "'=HYPERLINK(1),2024-05-01,yes,-76.61",
        "'@cmd,,no,0",
    ]

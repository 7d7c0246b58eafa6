"""Spreadsheet-safe CSV cells (pure)."""

from __future__ import annotations

import pytest

from tracing.export import csv_lines, spreadsheet_safe


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_are_quoted(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize(("value", "expected"), [("ACME", "ACME"), (None, ""), (12, "12")])
def test_other_cells_are_left_alone(value, expected):
    assert spreadsheet_safe(value) == expected


def test_csv_lines_quote_each_row_but_not_the_header():
    assert list(csv_lines(["a"], [["=x"], ["y"]])) == ["a\r\n", "'=x\r\n", "y\r\n"]

"""The FFL number parser on valid and invalid numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from tracing.ffl import FFLError, ffl_from_parts, parse_ffl


@pytest.mark.parametrize(
    "text",
    ["1-54-123-01-9A-12345", "154123019A12345", " 1 54 123 01 9a 12345 ", "1.54.123.01.9A.12345"],
)
def test_valid_numbers_in_any_punctuation_parse_to_one_form(text):
    ffl = parse_ffl(text)
    assert ffl.formatted == "1-54-123-01-9A-12345"
    assert (ffl.region, ffl.district, ffl.county) == ("1", "54", "123")
    assert (ffl.license_type, ffl.expiry, ffl.sequence) == ("01", "9A", "12345")
    assert ffl.key == "1-54-123-01-12345"
    assert ffl.license_type_label.startswith("Dealer in firearms")


def test_the_key_survives_a_renewal():
    assert parse_ffl("9-86-013-02-3M-00042").key == parse_ffl("9-86-013-02-6C-00042").key


def test_expiry_is_the_last_day_of_the_month_in_the_nearest_decade():
    today = dt.date(2026, 11, 21)
    assert parse_ffl("1-54-123-01-7B-12345").expires_on(today) == dt.date(2027, 2, 28)
    assert parse_ffl("1-54-123-01-4M-12345").expires_on(today) == dt.date(2024, 12, 31)
    assert parse_ffl("1-54-123-01-9J-12345").expires_on(today) == dt.date(2029, 9, 30)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("1-54-123-01-9A-1234", "has 14 characters"),
        ("2-54-123-01-9A-12345", "region '2' is not an ATF region"),
        ("1-5X-123-01-9A-12345", "district '5X'"),
        ("1-54-12Z-01-9A-12345", "county '12Z'"),
        ("1-54-123-04-9A-12345", "license type '04'"),
        ("1-54-123-01-9I-12345", "expiry '9I'"),
        ("1-54-123-01-9N-12345", "expiry '9N'"),
        ("1-54-123-01-AA-12345", "expiry 'AA'"),
        ("1-54-123-01-9A-1234X", "sequence '1234X'"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(text, reason):
    with pytest.raises(FFLError, match=reason):
        parse_ffl(text)


def test_the_atf_list_columns_get_their_leading_zeros_back():
    assert ffl_from_parts("9", "8", "13", "1", "3M", "42").formatted == "9-08-013-01-3M-00042"

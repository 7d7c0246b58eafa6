"""Person mentions as the engine sees them, and their normalised columnar form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields

import pandas as pd

from leads.resolution import names


@dataclass(frozen=True)
class PersonRecord:
    """One mention of a person in a source record (a purchaser, a possessor, a suspect...).

    `key` identifies the mention (e.g. "trace:123:purchaser"); `source` tells the
    kind of source, so that a run can link only across sources when asked.
    `street` may carry the house number ("12 Main St") or leave it to `street_number`.
    `age` is the age on `age_on` (the record's date) when no date of birth is known.
    """

    key: str
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | str | None = None
    age: int | None = None
    age_on: dt.date | None = None
    sex: str = ""
    street_number: str = ""
    street: str = ""
    address_2: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    source: str = ""


RECORD_COLUMNS = [field.name for field in fields(PersonRecord)]

# The normalised columns every comparison and blocking rule reads.
NORMALISED_COLUMNS = [
    "key",
    "source",
    "first",
    "first_canonical",
    "middle",
    "last",
    "last_soundex",
    "dob",
    "birth_year_min",
    "birth_year_max",
    "sex",
    "street_number",
    "street",
    "address_2",
    "city",
    "state",
    "zip",
]


def records_to_frame(records: Iterable[PersonRecord]) -> pd.DataFrame:
    """Raw records as a DataFrame with the PersonRecord columns."""
    rows = [[getattr(record, name) for name in RECORD_COLUMNS] for record in records]
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


def _first_and_middle(first: str, middle: str) -> tuple[str, str]:
    tokens = names.name_tokens(first)
    if not tokens:
        return "", names.clean_name(middle)
    if not middle and len(tokens) > 1:
        return tokens[0], "".join(tokens[1:])
    return tokens[0], names.clean_name(middle)


def _birth_years(dob: str, age: object, age_on: object) -> tuple[int, int]:
    if dob:
        year = int(dob[:4])
        return year, year
    if age is None or (isinstance(age, float) and age != age) or age_on is None:
        return -1, -1
    if isinstance(age_on, float) and age_on != age_on:
        return -1, -1
    reference = pd.Timestamp(age_on).year
    # Someone aged A on a date in year Y was born in Y-A or Y-A-1.
    return reference - int(age) - 1, reference - int(age)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a frame of raw PersonRecord columns into NORMALISED_COLUMNS.

    Missing columns are treated as empty; every string column holds "" for unknown.
    """
    raw = frame.reindex(columns=RECORD_COLUMNS)
    count = len(raw)

    def column(name: str) -> list[object]:
        values = raw[name].tolist()
        return [None if (isinstance(v, float) and v != v) else v for v in values]

    first_middle = [
        _first_and_middle(first or "", names.ascii_lower(middle))
        for first, middle in zip(column("first_name"), column("middle_name"), strict=True)
    ]
    first = [pair[0] for pair in first_middle]
    last = [names.clean_name(value) for value in column("last_name")]
    dob = [names.date_key(value) for value in column("date_of_birth")]
    years = [
        _birth_years(d, age, on)
        for d, age, on in zip(dob, column("age"), column("age_on"), strict=True)
    ]
    street_numbers: list[str] = []
    streets: list[str] = []
    for number, street in zip(column("street_number"), column("street"), strict=True):
        parsed_number, parsed_street = names.split_street_number(street)
        given = names.clean_text(number).replace(" ", "")
        street_numbers.append(given or parsed_number)
        streets.append(parsed_street)
    out = pd.DataFrame(
        {
            "key": [str(value) for value in column("key")],
            "source": [names.ascii_lower(value) for value in column("source")],
            "first": first,
            "first_canonical": [names.canonical_first_name(value) for value in first],
            "middle": [pair[1] for pair in first_middle],
            "last": last,
            "last_soundex": [names.soundex(value) for value in last],
            "dob": dob,
            "birth_year_min": [y[0] for y in years],
            "birth_year_max": [y[1] for y in years],
            "sex": [names.clean_sex(value) for value in column("sex")],
            "street_number": street_numbers,
            "street": streets,
            "address_2": [names.clean_text(value) for value in column("address_2")],
            "city": [names.clean_text(value) for value in column("city")],
            "state": [names.clean_text(value) for value in column("state")],
            "zip": [names.clean_postcode(value) for value in column("zip_code")],
        },
        index=pd.RangeIndex(count),
    )
    return out

"""Person mentions as the engine sees them, and their normalised columnar form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from leads.resolution import names
from portal.phonetic import soundex


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


def _per_distinct(values: pd.Series, function: Callable[[object], object]) -> np.ndarray:
    """function applied once per distinct value (names, streets and cities repeat a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [function(value) for value in uniques]
    mapped[-1] = function(None)  # code -1: a missing value
    return mapped[codes]


def _birth_years(dob: str, age: object, age_on: object) -> tuple[int, int]:
    if dob:
        year = int(dob[:4])
        return year, year
    if age is None or (isinstance(age, float) and age != age) or age_on is None:
        return -1, -1
    if isinstance(age_on, float) and age_on != age_on:
        return -1, -1
    reference = pd.Timestamp(str(age_on)).year
    years = int(str(age).split(".")[0])
    # Someone aged A on a date in year Y was born in Y-A or Y-A-1.
    return reference - years - 1, reference - years


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a frame of raw PersonRecord columns into NORMALISED_COLUMNS.

    Missing columns are treated as empty; every string column holds "" for unknown.
    A first name of several words gives its first word as the first name and the
    rest as the middle name when no middle name is given.
    """
    raw = frame.reindex(columns=RECORD_COLUMNS)
    count = len(raw)
    first_tokens = _per_distinct(raw["first_name"], names.name_tokens)
    given_middle = _per_distinct(raw["middle_name"], names.clean_name)
    first = np.array([tokens[0] if tokens else "" for tokens in first_tokens], dtype=object)
    middle = np.array(
        [
            given if given or len(tokens) < 2 else "".join(tokens[1:])
            for tokens, given in zip(first_tokens, given_middle, strict=True)
        ],
        dtype=object,
    )
    last = _per_distinct(raw["last_name"], names.clean_name)
    dob = _per_distinct(raw["date_of_birth"].astype(object), names.date_key)
    if raw["age"].isna().all():
        year = np.array([int(d[:4]) if d else -1 for d in dob], dtype=np.int32)
        years_min, years_max = year, year
    else:
        pairs = [
            _birth_years(d, age, on)
            for d, age, on in zip(dob, raw["age"].tolist(), raw["age_on"].tolist(), strict=True)
        ]
        years_min = np.array([p[0] for p in pairs], dtype=np.int32)
        years_max = np.array([p[1] for p in pairs], dtype=np.int32)
    parsed = _per_distinct(raw["street"], names.split_street_number)
    given_numbers = _per_distinct(
        raw["street_number"], lambda value: names.clean_text(value).replace(" ", "")
    )
    street_numbers = np.array(
        [given or found[0] for given, found in zip(given_numbers, parsed, strict=True)],
        dtype=object,
    )
    first_series = pd.Series(first, dtype=object)
    last_series = pd.Series(last, dtype=object)
    return pd.DataFrame(
        {
            "key": raw["key"].astype(str).to_numpy(dtype=object),
            "source": _per_distinct(raw["source"], names.ascii_lower),
            "first": first,
            "first_canonical": _per_distinct(
                first_series, lambda v: names.canonical_first_name(str(v or ""))
            ),
            "middle": middle,
            "last": last,
            "last_soundex": _per_distinct(last_series, lambda v: soundex(str(v or ""))),
            "dob": dob,
            "birth_year_min": years_min,
            "birth_year_max": years_max,
            "sex": _per_distinct(raw["sex"], names.clean_sex),
            "street_number": street_numbers,
            "street": np.array([found[1] for found in parsed], dtype=object),
            "address_2": _per_distinct(raw["address_2"], names.clean_text),
            "city": _per_distinct(raw["city"], names.clean_text),
            "state": _per_distinct(raw["state"], names.clean_text),
            "zip": _per_distinct(raw["zip_code"], names.clean_postcode),
        },
        index=pd.RangeIndex(count),
    )

"""Comparison vectors: for each candidate pair, the agreement level of every field.

Levels are small integers: 0 is "disagrees", the highest is "identical", -1 is
"unknown on one side" (the field then neither adds nor subtracts evidence).
Every comparison is vectorised over the pairs (rapidfuzz's cpdist computes the
string similarities in C++), so that millions of pairs compare in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class Field:
    """One compared field and the names of its levels (index = level)."""

    name: str
    levels: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field(
        "first_name",
        ("different", "initial only", "similar", "typo", "nickname", "identical"),
    ),
    Field("middle_name", ("different", "initial or similar", "identical")),
    Field(
        "last_name", ("different", "sounds alike or part of", "similar", "typo", "identical")
    ),
    Field(
        "date_of_birth",
        ("different", "birth year within one year", "day/month swap or one-digit typo", "identical"),
    ),
    Field("sex", ("different", "identical")),
    Field("street_number", ("different", "typo", "identical")),
    Field("street", ("different", "similar", "very similar", "identical")),
    Field("address_2", ("different", "similar", "identical")),
    Field("city", ("different", "similar", "identical")),
    Field("state", ("different", "identical")),
    Field("zip", ("different", "typo", "identical")),
)
FIELD_INDEX = {field.name: index for index, field in enumerate(FIELDS)}

STRING_COLUMNS = (
    "first",
    "first_canonical",
    "middle",
    "last",
    "last_soundex",
    "dob",
    "sex",
    "street_number",
    "street",
    "address_2",
    "city",
    "state",
    "zip",
)


def columns_of(frame: pd.DataFrame) -> Columns:
    """The normalised frame as numpy arrays, the form every comparison reads."""
    columns: Columns = {name: frame[name].to_numpy(dtype=object) for name in STRING_COLUMNS}
    columns["birth_year_min"] = frame["birth_year_min"].to_numpy(dtype=np.int32)
    columns["birth_year_max"] = frame["birth_year_max"].to_numpy(dtype=np.int32)
    return columns


def _jaro_winkler(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return cpdist(
        a, b, scorer=JaroWinkler.normalized_similarity, workers=-1, dtype=np.float32
    )


def _edits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Optimal-string-alignment distance: one substitution, insertion, deletion or
    swap of two adjacent characters counts as one edit."""
    return cpdist(a, b, scorer=OSA.distance, workers=-1, dtype=np.int32, score_cutoff=3)


def _lengths(values: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, values), dtype=np.int32, count=len(values))


def _initials(values: np.ndarray) -> np.ndarray:
    return np.array([value[:1] for value in values], dtype=object)


def _known(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != "") & (b != "")


def _levels(known: np.ndarray, conditions: list[np.ndarray]) -> np.ndarray:
    """Level = index of the last true condition (conditions go from weakest to strongest)."""
    level = np.zeros(known.shape[0], dtype=np.int8)
    for value, condition in enumerate(conditions, start=1):
        level[condition] = value
    level[~known] = -1
    return level


def _string_levels(
    a: np.ndarray, b: np.ndarray, thresholds: tuple[float, ...], typo_level: int | None = None
) -> np.ndarray:
    """Levels 1..len(thresholds) by Jaro-Winkler thresholds, the top level for identical."""
    known = _known(a, b)
    similarity = _jaro_winkler(a, b)
    conditions = [similarity >= threshold for threshold in thresholds]
    if typo_level is not None:
        conditions[typo_level - 1] = conditions[typo_level - 1] | (_edits(a, b) <= 1)
    conditions.append(a == b)
    return _levels(known, conditions)


def _name_levels(
    first_a: np.ndarray,
    first_b: np.ndarray,
    canonical_a: np.ndarray,
    canonical_b: np.ndarray,
    last_a: np.ndarray,
    last_b: np.ndarray,
    soundex_a: np.ndarray,
    soundex_b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    first_known = _known(first_a, first_b)
    first_similarity = _jaro_winkler(first_a, first_b)
    first_edits = _edits(first_a, first_b)
    initial = (
        ((_lengths(first_a) == 1) | (_lengths(first_b) == 1))
        & first_known
        & (_initials(first_a) == _initials(first_b))
    )
    first = _levels(
        first_known,
        [
            initial,
            first_similarity >= 0.85,
            (first_similarity >= 0.92) | ((first_edits <= 1) & (_lengths(first_a) > 2)),
            canonical_a == canonical_b,
            first_a == first_b,
        ],
    )
    last_known = _known(last_a, last_b)
    last_similarity = _jaro_winkler(last_a, last_b)
    last_edits = _edits(last_a, last_b)
    contains = np.array(
        [len(x) > 2 and len(y) > 2 and (x in y or y in x) for x, y in zip(last_a, last_b, strict=True)],
        dtype=bool,
    )
    last = _levels(
        last_known,
        [
            (soundex_a == soundex_b) | contains,
            last_similarity >= 0.88,
            (last_similarity >= 0.95) | (last_edits <= 1),
            last_a == last_b,
        ],
    )
    # Given name and surname swapped ("SMITH JOHN"): compare crosswise, keep the better.
    cross_first = _jaro_winkler(first_a, last_b)
    cross_last = _jaro_winkler(last_a, first_b)
    swapped = (
        first_known
        & last_known
        & (cross_first >= 0.92)
        & (cross_last >= 0.92)
        & (first < 3)
        & (last < 3)
    )
    first[swapped] = np.where(cross_first[swapped] == 1.0, 5, 3)
    last[swapped] = np.where(cross_last[swapped] == 1.0, 4, 3)
    return first, last


def _date_levels(
    dob_a: np.ndarray,
    dob_b: np.ndarray,
    year_min_a: np.ndarray,
    year_max_a: np.ndarray,
    year_min_b: np.ndarray,
    year_max_b: np.ndarray,
) -> np.ndarray:
    full = _known(dob_a, dob_b)
    years_known = (year_min_a >= 0) & (year_min_b >= 0)
    gap = np.maximum(year_min_a - year_max_b, year_min_b - year_max_a)
    level = np.where(years_known, np.where(gap <= 1, 1, 0), -1).astype(np.int8)
    if full.any():
        index = np.flatnonzero(full)
        a = dob_a[index]
        b = dob_b[index]
        swapped = np.array(
            [x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6] for x, y in zip(a, b, strict=True)],
            dtype=bool,
        )
        close = swapped | (_edits(a, b) <= 1)
        sub = level[index]
        sub[close] = 2
        sub[a == b] = 3
        level[index] = sub
    return level


def compare(left: Columns, right: Columns, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The comparison vectors of pairs (left[i[k]], right[j[k]]): int8 (pairs x fields)."""
    count = len(i)
    out = np.empty((count, len(FIELDS)), dtype=np.int8)
    if count == 0:
        return out

    def pick(name: str) -> tuple[np.ndarray, np.ndarray]:
        return left[name][i], right[name][j]

    first, last = _name_levels(
        *pick("first"), *pick("first_canonical"), *pick("last"), *pick("last_soundex")
    )
    out[:, FIELD_INDEX["first_name"]] = first
    out[:, FIELD_INDEX["last_name"]] = last
    middle_a, middle_b = pick("middle")
    middle_known = _known(middle_a, middle_b)
    initials = _initials(middle_a) == _initials(middle_b)
    short = (_lengths(middle_a) == 1) | (_lengths(middle_b) == 1)
    out[:, FIELD_INDEX["middle_name"]] = _levels(
        middle_known,
        [(initials & short) | (_jaro_winkler(middle_a, middle_b) >= 0.9), middle_a == middle_b],
    )
    out[:, FIELD_INDEX["date_of_birth"]] = _date_levels(
        *pick("dob"),
        left["birth_year_min"][i],
        left["birth_year_max"][i],
        right["birth_year_min"][j],
        right["birth_year_max"][j],
    )
    sex_a, sex_b = pick("sex")
    out[:, FIELD_INDEX["sex"]] = _levels(_known(sex_a, sex_b), [sex_a == sex_b])
    number_a, number_b = pick("street_number")
    out[:, FIELD_INDEX["street_number"]] = _levels(
        _known(number_a, number_b), [_edits(number_a, number_b) <= 1, number_a == number_b]
    )
    street_a, street_b = pick("street")
    extra_a, extra_b = pick("address_2")
    street = _string_levels(street_a, street_b, (0.8, 0.92))
    extra = _string_levels(extra_a, extra_b, (0.85,))
    # The two address lines swapped between records: compare crosswise, keep the better.
    crossed_street = _string_levels(street_a, extra_b, (0.8, 0.92))
    crossed_extra = _string_levels(extra_a, street_b, (0.85,))
    better = (crossed_street + crossed_extra) > (np.maximum(street, 0) + np.maximum(extra, 0))
    better &= (crossed_street >= 2) & (crossed_extra >= 1)
    street[better] = crossed_street[better]
    extra[better] = crossed_extra[better]
    out[:, FIELD_INDEX["street"]] = street
    out[:, FIELD_INDEX["address_2"]] = extra
    out[:, FIELD_INDEX["city"]] = _string_levels(*pick("city"), (0.88,))
    state_a, state_b = pick("state")
    out[:, FIELD_INDEX["state"]] = _levels(_known(state_a, state_b), [state_a == state_b])
    zip_a, zip_b = pick("zip")
    out[:, FIELD_INDEX["zip"]] = _levels(
        _known(zip_a, zip_b), [_edits(zip_a, zip_b) <= 1, zip_a == zip_b]
    )
    return out

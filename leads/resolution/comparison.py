"""Comparison vectors: for each candidate pair, the agreement level of every field.

Levels are small integers: 0 is "disagrees", the highest is "identical", -1 is
"unknown on one side" (the field then neither adds nor subtracts evidence).
Every comparison is vectorised, and runs once per distinct pair of values rather
than once per pair of records: columns are held as integer codes into their
distinct values, so "smith" against "smyth" is computed once however many pairs
show it (rapidfuzz's cpdist computes the string similarities in C++).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist

from leads.resolution.names import canonical_first_name
from portal.phonetic import soundex

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
    Field("last_name", ("different", "sounds alike or part of", "similar", "typo", "identical")),
    Field(
        "date_of_birth",
        (
            "different",
            "birth year within one year",
            "day/month swap or one-digit typo",
            "identical",
        ),
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
    "middle",
    "last",
    "dob",
    "sex",
    "street_number",
    "street",
    "address_2",
    "city",
    "state",
    "zip",
)
VALUES = "#values"
# A column set's distinct dates of birth as digits (`_dates_of`), kept beside its columns.
DATE_DIGITS = "dob#digits"
# Up to this many combinations of two columns' values, their distinct pairs are found
# with a dense array (16 M: 80 MB), beyond it by hashing.
DENSE_PAIRS = 1 << 24


def columns_of(frame: pd.DataFrame) -> Columns:
    """The normalised frame as codes + distinct values per string column, and birth years."""
    columns: Columns = {}
    for name in STRING_COLUMNS:
        codes, uniques = pd.factorize(frame[name].to_numpy(dtype=object))
        columns[name] = codes.astype(np.int64)
        columns[name + VALUES] = np.asarray(uniques, dtype=object)
    columns["birth_year_min"] = frame["birth_year_min"].to_numpy(dtype=np.int32)
    columns["birth_year_max"] = frame["birth_year_max"].to_numpy(dtype=np.int32)
    return columns


def _jaro_winkler(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=-1, dtype=np.float32)


def _edits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Optimal-string-alignment distance: one substitution, insertion, deletion or
    swap of two adjacent characters counts as one edit."""
    return cpdist(a, b, scorer=OSA.distance, workers=-1, dtype=np.int32, score_cutoff=3)


def _lengths(values: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, values), dtype=np.int32, count=len(values))


def _initials(values: np.ndarray) -> np.ndarray:
    return _per_value(values, lambda value: value[:1])


def _per_value(values: np.ndarray, function: Callable[[str], str]) -> np.ndarray:
    """function over an array of strings, called once per distinct string."""
    codes, uniques = pd.factorize(values)
    return np.asarray([function(value) for value in uniques], dtype=object)[codes]


def _known(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != "") & (b != "")


def _levels(known: np.ndarray, conditions: list[np.ndarray]) -> np.ndarray:
    """Level = index of the last true condition (conditions go from weakest to strongest)."""
    level = np.zeros(known.shape[0], dtype=np.int8)
    for value, condition in enumerate(conditions, start=1):
        level[condition] = value
    level[~known] = -1
    return level


LevelFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _distinct_pairs(
    left: Columns, right: Columns, i: np.ndarray, j: np.ndarray, column_a: str, column_b: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (code in column_a, code in column_b) pairs of the pairs (i, j): their
    codes on either side, and for each pair the index of its distinct pair."""
    width = len(right[column_b + VALUES]) + 1
    combined = left[column_a][i] * width + right[column_b][j]
    size = len(left[column_a + VALUES]) * width
    if size > DENSE_PAIRS:
        inverse, distinct = pd.factorize(combined)
        return inverse, distinct // width, distinct % width
    # Few enough combinations (zip codes, cities, house numbers): the distinct pairs are
    # found with an array over every combination, faster than hashing each pair.
    seen = np.zeros(size, dtype=bool)
    seen[combined] = True
    distinct = np.flatnonzero(seen)
    index_of = np.empty(size, dtype=np.int32)
    index_of[distinct] = np.arange(len(distinct), dtype=np.int32)
    return index_of[combined], distinct // width, distinct % width


def _on_distinct(
    left: Columns,
    right: Columns,
    i: np.ndarray,
    j: np.ndarray,
    column_a: str,
    column_b: str,
    function: LevelFunction,
) -> np.ndarray:
    """function(values_a, values_b) evaluated once per distinct pair of values."""
    count_a, count_b = len(left[column_a + VALUES]), len(right[column_b + VALUES])
    if count_a * count_b <= min(len(i), 20_000):
        # Few distinct values (state, sex): evaluate every combination once, then look up.
        table = function(
            np.repeat(left[column_a + VALUES], count_b), np.tile(right[column_b + VALUES], count_a)
        ).reshape(count_a, count_b)
        return table[left[column_a][i], right[column_b][j]]
    inverse, codes_a, codes_b = _distinct_pairs(left, right, i, j, column_a, column_b)
    return function(left[column_a + VALUES][codes_a], right[column_b + VALUES][codes_b])[inverse]


def _empty_code(columns: Columns, name: str) -> int:
    """The code of "" in a column (-2, matching no code, when the column has no blank)."""
    found = np.flatnonzero(columns[name + VALUES] == "")
    return int(found[0]) if len(found) else -2


def jaro_winkler(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _jaro_winkler(a, b)


def first_name_levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    known = _known(a, b)
    similarity = _jaro_winkler(a, b)
    length_a, length_b = _lengths(a), _lengths(b)
    initial = ((length_a == 1) | (length_b == 1)) & (_initials(a) == _initials(b))
    canonical_a = _per_value(a, canonical_first_name)
    canonical_b = _per_value(b, canonical_first_name)
    return _levels(
        known,
        [
            initial,
            similarity >= 0.85,
            (similarity >= 0.92) | ((_edits(a, b) <= 1) & (length_a > 2)),
            canonical_a == canonical_b,
            a == b,
        ],
    )


def last_name_levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    similarity = _jaro_winkler(a, b)
    sounds = _per_value(a, soundex) == _per_value(b, soundex)
    # One surname inside the other ("smith" in "smithjones"): only pairs of unequal
    # lengths, both longer than two letters, can be such a pair.
    length_a, length_b = _lengths(a), _lengths(b)
    contains = np.zeros(len(a), dtype=bool)
    maybe = np.flatnonzero((length_a > 2) & (length_b > 2) & (length_a != length_b) & ~sounds)
    contains[maybe] = [x in y or y in x for x, y in zip(a[maybe], b[maybe], strict=True)]
    return _levels(
        _known(a, b),
        [
            sounds | contains,
            similarity >= 0.88,
            (similarity >= 0.95) | (_edits(a, b) <= 1),
            a == b,
        ],
    )


def middle_name_levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    short = (_lengths(a) == 1) | (_lengths(b) == 1)
    initials = (_initials(a) == _initials(b)) & short
    return _levels(_known(a, b), [initials | (_jaro_winkler(a, b) >= 0.9), a == b])


def _date_digits(values: np.ndarray) -> np.ndarray:
    """'YYYYMMDD' strings as an (n, 8) digit matrix; rows of -1 for unknown dates."""
    digits = np.full((len(values), 8), -1, dtype=np.int8)
    for row, value in enumerate(values):
        if len(value) == 8 and value.isdigit():
            digits[row] = np.frombuffer(value.encode(), dtype=np.uint8) - 48
    return digits


def _dates_of(columns: Columns) -> np.ndarray:
    """The digit matrix of a column set's distinct dates, built once for all its chunks."""
    if DATE_DIGITS not in columns:
        columns[DATE_DIGITS] = _date_digits(columns["dob" + VALUES])
    return columns[DATE_DIGITS]


def date_levels_by_codes(left: Columns, right: Columns, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """full_date_levels, computed on digit matrices (vectorised), once per distinct pair of
    dates: the pairs of a block that shares the date of birth all show the same one."""
    inverse, codes_a, codes_b = _distinct_pairs(left, right, i, j, "dob", "dob")
    digits_a = _dates_of(left)[codes_a]
    digits_b = _dates_of(right)[codes_b]
    known = (digits_a[:, 0] >= 0) & (digits_b[:, 0] >= 0)
    differ = digits_a != digits_b
    mismatches = differ.sum(axis=1)
    # One adjacent transposition: exactly two neighbouring digits differ, crosswise equal.
    neighbours = differ[:, :-1] & differ[:, 1:]
    crossed = (digits_a[:, :-1] == digits_b[:, 1:]) & (digits_a[:, 1:] == digits_b[:, :-1])
    transposed = (mismatches == 2) & (neighbours & crossed).any(axis=1)
    swapped = (
        (differ[:, :4].sum(axis=1) == 0)
        & (digits_a[:, 4:6] == digits_b[:, 6:8]).all(axis=1)
        & (digits_a[:, 6:8] == digits_b[:, 4:6]).all(axis=1)
    )
    level = np.full(len(codes_a), -1, dtype=np.int8)
    level[(mismatches <= 1) | transposed | swapped] = 2
    level[mismatches == 0] = 3
    level[~known] = -1
    return level[inverse]


def full_date_levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Levels of two 'YYYYMMDD' dates: 3 identical, 2 day/month swap or one edit, else -1
    (left to the birth-year comparison)."""
    swapped = np.array(
        [
            x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]
            for x, y in zip(a, b, strict=True)
        ],
        dtype=bool,
    )
    level = np.full(len(a), -1, dtype=np.int8)
    level[swapped | (_edits(a, b) <= 1)] = 2
    level[a == b] = 3
    level[~_known(a, b)] = -1
    return level


def _thresholds(thresholds: tuple[float, ...]) -> LevelFunction:
    def levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        similarity = _jaro_winkler(a, b)
        return _levels(_known(a, b), [similarity >= t for t in thresholds] + [a == b])

    return levels


def _exact(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _levels(_known(a, b), [a == b])


def _exact_or_typo(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _levels(_known(a, b), [_edits(a, b) <= 1, a == b])


street_levels = _thresholds((0.8, 0.92))
address_2_levels = _thresholds((0.85,))
city_levels = _thresholds((0.88,))


def compare(left: Columns, right: Columns, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The comparison vectors of pairs (left[i[k]], right[j[k]]): int8 (pairs x fields)."""
    count = len(i)
    out = np.empty((count, len(FIELDS)), dtype=np.int8)
    if count == 0:
        return out

    def on(column_a: str, column_b: str, function: LevelFunction) -> np.ndarray:
        return _on_distinct(left, right, i, j, column_a, column_b, function)

    first = on("first", "first", first_name_levels)
    last = on("last", "last", last_name_levels)
    # Given name and surname swapped ("SMITH JOHN"): compare crosswise, keep the better.
    # Only pairs whose names are both known and neither agrees well can gain.
    maybe = np.flatnonzero((first >= 0) & (first < 3) & (last >= 0) & (last < 3))
    if len(maybe):
        sub_i, sub_j = i[maybe], j[maybe]
        cross_first = _on_distinct(left, right, sub_i, sub_j, "first", "last", jaro_winkler)
        cross_last = _on_distinct(left, right, sub_i, sub_j, "last", "first", jaro_winkler)
        swapped = (cross_first >= 0.92) & (cross_last >= 0.92)
        first[maybe[swapped]] = np.where(cross_first[swapped] == 1.0, 5, 3)
        last[maybe[swapped]] = np.where(cross_last[swapped] == 1.0, 4, 3)
    out[:, FIELD_INDEX["first_name"]] = first
    out[:, FIELD_INDEX["last_name"]] = last
    out[:, FIELD_INDEX["middle_name"]] = on("middle", "middle", middle_name_levels)

    year_min_a, year_max_a = left["birth_year_min"][i], left["birth_year_max"][i]
    year_min_b, year_max_b = right["birth_year_min"][j], right["birth_year_max"][j]
    gap = np.maximum(year_min_a - year_max_b, year_min_b - year_max_a)
    dates = np.where((year_min_a >= 0) & (year_min_b >= 0), np.where(gap <= 1, 1, 0), -1)
    full = date_levels_by_codes(left, right, i, j)
    out[:, FIELD_INDEX["date_of_birth"]] = np.where(full >= 0, full, dates)

    out[:, FIELD_INDEX["sex"]] = on("sex", "sex", _exact)
    out[:, FIELD_INDEX["street_number"]] = on("street_number", "street_number", _exact_or_typo)
    street = on("street", "street", street_levels)
    extra = on("address_2", "address_2", address_2_levels)
    # The two address lines swapped between records: compare crosswise, keep the better.
    # Only pairs whose lines are all known and do not already agree well can gain.
    empty_street_a = _empty_code(left, "street")
    empty_extra_a = _empty_code(left, "address_2")
    empty_street_b = _empty_code(right, "street")
    empty_extra_b = _empty_code(right, "address_2")
    candidates = np.flatnonzero(
        (left["street"][i] != empty_street_a)
        & (left["address_2"][i] != empty_extra_a)
        & (right["street"][j] != empty_street_b)
        & (right["address_2"][j] != empty_extra_b)
        & ((street < 2) | (extra < 1))
    )
    if len(candidates):
        sub_i, sub_j = i[candidates], j[candidates]
        crossed_street = _on_distinct(
            left, right, sub_i, sub_j, "street", "address_2", street_levels
        )
        crossed_extra = _on_distinct(
            left, right, sub_i, sub_j, "address_2", "street", address_2_levels
        )
        base = np.maximum(street[candidates], 0) + np.maximum(extra[candidates], 0)
        better = (
            ((crossed_street + crossed_extra) > base) & (crossed_street >= 2) & (crossed_extra >= 1)
        )
        street[candidates[better]] = crossed_street[better]
        extra[candidates[better]] = crossed_extra[better]
    out[:, FIELD_INDEX["street"]] = street
    out[:, FIELD_INDEX["address_2"]] = extra
    out[:, FIELD_INDEX["city"]] = on("city", "city", city_levels)
    out[:, FIELD_INDEX["state"]] = on("state", "state", _exact)
    out[:, FIELD_INDEX["zip"]] = on("zip", "zip", _exact_or_typo)
    return out

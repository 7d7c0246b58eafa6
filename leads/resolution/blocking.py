"""Blocking: candidate pairs are the pairs that share a key under at least one rule.

Each rule concatenates a few normalised columns; a record with any of them
empty gets no key under that rule. Keys shared by more than `max_block_size`
records (a common name without a date) are skipped: such blocks cost quadratic
time and the other rules still meet the true pairs inside them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BlockingRule:
    """Records sharing every one of `columns` (all known) become candidate pairs."""

    name: str
    columns: tuple[str, ...]


DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("first and last name", ("first_canonical", "last")),
    # The date of birth alone would make blocks of everyone born that day; each of
    # these pairs it with a second, independent field instead.
    BlockingRule("date of birth and first initial", ("dob", "first_initial")),
    BlockingRule("date of birth and last initial", ("dob", "last_initial")),
    BlockingRule("date of birth and zip", ("dob", "zip")),
    BlockingRule("date of birth and street number", ("dob", "street_number")),
    BlockingRule("date of birth and city", ("dob", "city")),
    BlockingRule("last name and zip", ("last", "zip")),
    BlockingRule("first name and zip", ("first_canonical", "zip")),
    BlockingRule(
        "last name sound, first initial and birth year",
        ("last_soundex", "first_initial", "birth_year_min"),
    ),
    BlockingRule("street number and street", ("street_number", "street")),
    BlockingRule("first name and day and month of birth", ("first_canonical", "dob_day_month")),
    BlockingRule("names in either order", ("names_sorted",)),
    BlockingRule("street and zip", ("street", "zip")),
    BlockingRule("street number and zip", ("street_number", "zip")),
    BlockingRule("address line 2 and city", ("address_2", "city")),
    BlockingRule("street number and city", ("street_number", "city")),
    BlockingRule("first name and last name sound", ("first_canonical", "last_soundex")),
    BlockingRule("first name and street", ("first_canonical", "street")),
    BlockingRule("last name sound and street", ("last_soundex", "street")),
    BlockingRule("street and city", ("street", "city")),
)


# A rule's largest blocks are skipped beyond this many pairs per record. Measured on the
# state-scale demo (2.5 M person mentions): at 8 instead of 20, every pair that linked
# stayed a candidate and 81 % of the review pairs did; the ones dropped were all the
# same first and last name in one city with nothing else known (a state's common
# names), which the name rules pair by the thousand and no analyst can decide.
MAX_PAIRS_PER_RECORD = 8.0


def derived_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns only blocking needs: month and day of birth (catches typos in the year)."""
    dob = frame["dob"].astype(str)
    out = pd.DataFrame(index=frame.index)
    out["dob_day_month"] = dob.str[4:8].where(dob.str.len() == 8, "")
    out["first_initial"] = frame["first"].astype(str).str[:1]
    out["last_initial"] = frame["last"].astype(str).str[:1]
    out["names_sorted"] = [
        "" if not first or not last else min(first, last) + " " + max(first, last)
        for first, last in zip(frame["first"], frame["last"], strict=True)
    ]
    return out


# A key part with one of these texts is unknown (an empty field, a birth year of -1).
UNKNOWN_PARTS = ("", "-1")


def _joined(parts: list[Any]) -> Any:
    """A rule's key text from its columns' texts (Series or arrays, element by element)."""
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


def rule_keys(frame: pd.DataFrame, rule: BlockingRule) -> pd.Series:
    """The rule's key for every record, "" where a part is unknown."""
    parts = [frame[column].astype(str) for column in rule.columns]
    known = np.ones(len(frame), dtype=bool)
    for part in parts:
        known &= ~part.isin(UNKNOWN_PARTS).to_numpy()
    key: pd.Series = _joined(parts)
    return key.where(known, "")


def key_hashes(keys: pd.Series | np.ndarray) -> np.ndarray:
    """Stable 64-bit hashes of keys (the same key gets the same hash in every process)."""
    values = np.asarray(keys, dtype=object)
    return pd.util.hash_array(values).astype(np.int64)


# An odd multiplier: for one partition, hash -> scoped hash is a bijection on 64 bits.
_PARTITION_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def partition_hashes(hashes: np.ndarray | list[int], partition: int) -> np.ndarray:
    """Key hashes made specific to one partition (an agency): the stored blocking-key
    index then only meets mentions of the same partition, with no extra column."""
    values = np.asarray(hashes, dtype=np.int64).view(np.uint64)
    with np.errstate(over="ignore"):
        mixed = values * _PARTITION_MULTIPLIER + np.uint64(partition)
    return mixed.view(np.int64)


# Per column: each record's code (-1 where unknown), and the distinct values as text.
ColumnCodes = dict[str, tuple[np.ndarray, np.ndarray]]


def _rule_codes(work: pd.DataFrame, rule: BlockingRule, cache: ColumnCodes) -> np.ndarray:
    """A dense integer key per record for the rule (-1 where a part is unknown).

    Each column is factorised once; a rule's key combines its columns' codes
    arithmetically (re-factorised after each column, so it never overflows),
    which is much cheaper than building key strings.
    """
    combined = np.zeros(len(work), dtype=np.int64)
    known = np.ones(len(work), dtype=bool)
    for column in rule.columns:
        if column not in cache:
            codes, uniques = pd.factorize(work[column].astype(str).to_numpy(dtype=object))
            uniques = np.asarray(uniques, dtype=object)
            codes = codes.astype(np.int64)
            codes[np.isin(codes, np.flatnonzero(np.isin(uniques, UNKNOWN_PARTS)))] = -1
            cache[column] = (codes, uniques)
        codes = cache[column][0]
        known &= codes >= 0
        combined = pd.factorize(combined * (int(codes.max(initial=0)) + 2) + codes + 1)[0]
    return np.where(known, combined, -1)


def _largest_kept(sizes: np.ndarray, max_block_size: int, budget: float) -> int:
    """The largest block size a rule keeps: at most `max_block_size`, and small enough
    that the rule's blocks up to it hold at most `budget` pairs (smallest blocks first)."""
    counts = np.bincount(sizes[(sizes >= 2) & (sizes <= max_block_size)])
    if not len(counts):
        return max_block_size
    block_sizes = np.arange(len(counts))
    pairs = np.cumsum(counts * block_sizes * (block_sizes - 1) // 2)
    over = np.flatnonzero(pairs > budget)
    return max_block_size if not len(over) else int(over[0]) - 1


class CandidatePairs:
    """Pairs (i, j), i < j, of row positions sharing a key under any rule, a chunk at a time.

    A rule's blocks of more than `max_block_size` records are skipped, and so are its
    largest blocks beyond `max_pairs_per_record` pairs per record: where a rule no longer
    separates people (a state's one big city: everyone born on one day in it), it would
    add hundreds of millions of pairs, and the other rules still meet the true pairs.

    Each pair comes once, from the first rule that pairs it: a later rule drops the
    pairs an earlier rule's blocks already hold. No set of all pairs is ever built,
    so memory stays flat however many pairs a state's run has (hundreds of millions);
    what is kept is one block number per record and rule.

    With `link_only`, only pairs whose `source` differs are kept. With `partitions`
    (one integer per record, e.g. its agency), every rule's key includes the
    partition: records of different partitions are never paired, and a block's size
    is counted within its partition.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        rules: tuple[BlockingRule, ...] = DEFAULT_RULES,
        *,
        link_only: bool = False,
        max_block_size: int = 400,
        max_pairs_per_record: float = MAX_PAIRS_PER_RECORD,
        partitions: np.ndarray | None = None,
    ) -> None:
        work = pd.concat([frame, derived_columns(frame)], axis=1)
        if partitions is not None:
            work["partition"] = np.asarray(partitions).astype(str)
            rules = tuple(BlockingRule(rule.name, ("partition", *rule.columns)) for rule in rules)
        self.sources = pd.factorize(work["source"])[0] if link_only else None
        cache: ColumnCodes = {}
        # Per rule, each record's block (-1: no key, or a block too small or too big).
        self.blocks: list[np.ndarray] = []
        for rule in rules:
            keys = _rule_codes(work, rule, cache)
            sizes = np.bincount(keys[keys >= 0], minlength=1)
            size_of = np.where(keys >= 0, sizes[np.maximum(keys, 0)], 0)
            largest = _largest_kept(sizes, max_block_size, max_pairs_per_record * len(work))
            kept = (size_of >= 2) & (size_of <= largest)
            self.blocks.append(np.where(kept, keys, -1).astype(np.int32))

    def paired(self, left: np.ndarray, right: np.ndarray, rules: int | None = None) -> np.ndarray:
        """Whether each pair shares a block under one of the first `rules` rules (all)."""
        found = np.zeros(len(left), dtype=bool)
        for blocks in self.blocks[:rules]:
            block = blocks[left]
            found |= (block >= 0) & (block == blocks[right])
        return found

    def chunks(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The pairs as (left, right) arrays of about `size` pairs each (left < right)."""
        for index, blocks in enumerate(self.blocks):
            members = np.flatnonzero(blocks >= 0)
            if len(members) < 2:
                continue
            order = members[np.argsort(blocks[members], kind="stable")]
            block = blocks[order]
            starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
            lengths = np.diff(np.r_[starts, len(order)])
            # A member is paired with every later member of its block.
            ends = np.repeat(starts + lengths, lengths)
            counts = ends - np.arange(len(order)) - 1
            cumulative = np.cumsum(counts)
            cuts = np.searchsorted(cumulative, np.arange(size, int(cumulative[-1]), size))
            for low, high in zip(np.r_[0, cuts], np.r_[cuts, len(order)], strict=True):
                pair_counts = counts[low:high]
                total = int(pair_counts.sum())
                if not total:
                    continue
                first = np.repeat(np.arange(low, high), pair_counts)
                offsets = np.arange(total) - np.repeat(
                    np.cumsum(pair_counts) - pair_counts, pair_counts
                )
                a, b = order[first], order[first + 1 + offsets]
                left, right = np.minimum(a, b), np.maximum(a, b)
                wanted = ~self.paired(left, right, index)
                if self.sources is not None:
                    wanted &= self.sources[left] != self.sources[right]
                if wanted.any():
                    yield left[wanted].astype(np.int64), right[wanted].astype(np.int64)


def _rule_distinct_keys(
    work: pd.DataFrame, rule: BlockingRule, cache: ColumnCodes
) -> tuple[np.ndarray, np.ndarray]:
    """The records with a key under the rule, and for each its key's hash: `rule_keys`
    then `key_hashes`, with each distinct key built and hashed once (a state's records
    share most of their keys' parts: a date of birth and an initial, a street and a zip).
    """
    keys = _rule_codes(work, rule, cache)
    records = np.flatnonzero(keys >= 0)
    _distinct, first, inverse = np.unique(keys[records], return_index=True, return_inverse=True)
    representatives = records[first]
    texts = _joined(
        [cache[column][1][cache[column][0][representatives]] for column in rule.columns]
    )
    return records, key_hashes(texts)[inverse.ravel()]


def blocking_key_arrays(
    frame: pd.DataFrame, rules: tuple[BlockingRule, ...] = DEFAULT_RULES
) -> KeyArrays:
    """Every blocking key of a normalised frame as arrays (record index, rule index, key
    hash), record by record and rule by rule: the rows a stored blocking-key index holds
    for incremental resolution, with no Python work per key."""
    work = pd.concat([frame, derived_columns(frame)], axis=1)
    cache: ColumnCodes = {}
    records, rule_ids, hashes = [], [], []
    for index, rule in enumerate(rules):
        valid, rule_hashes = _rule_distinct_keys(work, rule, cache)
        records.append(valid)
        rule_ids.append(np.full(len(valid), index, dtype=np.int64))
        hashes.append(rule_hashes)
    found = KeyArrays(
        np.concatenate(records).astype(np.int64),
        np.concatenate(rule_ids),
        np.concatenate(hashes).astype(np.int64),
    )
    return found.ordered()


class KeyArrays(NamedTuple):
    """Blocking keys as arrays: the record each belongs to, its rule, its hash."""

    records: np.ndarray
    rules: np.ndarray
    hashes: np.ndarray

    def ordered(self) -> KeyArrays:
        """Record by record, rule by rule."""
        order = np.lexsort((self.rules, self.records))
        return KeyArrays(self.records[order], self.rules[order], self.hashes[order])

    def per_record(self, count: int) -> list[list[tuple[int, int]]]:
        """Per record (of `count`), its (rule, hash) pairs."""
        found: list[list[tuple[int, int]]] = [[] for _ in range(count)]
        for row, rule, value in zip(
            self.records.tolist(), self.rules.tolist(), self.hashes.tolist(), strict=True
        ):
            found[row].append((rule, value))
        return found


def blocking_key_hashes(
    frame: pd.DataFrame, rules: tuple[BlockingRule, ...] = DEFAULT_RULES
) -> list[list[tuple[int, int]]]:
    """Per record of a normalised frame, its (rule index, key hash) pairs."""
    return blocking_key_arrays(frame, rules).per_record(len(frame))

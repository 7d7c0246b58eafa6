"""Incremental resolution: one new mention against an index of existing mentions.

The index keeps, per blocking rule, the sorted 64-bit hashes of every mention's
key beside the mention's position: a lookup is a binary search per rule, so
its cost grows with the size of the matching blocks, not with the index. The
same (rule, key hash, mention) rows are what a database table with a b-tree
on the hash stores; the normalised fields are kept as categorical codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leads.resolution.blocking import derived_columns, key_hashes, rule_keys
from leads.resolution.comparison import STRING_COLUMNS, VALUES, Columns, columns_of, compare
from leads.resolution.engine import Match, Settings, links_decided
from leads.resolution.model import MatchModel, probability
from leads.resolution.records import PersonRecord, normalise, records_to_frame


@dataclass(frozen=True)
class Decision:
    """Where a new mention goes: an existing entity ("link"), a review, or a new entity."""

    outcome: str  # "link", "review" or "new"
    entity: int | None
    matches: list[Match]


class PersonIndex:
    """Existing person mentions, their entities, and blocking-key lookups for new ones."""

    def __init__(self, model: MatchModel, settings: Settings | None = None) -> None:
        self.model = model
        self.settings = settings or Settings()
        self.keys: list[str] = []
        self.entities = np.empty(0, dtype=np.int64)
        self._codes: dict[str, np.ndarray] = {}
        self._categories: dict[str, pd.Index] = {}
        self._values: dict[str, np.ndarray] = {}
        self._years = np.empty((0, 2), dtype=np.int32)
        self._hashes: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in self.settings.rules]
        self._rows: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in self.settings.rules]

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, records: Sequence[PersonRecord] | pd.DataFrame, entities: Sequence[int]) -> None:
        """Add mentions (raw PersonRecord columns) with the entity each belongs to."""
        raw = records if isinstance(records, pd.DataFrame) else records_to_frame(records)
        frame = normalise(raw)
        start = len(self.keys)
        self.keys.extend(frame["key"].tolist())
        self.entities = np.concatenate([self.entities, np.asarray(entities, dtype=np.int64)])
        for name in STRING_COLUMNS:
            old = (
                pd.Categorical.from_codes(self._codes[name], self._categories[name])
                if name in self._codes
                else pd.Categorical([])
            )
            merged = pd.Categorical(
                np.concatenate([np.asarray(old, dtype=object), frame[name].to_numpy(dtype=object)])
            )
            self._codes[name] = merged.codes.astype(np.int32)
            self._categories[name] = merged.categories
            self._values[name] = np.asarray(merged.categories, dtype=object)
        years = frame[["birth_year_min", "birth_year_max"]].to_numpy(dtype=np.int32)
        self._years = np.concatenate([self._years, years])
        work = pd.concat([frame, derived_columns(frame)], axis=1)
        for position, rule in enumerate(self.settings.rules):
            keys = rule_keys(work, rule)
            valid = (keys != "").to_numpy()
            hashes = np.concatenate([self._hashes[position], key_hashes(keys[valid])])
            rows = np.concatenate([self._rows[position], np.flatnonzero(valid) + start])
            order = np.argsort(hashes, kind="stable")
            self._hashes[position] = hashes[order]
            self._rows[position] = rows[order]

    def _columns(self, rows: np.ndarray) -> Columns:
        columns: Columns = {}
        for name in STRING_COLUMNS:
            columns[name] = self._codes[name][rows].astype(np.int64)
            columns[name + VALUES] = self._values[name]
        columns["birth_year_min"] = self._years[rows, 0]
        columns["birth_year_max"] = self._years[rows, 1]
        return columns

    def candidates(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of the index sharing a blocking key with the first row of `frame`."""
        work = pd.concat([frame, derived_columns(frame)], axis=1)
        found: list[np.ndarray] = []
        for position, rule in enumerate(self.settings.rules):
            key = rule_keys(work, rule).iloc[0]
            if not key:
                continue
            target = key_hashes(np.array([key], dtype=object))[0]
            hashes = self._hashes[position]
            low = np.searchsorted(hashes, target, side="left")
            high = np.searchsorted(hashes, target, side="right")
            if 0 < high - low <= self.settings.max_block_size:
                found.append(self._rows[position][low:high])
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

    def match(self, record: PersonRecord) -> list[tuple[Match, int]]:
        """Scored matches of `record` (above the review threshold), best first, with the
        entity of each matched mention."""
        frame = normalise(records_to_frame([record]))
        rows = self.candidates(frame)
        if len(rows) == 0:
            return []
        query = columns_of(frame)
        levels = compare(
            query, self._columns(rows), np.zeros(len(rows), dtype=np.int64), np.arange(len(rows))
        )
        weights = self.model.match_weights(levels)
        chances = probability(weights)
        linked = links_decided(chances, levels, self.settings)
        matches: list[tuple[Match, int]] = []
        for position in np.argsort(-chances, kind="stable").tolist():
            chance = float(chances[position])
            if chance < self.settings.review_threshold:
                break
            row = int(rows[position])
            match = Match(
                left=record.key,
                right=self.keys[row],
                weight=round(float(weights[position]), 3),
                probability=chance,
                decision="link" if linked[position] else "review",
                reasons=self.model.explain(levels[position]),
                linked=bool(linked[position]),
            )
            matches.append((match, int(self.entities[row])))
        return matches

    def resolve(
        self, record: PersonRecord, *, different_entities: frozenset[int] = frozenset()
    ) -> Decision:
        """The entity `record` joins (its best linked match), else a review, else new.

        `different_entities` are entities an analyst judged not to be this person:
        they are never proposed.
        """
        matches = [
            (match, entity)
            for match, entity in self.match(record)
            if entity not in different_entities
        ]
        listed = [match for match, _ in matches]
        if matches and matches[0][0].decision == "link":
            return Decision("link", matches[0][1], listed)
        if matches:
            return Decision("review", matches[0][1], listed)
        return Decision("new", None, listed)

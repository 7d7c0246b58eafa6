"""A full person-resolution run: normalise, block, compare, train, score, cluster."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leads.resolution.blocking import (
    DEFAULT_RULES,
    MAX_PAIRS_PER_RECORD,
    BlockingRule,
    CandidatePairs,
)
from leads.resolution.clustering import cluster
from leads.resolution.comparison import FIELD_INDEX, Columns, columns_of, compare
from leads.resolution.model import FieldReason, MatchModel, probability, train
from leads.resolution.records import PersonRecord, normalise, records_to_frame

SAME = "same"
DIFFERENT = "different"


@dataclass(frozen=True)
class Judgement:
    """An analyst's decision on a pair of mentions: SAME or DIFFERENT."""

    left: str
    right: str
    decision: str


@dataclass(frozen=True)
class Settings:
    """Thresholds on the match probability, and how candidate pairs are found."""

    link_threshold: float = 0.99
    review_threshold: float = 0.5
    rules: tuple[BlockingRule, ...] = DEFAULT_RULES
    max_block_size: int = 400
    # A rule's largest blocks are skipped beyond this many pairs per record.
    max_pairs_per_record: float = MAX_PAIRS_PER_RECORD
    random_pairs: int = 100_000
    seed: int = 7
    # Candidate pairs compared at once; beyond it the model trains on a sample this size.
    chunk_pairs: int = 5_000_000


# Names and an approximate age agree for many people of a state (an incident's victim
# is often known by name and age only): a pair links on its probability only when its
# date of birth or its address corroborates it (one field at least at this level: a
# birth date or street with a typo, the same house number, zip or address line 2);
# else an analyst reviews it. A wrong link costs an investigator days.
CORROBORATING_LEVELS = {
    "date_of_birth": 2,
    "street": 2,
    "street_number": 2,
    "address_2": 2,
    "zip": 2,
}


def links_decided(chances: np.ndarray, levels: np.ndarray, settings: Settings) -> np.ndarray:
    """Which scored pairs link: above the link threshold and corroborated."""
    corroborated = np.zeros(len(levels), dtype=bool)
    for name, level in CORROBORATING_LEVELS.items():
        corroborated |= levels[:, FIELD_INDEX[name]] >= level
    return (np.asarray(chances) >= settings.link_threshold) & corroborated


@dataclass(frozen=True)
class Match:
    """A scored pair of mentions with the per-field reasons analysts see."""

    left: str
    right: str
    weight: float
    probability: float
    decision: str  # "link", "review", "judged same", "judged different"
    reasons: tuple[FieldReason, ...]
    linked: bool = False  # what the model decides, whatever an analyst judged


@dataclass
class Resolution:
    """The outcome of a run: an entity label per mention, links, review queue, model."""

    keys: list[str]
    labels: list[int]
    links: list[Match]
    review: list[Match]
    model: MatchModel
    candidate_pairs: int
    conflicts: list[tuple[str, str]] = field(default_factory=list)

    def entity_of(self) -> dict[str, int]:
        return dict(zip(self.keys, self.labels, strict=True))

    def entities(self) -> list[list[str]]:
        groups: dict[int, list[str]] = {}
        for key, label in zip(self.keys, self.labels, strict=True):
            groups.setdefault(label, []).append(key)
        return list(groups.values())


# The normalised column whose equality is each field's top level.
IDENTICAL_COLUMNS = {
    "first_name": "first",
    "middle_name": "middle",
    "last_name": "last",
    "date_of_birth": "dob",
    "sex": "sex",
    "street_number": "street_number",
    "street": "street",
    "address_2": "address_2",
    "city": "city",
    "state": "state",
    "zip": "zip",
}


def identical_chances(frame: pd.DataFrame) -> dict[str, float]:
    """Per field, the chance that two random records with known values are identical."""
    chances = {}
    for field_name, column in IDENTICAL_COLUMNS.items():
        values = frame[column]
        shares = values[values != ""].value_counts(normalize=True).to_numpy()
        if len(shares):
            chances[field_name] = float((shares**2).sum())
    return chances


def random_pair_levels(
    columns: Columns, sources: np.ndarray, count: int, *, link_only: bool, seed: int
) -> np.ndarray:
    """Comparison vectors of random pairs of distinct mentions (for u)."""
    size = len(sources)
    rng = np.random.default_rng(seed)
    left = rng.integers(0, size, count)
    right = rng.integers(0, size, count)
    keep = left != right
    if link_only:
        keep &= sources[left] != sources[right]
    return compare(columns, columns, left[keep], right[keep])


# splitmix64's finaliser: a pair's pseudo-random rank for sampling, the same in every run.
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _pair_ranks(left: np.ndarray, right: np.ndarray, size: int, seed: int) -> np.ndarray:
    value = (left * size + right).view(np.uint64) + np.uint64(seed)
    with np.errstate(over="ignore"):
        value = (value ^ (value >> np.uint64(30))) * _MIX[0]
        value = (value ^ (value >> np.uint64(27))) * _MIX[1]
    return value ^ (value >> np.uint64(31))


def _pair_sample(
    chunks: Iterable[tuple[np.ndarray, np.ndarray]], count: int, size: int, seed: int
) -> tuple[int, np.ndarray, np.ndarray]:
    """How many pairs the chunks hold, and a uniform sample of `count` of them (all of
    them when there are fewer): the pairs of smallest rank, kept as the chunks pass."""
    total = 0
    held: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    held_count = 0

    def smallest() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ranks, left, right = (np.concatenate(part) for part in zip(*held, strict=True))
        if len(ranks) > count:
            keep = np.argpartition(ranks, count - 1)[:count]
            ranks, left, right = ranks[keep], left[keep], right[keep]
        return ranks, left, right

    for left, right in chunks:
        total += len(left)
        held.append((_pair_ranks(left, right, size, seed), left, right))
        held_count += len(left)
        if held_count > 2 * count:
            held = [smallest()]
            held_count = len(held[0][0])
    if not held:
        empty = np.zeros(0, dtype=np.int64)
        return 0, empty, empty
    _ranks, left, right = smallest()
    order = np.lexsort((right, left))
    return total, left[order], right[order]


def _compared(
    columns: Columns, chunks: Iterable[tuple[np.ndarray, np.ndarray]]
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    for left, right in chunks:
        yield left, right, compare(columns, columns, left, right)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a run builds many small objects:
    its passes would otherwise walk every object of the process again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def resolve_persons(
    records: Iterable[PersonRecord] | pd.DataFrame,
    *,
    judgements: Sequence[Judgement] = (),
    settings: Settings | None = None,
    link_only: bool = False,
    model: MatchModel | None = None,
    partitions: np.ndarray | None = None,
) -> Resolution:
    """Resolve person mentions into entities.

    `records` are PersonRecords or a DataFrame with their columns. With
    `link_only`, mentions of the same `source` are never compared (each source
    is known to be free of duplicates). A trained `model` may be passed to skip
    training (incremental runs reuse the last full run's model). With
    `partitions` (one agency id per record), only records of one partition are
    ever paired; the model is still trained on all of them.
    """
    with _collector_paused():
        return _resolve(
            records,
            judgements=judgements,
            settings=settings,
            link_only=link_only,
            model=model,
            partitions=partitions,
        )


def _resolve(
    records: Iterable[PersonRecord] | pd.DataFrame,
    *,
    judgements: Sequence[Judgement] = (),
    settings: Settings | None = None,
    link_only: bool = False,
    model: MatchModel | None = None,
    partitions: np.ndarray | None = None,
) -> Resolution:
    settings = settings or Settings()
    raw = records if isinstance(records, pd.DataFrame) else records_to_frame(records)
    frame = normalise(raw)
    keys = frame["key"].tolist()
    position = {key: index for index, key in enumerate(keys)}
    columns = columns_of(frame)
    sources = pd.factorize(frame["source"])[0]

    pairs = CandidatePairs(
        frame,
        settings.rules,
        link_only=link_only,
        max_block_size=settings.max_block_size,
        max_pairs_per_record=settings.max_pairs_per_record,
        partitions=partitions,
    )
    judged = [
        (position[j.left], position[j.right], j.decision)
        for j in judgements
        if j.left in position and j.right in position and j.left != j.right
    ]
    decision_of = {(min(a, b), max(a, b)): decision for a, b, decision in judged}
    same = [pair for pair, decision in decision_of.items() if decision == SAME]
    different = [pair for pair, decision in decision_of.items() if decision == DIFFERENT]
    size = len(keys)
    judged_codes = np.array([a * size + b for a, b in decision_of], dtype=np.int64)
    # Judged pairs no rule pairs are compared too (the analyst's decision is kept).
    judged_left, judged_right = judged_codes // size, judged_codes % size
    unpaired = ~pairs.paired(judged_left, judged_right)
    extra = (judged_left[unpaired], judged_right[unpaired])

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        yield from pairs.chunks(settings.chunk_pairs)
        if len(extra[0]):
            yield extra

    # A state's run has hundreds of millions of pairs: they are compared and scored a
    # chunk at a time (memory stays flat), keeping only the pairs above the review
    # threshold or judged. The model learns from a uniform sample of one chunk's size
    # (the pairs with the smallest hashes), or from every pair when there are fewer.
    whole: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    if model is None:
        paired, sample_left, sample_right = _pair_sample(
            chunks(), settings.chunk_pairs, size, settings.seed
        )
        training = compare(columns, columns, sample_left, sample_right)
        if paired == len(sample_left):
            whole = (sample_left, sample_right, training)
        random_levels = random_pair_levels(
            columns, sources, settings.random_pairs, link_only=link_only, seed=settings.seed
        )
        model = train(training, random_levels, identical=identical_chances(frame))
        del training
    kept_left, kept_right, kept_levels, kept_weights = [], [], [], []
    total = 0  # candidate pairs scored
    for chunk_left, chunk_right, chunk_levels in (
        [whole] if whole is not None else _compared(columns, chunks())
    ):
        total += len(chunk_left)
        chunk_weights = model.match_weights(chunk_levels)
        rows = np.flatnonzero(probability(chunk_weights) >= settings.review_threshold)
        if len(judged_codes):
            codes = chunk_left * size + chunk_right
            rows = np.union1d(rows, np.flatnonzero(np.isin(codes, judged_codes)))
        kept_left.append(chunk_left[rows])
        kept_right.append(chunk_right[rows])
        kept_levels.append(chunk_levels[rows])
        kept_weights.append(chunk_weights[rows])
    empty = np.zeros(0, dtype=np.int64)
    left = np.concatenate(kept_left) if kept_left else empty
    right = np.concatenate(kept_right) if kept_right else empty
    levels = (
        np.concatenate(kept_levels)
        if kept_levels
        else compare(columns, columns, empty, empty)  # no pairs: the empty table
    )
    weights = np.concatenate(kept_weights) if kept_weights else np.zeros(0)
    probabilities = probability(weights)
    linked = links_decided(probabilities, levels, settings)
    links: list[Match] = []
    review: list[Match] = []
    accepted: list[tuple[int, int, float]] = []
    # Reasons are shared by every pair with the same comparison vector: build each once.
    patterns, pattern_of = np.unique(levels, axis=0, return_inverse=True)
    reasons_of = [model.explain(pattern) for pattern in patterns]
    weight_of = np.round(weights, 3)
    for offset, (a, b) in enumerate(zip(left.tolist(), right.tolist(), strict=True)):
        judged_decision = decision_of.get((a, b))
        chance = float(probabilities[offset])
        if judged_decision == SAME:
            decision = "judged same"
        elif judged_decision == DIFFERENT:
            decision = "judged different"
        elif linked[offset]:
            decision = "link"
            accepted.append((a, b, chance))
        else:
            decision = "review"
        match = Match(
            left=keys[a],
            right=keys[b],
            weight=float(weight_of[offset]),
            probability=chance,
            decision=decision,
            reasons=reasons_of[int(pattern_of[offset])],
            linked=bool(linked[offset]),
        )
        (review if decision == "review" else links).append(match)
    review.sort(key=lambda match: -match.probability)
    clustered = cluster(len(keys), accepted, same=same, different=different)
    return Resolution(
        keys=keys,
        labels=clustered.labels,
        links=links,
        review=review,
        model=model,
        candidate_pairs=total,
        conflicts=[(keys[a], keys[b]) for a, b in clustered.conflicts],
    )

"""A full person-resolution run: normalise, block, compare, train, score, cluster."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leads.resolution.blocking import DEFAULT_RULES, BlockingRule, candidate_pairs
from leads.resolution.clustering import cluster
from leads.resolution.comparison import Columns, columns_of, compare
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
    random_pairs: int = 100_000
    seed: int = 7
    # Candidate pairs compared at once; beyond it the model trains on a sample this size.
    chunk_pairs: int = 5_000_000


@dataclass(frozen=True)
class Match:
    """A scored pair of mentions with the per-field reasons analysts see."""

    left: str
    right: str
    weight: float
    probability: float
    decision: str  # "link", "review", "judged same", "judged different"
    reasons: tuple[FieldReason, ...]


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

    left, right = candidate_pairs(
        frame,
        settings.rules,
        link_only=link_only,
        max_block_size=settings.max_block_size,
        partitions=partitions,
    )
    judged = [
        (position[j.left], position[j.right], j.decision)
        for j in judgements
        if j.left in position and j.right in position and j.left != j.right
    ]
    if judged:
        extra = np.array([(min(a, b), max(a, b)) for a, b, _ in judged], dtype=np.int64)
        size = len(keys)
        codes = np.unique(np.concatenate([left * size + right, extra[:, 0] * size + extra[:, 1]]))
        left, right = codes // size, codes % size
    decision_of = {(min(a, b), max(a, b)): decision for a, b, decision in judged}
    same = [pair for pair, decision in decision_of.items() if decision == SAME]
    different = [pair for pair, decision in decision_of.items() if decision == DIFFERENT]
    judged_codes = np.array([a * len(keys) + b for a, b in decision_of], dtype=np.int64)
    # A state's run has hundreds of millions of pairs: they are compared and scored a
    # chunk at a time (memory stays flat), keeping only the pairs above the review
    # threshold or judged; the model learns from a sample of one chunk's size.
    whole = None
    if len(left) <= settings.chunk_pairs:
        whole = compare(columns, columns, left, right)
    if model is None:
        if whole is not None:
            training = whole
        else:
            rng = np.random.default_rng(settings.seed)
            sample = np.sort(rng.choice(len(left), settings.chunk_pairs, replace=False))
            training = compare(columns, columns, left[sample], right[sample])
        random_levels = random_pair_levels(
            columns, sources, settings.random_pairs, link_only=link_only, seed=settings.seed
        )
        model = train(training, random_levels, identical=identical_chances(frame))
        del training
    kept_rows, kept_levels, kept_weights = [], [], []
    for start in range(0, len(left), settings.chunk_pairs):
        chunk_left = left[start : start + settings.chunk_pairs]
        chunk_right = right[start : start + settings.chunk_pairs]
        chunk_levels = (
            whole if whole is not None else compare(columns, columns, chunk_left, chunk_right)
        )
        chunk_weights = model.match_weights(chunk_levels)
        rows = np.flatnonzero(probability(chunk_weights) >= settings.review_threshold)
        if len(judged_codes):
            codes = chunk_left * len(keys) + chunk_right
            rows = np.union1d(rows, np.flatnonzero(np.isin(codes, judged_codes)))
        kept_rows.append(rows + start)
        kept_levels.append(chunk_levels[rows])
        kept_weights.append(chunk_weights[rows])
    interesting = np.concatenate(kept_rows) if kept_rows else np.zeros(0, dtype=np.int64)
    levels = (
        np.concatenate(kept_levels)
        if kept_levels
        else compare(columns, columns, left, right)  # no pairs: the empty table
    )
    weights = np.concatenate(kept_weights) if kept_weights else np.zeros(0)
    probabilities = probability(weights)
    links: list[Match] = []
    review: list[Match] = []
    accepted: list[tuple[int, int, float]] = []
    # Reasons are shared by every pair with the same comparison vector: build each once.
    patterns, pattern_of = np.unique(levels, axis=0, return_inverse=True)
    reasons_of = [model.explain(pattern) for pattern in patterns]
    weight_of = np.round(weights, 3)
    for offset, row in enumerate(interesting.tolist()):
        a, b = int(left[row]), int(right[row])
        judged_decision = decision_of.get((a, b))
        chance = float(probabilities[offset])
        if judged_decision == SAME:
            decision = "judged same"
        elif judged_decision == DIFFERENT:
            decision = "judged different"
        elif chance >= settings.link_threshold:
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
        candidate_pairs=len(left),
        conflicts=[(keys[a], keys[b]) for a, b in clustered.conflicts],
    )

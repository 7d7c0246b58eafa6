"""Fellegi-Sunter match weights, with m estimated by EM and u from random pairs.

m[f][l] is the probability that a true match shows level l on field f, u[f][l]
the same among non-matches. A pair's match weight is log2 of the prior odds plus
the sum over its known fields of log2(m/u); its match probability follows.
u is measured on random pairs (nearly all non-matches), which is unbiased by
blocking; m and the share of matches among candidate pairs are estimated by
expectation-maximisation over the candidate pairs, grouped into their distinct
comparison patterns so that an iteration costs microseconds, not seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leads.resolution.comparison import FIELDS, Field


@dataclass(frozen=True)
class FieldReason:
    """Why a pair scored as it did on one field: its level and that level's weight."""

    field: str
    level: str
    weight: float


@dataclass
class MatchModel:
    """Trained m and u probabilities per field and level, and the prior match share."""

    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float
    fields: tuple[Field, ...] = FIELDS
    iterations: int = 0
    _reason_cache: dict[bytes, tuple[FieldReason, ...]] = field(default_factory=dict, repr=False)

    def weight_table(self) -> list[np.ndarray]:
        """log2(m/u) per field and level."""
        return [np.log2(m / u) for m, u in zip(self.m, self.u, strict=True)]

    def match_weights(self, levels: np.ndarray) -> np.ndarray:
        """Total match weight (prior included) of each row of comparison levels."""
        total = np.full(levels.shape[0], math.log2(self.prior / (1 - self.prior)))
        for index, weights in enumerate(self.weight_table()):
            # An unknown level (-1) looks up the 0 put before the field's weights: one
            # gather per field, no mask (adding 0.0 leaves a sum as it was).
            total += np.concatenate(([0.0], weights))[levels[:, index].astype(np.intp) + 1]
        return total

    def explain(self, levels: np.ndarray) -> tuple[FieldReason, ...]:
        """Per-field reasons for one comparison vector (cached per distinct vector)."""
        cache_key = levels.astype(np.int8).tobytes()
        cached = self._reason_cache.get(cache_key)
        if cached is not None:
            return cached
        table = self.weight_table()
        reasons = tuple(
            FieldReason(
                field=spec.name,
                level="unknown" if level < 0 else spec.levels[level],
                weight=0.0 if level < 0 else round(float(table[index][level]), 3),
            )
            for index, (spec, level) in enumerate(zip(self.fields, levels.tolist(), strict=True))
        )
        self._reason_cache[cache_key] = reasons
        return reasons

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, to store a trained model beside the entities."""
        return {
            "prior": self.prior,
            "iterations": self.iterations,
            "fields": [
                {"name": spec.name, "levels": list(spec.levels), "m": m.tolist(), "u": u.tolist()}
                for spec, m, u in zip(self.fields, self.m, self.u, strict=True)
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> MatchModel:
        specs = data["fields"]
        assert isinstance(specs, list)
        prior = data["prior"]
        assert isinstance(prior, float | int)
        return cls(
            m=[np.asarray(spec["m"], dtype=float) for spec in specs],
            u=[np.asarray(spec["u"], dtype=float) for spec in specs],
            prior=float(prior),
        )


def probability(weights: np.ndarray) -> np.ndarray:
    """Match probability from a match weight (log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weights, -60, 60)))


def level_counts(levels: np.ndarray, fields: tuple[Field, ...] = FIELDS) -> list[np.ndarray]:
    return [
        np.bincount(
            levels[:, index][levels[:, index] >= 0].astype(np.int64), minlength=len(spec.levels)
        )
        for index, spec in enumerate(fields)
    ]


def estimate_u(
    random_levels: np.ndarray,
    fields: tuple[Field, ...] = FIELDS,
    identical: dict[str, float] | None = None,
) -> list[np.ndarray]:
    """u per field from the comparison vectors of random pairs, smoothed so none is zero.

    `identical` gives, per field, the exact chance that two random records have
    the same value (the sum of squared value shares): rare levels like an identical
    date of birth are then not left to the luck of the sample.
    """
    u = []
    for spec, counts in zip(fields, level_counts(random_levels, fields), strict=True):
        smoothed = counts.astype(float) + 0.5
        shares = smoothed / smoothed.sum()
        chance = (identical or {}).get(spec.name)
        if chance is not None and 0 < chance < 1 and len(shares) > 1:
            rest = shares[:-1] / shares[:-1].sum()
            shares = np.append(rest * (1 - chance), chance)
        u.append(shares)
    return u


def _initial_m(spec: Field) -> np.ndarray:
    # A true match mostly agrees fully; the rest of the mass spreads over the lower levels.
    size = len(spec.levels)
    m = np.full(size, 0.1 / max(size - 1, 1))
    m[-1] = 0.9
    return m


# EM sessions: each runs on the candidate pairs that agree exactly on a few fields
# (which makes matches common among them) and estimates m for every other field.
# Fields that decide a session are not estimated in it: that is what keeps EM
# from explaining a blocking key's agreement as evidence (Splink does the same).
TRAINING_SESSIONS: tuple[tuple[str, ...], ...] = (
    ("first_name", "last_name"),
    ("date_of_birth",),
    ("street_number", "zip"),
)


def _em_session(
    patterns: np.ndarray,
    counts: np.ndarray,
    m: list[np.ndarray],
    u: list[np.ndarray],
    fields: tuple[Field, ...],
    excluded: set[int],
    max_iterations: int,
    tolerance: float,
) -> tuple[list[np.ndarray], int]:
    patterns = patterns.copy()
    for index in excluded:
        patterns[:, index] = -1
    prior = 0.5
    m = [values.copy() for values in m]
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007
        model = MatchModel(m=m, u=u, prior=prior, fields=fields)
        matched = probability(model.match_weights(patterns)) * counts
        new_prior = float(np.clip(matched.sum() / counts.sum(), 1e-6, 1 - 1e-6))
        change = abs(new_prior - prior)
        for index, spec in enumerate(fields):
            if index in excluded:
                continue
            column = patterns[:, index].astype(np.int64)
            known = column >= 0
            sums = np.bincount(
                column[known], weights=matched[known], minlength=len(spec.levels)
            ).astype(float)
            sums += 1e-4
            new = sums / sums.sum()
            change = max(change, float(np.abs(new - m[index]).max()))
            m[index] = new
        prior = new_prior
        if change < tolerance:
            break
    return m, iterations


def estimate_prior(weights: np.ndarray, *, iterations: int = 200) -> float:
    """The share of matches among pairs with these match weights (prior left out)."""
    prior = 0.1
    for _ in range(iterations):
        odds = prior / (1 - prior)
        posterior = 1.0 / (1.0 + 1.0 / (odds * np.exp2(np.clip(weights, -60, 60))))
        new = float(np.clip(posterior.mean(), 1e-9, 1 - 1e-9))
        if abs(new - prior) < 1e-9:
            return new
        prior = new
    return prior


def distinct_patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a level matrix and how often each occurs.

    Rows are packed into one integer each (levels are small), which is much faster
    than numpy's row-wise unique on millions of pairs.
    """
    shifted = levels.astype(np.int64) + 1  # -1..n-1 -> 0..n
    packed = np.zeros(len(levels), dtype=np.int64)
    for index in range(levels.shape[1]):
        packed = packed * 16 + shifted[:, index]
    codes, distinct = pd.factorize(packed)
    counts = np.bincount(codes).astype(float)
    rows = np.empty((len(distinct), levels.shape[1]), dtype=np.int8)
    remainder = distinct.copy()
    for index in reversed(range(levels.shape[1])):
        rows[:, index] = remainder % 16 - 1
        remainder //= 16
    return rows, counts


def train(
    levels: np.ndarray,
    random_levels: np.ndarray,
    *,
    fields: tuple[Field, ...] = FIELDS,
    sessions: tuple[tuple[str, ...], ...] = TRAINING_SESSIONS,
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    identical: dict[str, float] | None = None,
) -> MatchModel:
    """Estimate u from `random_levels`, m by EM sessions over `levels`, then the prior.

    The prior is the share of matches among the candidate pairs, found by EM with
    m and u held fixed.
    """
    u = estimate_u(random_levels, fields, identical)
    initial = [_initial_m(spec) for spec in fields]
    if len(levels) == 0:
        return MatchModel(m=initial, u=u, prior=0.5, fields=fields)
    index_of = {spec.name: index for index, spec in enumerate(fields)}
    estimates: list[list[np.ndarray]] = [[] for _ in fields]
    total_iterations = 0
    for session in sessions:
        excluded = {index_of[name] for name in session}
        selected = np.ones(len(levels), dtype=bool)
        for index in excluded:
            selected &= levels[:, index] == len(fields[index].levels) - 1
        if selected.sum() < 10:
            continue
        patterns, counts = distinct_patterns(levels[selected])
        m, iterations = _em_session(
            patterns, counts.astype(float), initial, u, fields, excluded, max_iterations, tolerance
        )
        total_iterations += iterations
        for index in range(len(fields)):
            if index not in excluded:
                estimates[index].append(m[index])
    m_final = [
        np.mean(found, axis=0) if found else initial[index] for index, found in enumerate(estimates)
    ]
    model = MatchModel(m=m_final, u=u, prior=0.5, fields=fields, iterations=total_iterations)
    evidence = model.match_weights(levels)  # log2 odds with a prior of 0.5, i.e. none
    model.prior = estimate_prior(evidence)
    return model

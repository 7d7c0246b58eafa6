"""The engine's entry points: prepare a scan once, rank a gallery, score pairs.

A `ScanFeatures` holds everything computed once per scan (the preprocessed
surface, its coarse signature); everything here is pure and picklable, so a
gallery can be split over processes (or Celery workers) by partition.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ballistics.correlation import cmc, coarse
from ballistics.correlation.preprocess import FINE_RESOLUTION_UM, Prepared, prepare
from ballistics.x3p import Surface

PARAMS = cmc.CMCParams()
# Coarse correlation peaks whose rotation (and its 180-degree twin) the fine stage tries.
PEAKS = 1


@dataclass
class ScanFeatures:
    """What the engine keeps of one scan: the prepared surface and its coarse signature."""

    prepared: Prepared
    signature: coarse.Signature

    def bank(self) -> cmc.CellBank:
        return cmc.CellBank(self.prepared.heights, self.prepared.resolution_um, PARAMS)


def features(surface: Surface) -> ScanFeatures:
    prepared = prepare(surface, FINE_RESOLUTION_UM)
    return ScanFeatures(prepared=prepared, signature=coarse.signature(prepared))


def compare(a: ScanFeatures, b: ScanFeatures, *, peaks: int = PEAKS) -> cmc.PairScore:
    """Full comparison of two scans: coarse rotation estimates, then CMC both ways."""
    estimates = coarse.candidate_angles(a.signature, b.signature, peaks)
    return cmc.pair_score(a.bank(), b.bank(), estimates)


@dataclass
class Candidate:
    """One gallery scan ranked against a query."""

    index: int
    coarse_score: float
    score: float | None  # CMC score (None if only the coarse stage saw it)
    result: cmc.PairScore | None = None


def _fine(args: tuple[ScanFeatures, list[ScanFeatures], list[int]]) -> list[cmc.PairScore]:
    query, others, _ = args
    bank = query.bank()
    out = []
    for other in others:
        estimates = coarse.candidate_angles(query.signature, other.signature, PEAKS)
        out.append(cmc.pair_score(bank, other.bank(), estimates))
    return out


def rank(
    query: ScanFeatures,
    gallery_signatures: np.ndarray,
    load: Callable[[int], ScanFeatures],
    *,
    shortlist: int = 40,
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[Candidate]:
    """Rank a gallery: coarse scores for all, CMC for the `shortlist` best, CMC order first.

    `gallery_signatures` is the stacked coarse spectra (n, rings, bins);
    `load(index) -> ScanFeatures` fetches a shortlisted scan's features;
    `progress(done, total)` is told after each fine comparison (one process).
    """
    scores, _ = coarse.correlate(query.signature, gallery_signatures)
    order = np.argsort(-scores)
    chosen = [int(i) for i in order[:shortlist]]
    others = [load(i) for i in chosen]
    results: list[cmc.PairScore] = []
    if processes > 1 and len(others) > 1:
        chunks = [list(range(k, len(others), processes)) for k in range(processes)]
        with ProcessPoolExecutor(processes) as pool:
            parts = list(pool.map(_fine, [(query, [others[j] for j in c], c) for c in chunks]))
        merged: dict[int, cmc.PairScore] = {}
        for chunk, part in zip(chunks, parts, strict=True):
            merged.update(zip(chunk, part, strict=True))
        results = [merged[j] for j in range(len(others))]
    else:
        bank = query.bank()
        for done, other in enumerate(others, 1):
            estimates = coarse.candidate_angles(query.signature, other.signature, PEAKS)
            results.append(cmc.pair_score(bank, other.bank(), estimates))
            if progress:
                progress(done, len(others))
    candidates = [
        Candidate(index=i, coarse_score=float(scores[i]), score=r.score, result=r)
        for i, r in zip(chosen, results, strict=True)
    ]
    candidates.sort(key=lambda c: (-(c.score or 0.0), -c.coarse_score))
    rest = [
        Candidate(index=int(i), coarse_score=float(scores[i]), score=None)
        for i in order[shortlist:]
    ]
    return candidates + rest


def _pair_chunk(args: tuple[list[ScanFeatures], list[tuple[int, int]]]) -> list[float]:
    scans, pairs = args
    banks = [s.bank() for s in scans]
    return [
        cmc.pair_score(
            banks[i],
            banks[j],
            coarse.candidate_angles(scans[i].signature, scans[j].signature, PEAKS),
        ).score
        for i, j in pairs
    ]


def all_pairs(
    scans: Sequence[ScanFeatures], processes: int | None = None
) -> dict[tuple[int, int], float]:
    """CMC score of every unordered pair (i < j), split over `processes` processes."""
    pairs = list(itertools.combinations(range(len(scans)), 2))
    processes = processes or min(2, os.cpu_count() or 1)
    if processes <= 1:
        return dict(zip(pairs, _pair_chunk((list(scans), pairs)), strict=True))
    chunks = [pairs[k::processes] for k in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        parts = list(pool.map(_pair_chunk, [(list(scans), c) for c in chunks]))
    out: dict[tuple[int, int], float] = {}
    for chunk, part in zip(chunks, parts, strict=True):
        out.update(zip(chunk, part, strict=True))
    return out

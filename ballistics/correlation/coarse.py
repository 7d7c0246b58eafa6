"""Coarse stage: a compact polar signature that ranks a whole gallery at once.

The band-passed surface, centred on the primer, is sampled on rings; a
rotation of the casing becomes a circular shift along the angle axis, so the
correlation of two signatures over every rotation is one inverse FFT of the
product of their spectra. A signature is a small complex array computed once
per scan and stored; ranking a gallery is one matrix product and one batched
inverse FFT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ballistics.correlation.preprocess import (
    COARSE_RESOLUTION_UM,
    Prepared,
    masked_gaussian,
    resample,
)

ANGLES = 180  # 2 degree steps
RINGS = 24
# The signature keeps only the broader marks: a rotation estimate from them is far
# less sensitive to a small error in the centre than one from the finest marks.
SMOOTHING_UM = 75.0


@dataclass
class Signature:
    """Angular spectra of the rings of one surface (rings x ANGLES//2+1, complex64)."""

    spectrum: np.ndarray

    def to_bytes(self) -> bytes:
        return np.ascontiguousarray(self.spectrum, dtype=np.complex64).tobytes()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Signature:
        return cls(np.frombuffer(raw, dtype=np.complex64).reshape(RINGS, ANGLES // 2 + 1))


def polar(heights: np.ndarray, rings: int = RINGS, angles: int = ANGLES) -> np.ndarray:
    """Sample the surface on `rings` circles about its centre (0 where nothing was measured)."""
    centre = (np.array(heights.shape, dtype=np.float64) - 1) / 2
    outer = min(heights.shape) / 2 - 1
    radii = np.linspace(0.2 * outer, outer, rings)
    theta = np.arange(angles) * 2 * np.pi / angles
    rows = centre[0] - radii[:, None] * np.sin(theta)[None, :]
    cols = centre[1] + radii[:, None] * np.cos(theta)[None, :]
    mask = np.isfinite(heights)
    values = ndimage.map_coordinates(np.where(mask, heights, 0.0), [rows, cols], order=1)
    weight = ndimage.map_coordinates(mask.astype(np.float64), [rows, cols], order=1)
    return np.where(weight > 0.5, values, 0.0)


def signature(prepared: Prepared) -> Signature:
    """The stored coarse signature of a preprocessed surface."""
    heights = resample(prepared.heights, prepared.resolution_um, COARSE_RESOLUTION_UM)
    heights = masked_gaussian(heights, SMOOTHING_UM / COARSE_RESOLUTION_UM)
    rings = polar(heights)
    # Each ring zero-mean over its measured points so that no ring dominates.
    for ring in rings:
        measured = ring != 0
        if measured.sum() > 2:
            ring[measured] -= ring[measured].mean()
    energy = float(np.sqrt((rings**2).sum())) or 1.0
    return Signature(np.fft.rfft(rings / energy, axis=1).astype(np.complex64))


def correlate(query: Signature, gallery: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best correlation over rotations of `query` with each gallery spectrum.

    `gallery` is (n, RINGS, ANGLES//2+1). Returns (scores, angles in degrees):
    rotating the gallery surface by the angle (counter-clockwise, image rows
    downwards) lines it up with the query.
    """
    cross = np.einsum("rk,nrk->nk", query.spectrum, np.conj(gallery), optimize=True)
    curves = np.fft.irfft(cross, n=ANGLES, axis=1)
    best = curves.argmax(axis=1)
    scores = curves[np.arange(len(best)), best]
    angles = (best * 360.0 / ANGLES + 180.0) % 360.0 - 180.0
    return scores.astype(np.float64), angles


def candidate_angles(query: Signature, other: Signature, peaks: int = 2) -> list[float]:
    """The `peaks` most likely rotations (degrees) between two surfaces."""
    cross = query.spectrum * np.conj(other.spectrum)
    curve = np.fft.irfft(cross.sum(axis=0), n=ANGLES)
    order = np.argsort(curve)[::-1]
    chosen: list[int] = []
    for index in order:
        if all(min(abs(index - c), ANGLES - abs(index - c)) > 5 for c in chosen):
            chosen.append(int(index))
        if len(chosen) == peaks:
            break
    return [((c * 360.0 / ANGLES + 180.0) % 360.0 - 180.0) for c in chosen]

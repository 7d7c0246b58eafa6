"""Coarse stage: a translation-invariant Fourier-Mellin signature that ranks a whole gallery.

The magnitude of a surface's 2D Fourier transform does not change when the
surface is shifted, and turns with the surface when it is rotated. Sampled
on rings of spatial frequency (polar coordinates), a rotation becomes a
circular shift along the angle axis, so the correlation of two signatures
over every rotation is one inverse FFT of the product of their angular
spectra (the Fourier-Mellin transform without its scale axis: every scan is
resampled to one resolution first). The signature therefore needs no
estimate of the primer's centre, which a crescent-shaped breech face
measured at different rotations does not give reliably.

The magnitude spectrum of a real surface is point-symmetric, so a rotation
is known modulo 180 degrees: `candidate_angles` returns both hypotheses and
the fine stage settles which one holds.

A signature is a small complex array computed once per scan and stored;
ranking a gallery is one batched product and one batched inverse FFT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ballistics.correlation.preprocess import COARSE_RESOLUTION_UM, Prepared, resample

ANGLES = 90  # angle bins over 180 degrees: 2 degree steps
RINGS = 32
FFT_SIZE = 256
# Spatial frequencies used, as fractions of the sampling frequency: wavelengths
# from about 55 um to 420 um at 25 um per pixel (the band the preprocessing keeps).
LOW_FREQUENCY = 0.06
HIGH_FREQUENCY = 0.45
# Points eroded from the measured area's edge, and the taper's width: a hard
# edge would add the outline's own spectrum, alike for every casing.
EDGE_EROSION = 2
EDGE_TAPER = 2.0
STEP_DEGREES = 180.0 / ANGLES


@dataclass
class Signature:
    """Angular spectra of the frequency rings of one surface (RINGS x ANGLES//2+1, complex64)."""

    spectrum: np.ndarray

    def to_bytes(self) -> bytes:
        return np.ascontiguousarray(self.spectrum, dtype=np.complex64).tobytes()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Signature:
        return cls(np.frombuffer(raw, dtype=np.complex64).reshape(RINGS, ANGLES // 2 + 1))


def magnitude_polar(heights: np.ndarray) -> np.ndarray:
    """log |FFT| of the tapered surface sampled on RINGS frequency rings x ANGLES angles."""
    measured = np.isfinite(heights)
    inner = ndimage.binary_erosion(measured, iterations=EDGE_EROSION)
    weight = ndimage.gaussian_filter(inner.astype(np.float64), EDGE_TAPER)
    values = np.where(measured, heights, 0.0) * weight
    size = max(FFT_SIZE, *heights.shape)
    magnitude = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2(values, s=(size, size)))))
    centre = size / 2
    radii = np.linspace(LOW_FREQUENCY * size, HIGH_FREQUENCY * size, RINGS)
    theta = np.arange(ANGLES) * np.pi / ANGLES
    rows = centre - radii[:, None] * np.sin(theta)[None, :]
    cols = centre + radii[:, None] * np.cos(theta)[None, :]
    return ndimage.map_coordinates(magnitude, [rows, cols], order=1)


def signature(prepared: Prepared) -> Signature:
    """The stored coarse signature of a preprocessed surface."""
    heights = resample(prepared.heights, prepared.resolution_um, COARSE_RESOLUTION_UM)
    rings = magnitude_polar(heights)
    # Each ring zero-mean: the fall of power with frequency says nothing of the gun.
    rings = rings - rings.mean(axis=1, keepdims=True)
    energy = float(np.sqrt((rings**2).sum())) or 1.0
    return Signature(np.fft.rfft(rings / energy, axis=1).astype(np.complex64))


def _to_degrees(index: np.ndarray | int) -> np.ndarray:
    """Angle bin -> degrees in [-90, 90)."""
    return (np.asarray(index) * STEP_DEGREES + 90.0) % 180.0 - 90.0


def correlate(query: Signature, gallery: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best correlation over rotations of `query` with each gallery spectrum.

    `gallery` is (n, RINGS, ANGLES//2+1). Returns (scores, angles in degrees,
    modulo 180): rotating the gallery surface by the angle (counter-clockwise,
    image rows downwards), or by the angle + 180, lines it up with the query.
    """
    cross = np.einsum("rk,nrk->nk", query.spectrum, np.conj(gallery), optimize=True)
    curves = np.fft.irfft(cross, n=ANGLES, axis=1)
    best = curves.argmax(axis=1)
    scores = curves[np.arange(len(best)), best]
    return scores.astype(np.float64), _to_degrees(best)


def candidate_angles(query: Signature, other: Signature, peaks: int = 1) -> list[float]:
    """Rotation hypotheses (degrees) between two surfaces: each of the `peaks` best
    correlation peaks, and the same turned by 180 degrees (the spectrum cannot tell)."""
    cross = query.spectrum * np.conj(other.spectrum)
    curve = np.fft.irfft(cross.sum(axis=0), n=ANGLES)
    order = np.argsort(curve)[::-1]
    chosen: list[int] = []
    for index in order:
        if all(min(abs(index - c), ANGLES - abs(index - c)) > 3 for c in chosen):
            chosen.append(int(index))
        if len(chosen) == peaks:
            break
    angles: list[float] = []
    for index in chosen:
        angle = float(_to_degrees(index))
        angles += [angle, angle - 180.0 if angle >= 0 else angle + 180.0]
    return angles

"""Preprocessing of a breech-face surface before comparison.

Every step keeps NaN as "no data" and works on any resolution: sizes are given
in micrometres and converted with the scan's own increment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ballistics.x3p import Surface

# Breech-face marks live between about 16 and 250 micrometres (wavelengths);
# form and waviness above, measurement noise below.
LOW_CUTOFF_UM = 16.0
HIGH_CUTOFF_UM = 250.0
# The fine stage works at this sampling: coarse enough for small FFTs, fine enough
# for the 50-250 um marks that carry most of the congruent cells. (At 25 um the
# two weakest same-slide Fadul pairs fell to 2-5 cells, inside the other pairs' range.)
FINE_RESOLUTION_UM = 20.0
COARSE_RESOLUTION_UM = 25.0
# Gaussian-filter sigma for a given 50 % transmission cutoff (ISO 16610-21).
_SIGMA_PER_CUTOFF = np.sqrt(np.log(2) / 2) / np.pi


@dataclass
class Prepared:
    """A preprocessed surface: zero-mean band-passed heights (NaN outside), its resolution."""

    heights: np.ndarray
    resolution_um: float

    @property
    def mask(self) -> np.ndarray:
        return np.isfinite(self.heights)


def level(heights: np.ndarray) -> np.ndarray:
    """Subtract the least-squares plane through the measured points (removes tilt)."""
    mask = np.isfinite(heights)
    if mask.sum() < 3:
        return heights.copy()
    rows, cols = np.nonzero(mask)
    design = np.column_stack([np.ones(rows.size), rows, cols]).astype(np.float64)
    coefficients, *_ = np.linalg.lstsq(design, heights[mask], rcond=None)
    grid_rows, grid_cols = np.indices(heights.shape)
    plane = coefficients[0] + coefficients[1] * grid_rows + coefficients[2] * grid_cols
    return heights - plane


def remove_firing_pin(
    heights: np.ndarray,
    resolution_um: float,
    *,
    margin_um: float = 50.0,
    radius_um: float | None = None,
    centre: tuple[float, float] | None = None,
) -> np.ndarray:
    """Mask out the firing-pin impression (and a margin around it).

    With `radius_um` and `centre` (row, column) given, that disc is removed.
    Otherwise the impression is found as the largest missing region enclosed by
    the surface (scanners and earlier masking leave it empty); if there is none,
    the deepest blob of the surface (a firing-pin crater is far deeper than any
    breech-face mark) is taken instead.
    """
    mask = np.isfinite(heights)
    result = heights.copy()
    margin = max(1, round(margin_um / resolution_um))
    if radius_um is not None and centre is not None:
        rows, cols = np.indices(heights.shape)
        radius = radius_um / resolution_um + margin
        result[(rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2] = np.nan
        return result
    holes, count = ndimage.label(~mask)
    border = set(
        np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]])).tolist()
    )
    sizes = ndimage.sum(np.ones_like(holes), holes, index=np.arange(1, count + 1))
    interior = [
        (size, label)
        for label, size in zip(range(1, count + 1), sizes, strict=True)
        if label not in border
    ]
    if interior and max(interior)[0] > 0.01 * mask.size:
        pin = holes == max(interior)[1]
    else:
        values = np.where(mask, heights, np.nan)
        depth = np.nanmedian(values) - 3 * np.nanstd(values)
        deep, deep_count = ndimage.label(mask & (values < depth))
        if deep_count == 0:
            return result
        deep_sizes = ndimage.sum(np.ones_like(deep), deep, index=np.arange(1, deep_count + 1))
        if deep_sizes.max() < 0.01 * mask.size:
            return result
        pin = deep == int(np.argmax(deep_sizes)) + 1
    result[ndimage.binary_dilation(pin, iterations=margin)] = np.nan
    return result


def masked_gaussian(heights: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing that ignores missing points (normalised convolution)."""
    mask = np.isfinite(heights)
    filled = np.where(mask, heights, 0.0)
    weights = ndimage.gaussian_filter(mask.astype(np.float64), sigma, mode="constant")
    smooth = ndimage.gaussian_filter(filled, sigma, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = smooth / weights
    out[~mask] = np.nan
    return out


def band_pass(
    heights: np.ndarray,
    resolution_um: float,
    *,
    low_cutoff_um: float = LOW_CUTOFF_UM,
    high_cutoff_um: float = HIGH_CUTOFF_UM,
) -> np.ndarray:
    """Gaussian band-pass: keep wavelengths between the two cutoffs (NaN preserved)."""
    short = _SIGMA_PER_CUTOFF * low_cutoff_um / resolution_um
    long = _SIGMA_PER_CUTOFF * high_cutoff_um / resolution_um
    smoothed = masked_gaussian(heights, short) if short >= 0.3 else heights
    return smoothed - masked_gaussian(heights, long)


def resample(heights: np.ndarray, resolution_um: float, target_um: float) -> np.ndarray:
    """Resample to `target_um` per pixel; a point is kept where most of its area was measured."""
    factor = resolution_um / target_um
    if abs(factor - 1) < 1e-6:
        return heights.copy()
    mask = np.isfinite(heights)
    filled = np.where(mask, heights, 0.0)
    if factor < 1:  # anti-alias before decimating
        sigma = 0.5 / factor * 0.85
        filled = ndimage.gaussian_filter(filled, sigma)
        weight = ndimage.gaussian_filter(mask.astype(np.float64), sigma)
    else:
        weight = mask.astype(np.float64)
    shape = (max(2, round(heights.shape[0] * factor)), max(2, round(heights.shape[1] * factor)))
    zoom = (shape[0] / heights.shape[0], shape[1] / heights.shape[1])
    values = ndimage.zoom(filled, zoom, order=1)
    weights = ndimage.zoom(weight, zoom, order=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = values / weights
    out[weights < 0.5] = np.nan
    return out


def trim_edges(heights: np.ndarray, pixels: int) -> np.ndarray:
    """Drop a rim of `pixels` along every edge of the measured area (filter edge effects)."""
    if pixels <= 0:
        return heights
    mask = ndimage.binary_erosion(np.isfinite(heights), iterations=pixels)
    return np.where(mask, heights, np.nan)


def crop_to_data(heights: np.ndarray) -> np.ndarray:
    """Crop to the bounding box of the measured points, made square and centred on it."""
    rows, cols = np.nonzero(np.isfinite(heights))
    if rows.size == 0:
        return heights
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = max(bottom - top, right - left)
    out = np.full((side, side), np.nan)
    row0 = (side - (bottom - top)) // 2
    col0 = (side - (right - left)) // 2
    out[row0 : row0 + bottom - top, col0 : col0 + right - left] = heights[top:bottom, left:right]
    return out


def standardise(heights: np.ndarray) -> np.ndarray:
    """Zero mean, unit standard deviation over the measured points."""
    values = heights[np.isfinite(heights)]
    if values.size == 0:
        return heights
    spread = float(values.std()) or 1.0
    return (heights - float(values.mean())) / spread


def prepare(surface: Surface, target_um: float = FINE_RESOLUTION_UM) -> Prepared:
    """Full preprocessing: level, remove the firing pin, band-pass, resample, crop, standardise."""
    resolution = surface.resolution_um
    heights = level(surface.heights)
    heights = remove_firing_pin(heights, resolution)
    heights = band_pass(heights, resolution)
    heights = resample(heights, resolution, target_um)
    heights = trim_edges(heights, 1)
    heights = crop_to_data(heights)
    return Prepared(heights=standardise(heights), resolution_um=target_um)

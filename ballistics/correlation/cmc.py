"""Fine stage: Congruent Matching Cells (Song 2013; Tong et al. 2015), FFT-vectorised.

The reference surface is cut into a grid of cells. For each candidate rotation
the other surface is rotated about its centre and every cell is registered
against the window of the other surface around its own position by masked
normalised cross-correlation (Padfield 2012), all cells and all shifts at once
with batched FFTs. A cell is congruent when its correlation passes the
threshold and its translation agrees (within thresholds) with the translation
most cells agree on at the same rotation; the count at the best rotation is
the one-way score. The pair score is the mean of both directions, so it is
symmetric by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import fft, ndimage


@dataclass(frozen=True)
class CMCParams:
    """Method parameters (defaults follow the published CMC settings for breech faces)."""

    grid: int = 7  # cells per side: about 480 um cells at 20 um per point
    min_valid: float = 0.25  # least measured fraction for a cell to take part
    ccf_threshold: float = 0.5
    translation_threshold_um: float = 75.0
    angle_step: float = 3.0
    angle_window: float = 3.0  # searched either side of the chosen rotation hypothesis
    min_overlap: float = 0.5  # least overlap (fraction of the cell's points) at a shift
    # A pair whose score falls in this undecided band is searched again over the wider
    # window: the effort goes where a few cells more or less change the answer.
    undecided_band: tuple[float, float] = (3.0, 8.0)
    wide_window: float = 6.0


@dataclass
class Cell:
    """One reference cell's registration on the other surface."""

    row: int  # cell grid position
    column: int
    top: int  # pixel position of the cell in the reference
    left: int
    dx: int  # displacement (pixels) of its best match in the rotated other surface
    dy: int
    ccf: float
    congruent: bool


@dataclass
class OneWay:
    """The result of registering one surface's cells on the other."""

    count: int
    angle: float
    dx: float
    dy: float
    cells: list[Cell] = field(default_factory=list)
    cell_size: int = 0


@dataclass
class PairScore:
    """Symmetric CMC score of a pair, with the alignment and the congruent cells both ways."""

    score: float
    forward: OneWay  # cells of a registered on b
    backward: OneWay  # cells of b registered on a

    @property
    def angle(self) -> float:
        return self.forward.angle


class CellBank:
    """A surface cut into cells, with the spectra it needs as reference and as target.

    Built once per scan; reused for every comparison it takes part in.
    """

    def __init__(self, heights: np.ndarray, resolution_um: float, params: CMCParams) -> None:
        self.params = params
        self.resolution_um = resolution_um
        side = max(heights.shape)
        self.cell = side // params.grid
        self.side = self.cell * params.grid
        square = np.full((self.side, self.side), np.nan)
        rows, cols = min(heights.shape[0], self.side), min(heights.shape[1], self.side)
        square[:rows, :cols] = heights[:rows, :cols]
        self.heights = square
        self.mask = np.isfinite(square)
        self.window = 2 * self.cell
        self.fft_shape = (self.window, self.window)
        cell = self.cell
        positions = []
        templates, masks = [], []
        for grid_row in range(params.grid):
            for grid_col in range(params.grid):
                top, left = grid_row * cell, grid_col * cell
                block_mask = self.mask[top : top + cell, left : left + cell]
                if block_mask.mean() < params.min_valid:
                    continue
                block = np.where(block_mask, square[top : top + cell, left : left + cell], 0.0)
                values = block[block_mask]
                block = np.where(block_mask, (block - values.mean()) / (values.std() or 1.0), 0)
                positions.append((grid_row, grid_col, top, left))
                templates.append(block)
                masks.append(block_mask.astype(np.float64))
        self.positions = positions
        if positions:
            # Single precision halves the FFT work; cells are standardised, so
            # the correlation sums stay far within float32's range and precision.
            t = np.array(templates, dtype=np.float32)
            m = np.array(masks, dtype=np.float32)
            self.spec_t = np.conj(fft.rfft2(t, s=self.fft_shape))
            self.spec_tt = np.conj(fft.rfft2(t * t, s=self.fft_shape))
            self.spec_m = np.conj(fft.rfft2(m, s=self.fft_shape))
            self.cell_points = m.sum(axis=(1, 2))

    def windows(self, other: CellBank, angle: float) -> tuple[np.ndarray, np.ndarray]:
        """Values and masks of `other` rotated by `angle`, cut around each of our cells."""
        values = np.where(other.mask, other.heights, 0.0)
        if angle:
            rotated = ndimage.rotate(values, angle, reshape=False, order=1, mode="constant")
            weight = ndimage.rotate(
                other.mask.astype(np.float64), angle, reshape=False, order=1, mode="constant"
            )
            keep = weight > 0.5
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.where(keep, rotated / np.maximum(weight, 1e-9), 0.0)
            mask = keep.astype(np.float64)
        else:
            mask = other.mask.astype(np.float64)
        # Same frame for both: pad the other surface to our size plus half a cell each side.
        pad = self.cell // 2
        size = self.side + 2 * pad
        canvas_v = np.zeros((size + self.cell, size + self.cell))
        canvas_m = np.zeros_like(canvas_v)
        rows, cols = min(values.shape[0], self.side), min(values.shape[1], self.side)
        offset_r = pad + (self.side - rows) // 2
        offset_c = pad + (self.side - cols) // 2
        canvas_v[offset_r : offset_r + rows, offset_c : offset_c + cols] = values[:rows, :cols]
        canvas_m[offset_r : offset_r + rows, offset_c : offset_c + cols] = mask[:rows, :cols]
        tops = np.array([p[2] for p in self.positions])
        lefts = np.array([p[3] for p in self.positions])
        index_r = tops[:, None] + np.arange(self.window)[None, :]
        index_c = lefts[:, None] + np.arange(self.window)[None, :]
        win_v = canvas_v[index_r[:, :, None], index_c[:, None, :]]
        win_m = canvas_m[index_r[:, :, None], index_c[:, None, :]]
        return win_v, win_m

    def register(self, other: CellBank, angles: list[float]) -> tuple[np.ndarray, ...]:
        """Best shift and masked NCC of every cell on `other` at every angle, in one batch.

        Returns (dx, dy, ccf), each of shape (angles, cells).
        """
        pairs = [self.windows(other, angle) for angle in angles]
        win_v = np.stack([p[0] for p in pairs]).astype(np.float32)
        win_m = np.stack([p[1] for p in pairs]).astype(np.float32)
        spec_v = fft.rfft2(win_v, s=self.fft_shape)
        spec_vv = fft.rfft2(win_v * win_v, s=self.fft_shape)
        spec_mr = fft.rfft2(win_m, s=self.fft_shape)
        stack = np.stack(
            [
                self.spec_m * spec_mr,  # overlap count
                self.spec_t * spec_mr,  # sum of template over overlap
                self.spec_m * spec_v,  # sum of window over overlap
                self.spec_tt * spec_mr,
                self.spec_m * spec_vv,
                self.spec_t * spec_v,
            ]
        )
        count, sum_t, sum_v, sum_tt, sum_vv, sum_tv = fft.irfft2(stack, s=self.fft_shape)
        shifts = self.window - self.cell + 1  # valid (non-wrapping) shifts per axis
        sl = (slice(None), slice(None), slice(0, shifts), slice(0, shifts))
        count, sum_t, sum_v = count[sl], sum_t[sl], sum_v[sl]
        sum_tt, sum_vv, sum_tv = sum_tt[sl], sum_vv[sl], sum_tv[sl]
        count = np.round(count)
        safe = np.maximum(count, 1.0)
        numerator = sum_tv - sum_t * sum_v / safe
        var_t = sum_tt - sum_t**2 / safe
        var_v = sum_vv - sum_v**2 / safe
        with np.errstate(invalid="ignore", divide="ignore"):
            ncc = numerator / np.sqrt(np.maximum(var_t * var_v, 1e-12))
        enough = count >= self.params.min_overlap * self.cell_points[None, :, None, None]
        ncc = np.where(enough & (var_t > 1e-6) & (var_v > 1e-6), ncc, -1.0)
        flat_ncc = ncc.reshape(ncc.shape[0], ncc.shape[1], -1)
        flat = flat_ncc.argmax(axis=2)
        best_r, best_c = np.unravel_index(flat, (shifts, shifts))
        best = np.take_along_axis(flat_ncc, flat[:, :, None], axis=2)[:, :, 0]
        pad = self.cell // 2
        return best_c - pad, best_r - pad, best


def _consensus(
    dx: np.ndarray, dy: np.ndarray, ccf: np.ndarray, params: CMCParams, threshold_px: float
) -> tuple[int, np.ndarray, float, float]:
    """Cells agreeing with the translation most high-correlation cells agree on."""
    strong = ccf >= params.ccf_threshold
    if not strong.any():
        return 0, np.zeros(len(dx), dtype=bool), 0.0, 0.0
    near = (np.abs(dx[:, None] - dx[None, :]) <= threshold_px) & (
        np.abs(dy[:, None] - dy[None, :]) <= threshold_px
    )
    support = (near & strong[None, :]).sum(axis=1)
    support[~strong] = -1
    centre = int(np.argmax(support))
    members = strong & near[centre]
    return int(members.sum()), members, float(np.median(dx[members])), float(np.median(dy[members]))


def one_way_each(reference: CellBank, other: CellBank, angles: list[float]) -> list[OneWay]:
    """Register the reference's cells on `other` at each angle; the congruent cells of each."""
    params = reference.params
    if not reference.positions or not angles:
        return [
            OneWay(count=0, angle=angle, dx=0.0, dy=0.0, cell_size=reference.cell)
            for angle in angles
        ]
    threshold_px = params.translation_threshold_um / reference.resolution_um
    all_dx, all_dy, all_ccf = reference.register(other, angles)
    results = []
    for k, angle in enumerate(angles):
        dx, dy, ccf = all_dx[k], all_dy[k], all_ccf[k]
        count, members, mdx, mdy = _consensus(dx, dy, ccf, params, threshold_px)
        cells = [
            Cell(
                row=p[0],
                column=p[1],
                top=p[2],
                left=p[3],
                dx=int(dx[i]),
                dy=int(dy[i]),
                ccf=float(ccf[i]),
                congruent=bool(members[i]),
            )
            for i, p in enumerate(reference.positions)
        ]
        results.append(
            OneWay(count=count, angle=angle, dx=mdx, dy=mdy, cells=cells, cell_size=reference.cell)
        )
    return results


def _quality(result: OneWay) -> float:
    return sum(cell.ccf for cell in result.cells if cell.congruent)


def _best(results: list[OneWay]) -> OneWay:
    return max(results, key=lambda r: (r.count, _quality(r)))


def one_way(reference: CellBank, other: CellBank, angles: list[float]) -> OneWay:
    """Register the reference's cells on `other` over `angles`; count the congruent cells."""
    if not angles:
        return OneWay(count=0, angle=0.0, dx=0.0, dy=0.0, cell_size=reference.cell)
    return _best(one_way_each(reference, other, angles))


def angle_grid(estimates: list[float], params: CMCParams) -> list[float]:
    """Rotations to search: a window around each coarse estimate, on the method's step."""
    angles: set[float] = set()
    steps = int(params.angle_window // params.angle_step)
    for estimate in estimates:
        base = round(estimate / params.angle_step) * params.angle_step
        for k in range(-steps, steps + 1):
            angles.add(((base + k * params.angle_step + 180.0) % 360.0) - 180.0)
    return sorted(angles)


def _normal(angle: float) -> float:
    return ((angle + 180.0) % 360.0) - 180.0


def pair_score(a: CellBank, b: CellBank, estimates: list[float]) -> PairScore:
    """Symmetric CMC score: a's cells on b rotated by theta, and b's cells on a by -theta.

    `estimates` are rotation hypotheses from the coarse stage (e.g. theta and
    theta + 180, which the coarse signature cannot tell apart). Each is tried
    exactly, both ways; the one with the most congruent cells in both
    directions together is then searched in a window on the method's step.
    Choosing on the sum of both directions keeps the score symmetric.
    """
    step = a.params.angle_step
    # On the method's step, so that the window around the chosen one reuses it.
    snapped = (_normal(round(e / step) * step) for e in estimates)
    hypotheses = list(dict.fromkeys(snapped)) or [0.0]
    forward_at = one_way_each(a, b, hypotheses)
    backward_at = one_way_each(b, a, [_normal(-h) for h in hypotheses])
    pick = max(
        range(len(hypotheses)),
        key=lambda k: (
            forward_at[k].count + backward_at[k].count,
            _quality(forward_at[k]) + _quality(backward_at[k]),
        ),
    )
    chosen = hypotheses[pick]
    grid = [angle for angle in angle_grid([chosen], a.params) if angle != chosen]
    forward = _best([forward_at[pick], *one_way_each(a, b, grid)])
    backward = _best([backward_at[pick], *one_way_each(b, a, [_normal(-g) for g in grid])])
    score = (forward.count + backward.count) / 2
    low, high = a.params.undecided_band
    if low <= score < high and a.params.wide_window > a.params.angle_window:
        wide = replace(a.params, angle_window=a.params.wide_window)
        done = {chosen, *grid}
        extra = [angle for angle in angle_grid([chosen], wide) if angle not in done]
        forward = _best([forward, *one_way_each(a, b, extra)])
        backward = _best([backward, *one_way_each(b, a, [_normal(-e) for e in extra])])
        score = (forward.count + backward.count) / 2
    return PairScore(score=score, forward=forward, backward=backward)

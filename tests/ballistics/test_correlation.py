"""The correlation engine, without a database: each preprocessing step, the
congruence rule on constructed surfaces with known shifts and rotations,
symmetry of the pair score, and the coarse ranking on real scans."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ballistics.correlation import cmc, coarse, engine, preprocess
from ballistics.x3p import read_x3p
from tests.ballistics.data import fadul_dir

RES = 25.0  # micrometres per pixel of the constructed surfaces


def _texture(seed: int, size: int = 160) -> np.ndarray:
    """A random breech-face-like texture: band-limited noise on an annulus."""
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.normal(size=(size, size)), 0.8)
    rows, cols = np.indices((size, size)) - (size - 1) / 2
    radius = np.hypot(rows, cols)
    field[(radius > size / 2 - 2) | (radius < size / 6)] = np.nan
    return field / np.nanstd(field)


def _bank(heights: np.ndarray) -> cmc.CellBank:
    return cmc.CellBank(heights, RES, cmc.CMCParams())


def test_level_removes_a_plane() -> None:
    rows, cols = np.indices((50, 60))
    bumps = np.sin(rows / 3.0) * 0.1
    tilted = 3.0 + 0.5 * rows - 0.2 * cols + bumps
    tilted[10:20, 10:20] = np.nan
    flat = preprocess.level(tilted)
    assert np.isnan(flat[15, 15])
    assert abs(np.nanmean(flat)) < 1e-9
    assert np.nanstd(flat) == pytest.approx(np.nanstd(bumps[np.isfinite(tilted)]), rel=0.05)


def test_remove_firing_pin_masks_the_enclosed_hole_with_a_margin() -> None:
    heights = np.ones((100, 100))
    rows, cols = np.indices(heights.shape)
    heights[(rows - 40) ** 2 + (cols - 55) ** 2 < 15**2] = np.nan
    out = preprocess.remove_firing_pin(heights, resolution_um=10.0, margin_um=30.0)
    assert np.isnan(out[40, 55 + 16])  # inside the 3-pixel margin
    assert np.isfinite(out[40, 55 + 20])
    assert np.isfinite(out[5, 5])


def test_remove_firing_pin_finds_an_unmasked_crater() -> None:
    heights = np.zeros((100, 100))
    rows, cols = np.indices(heights.shape)
    heights[(rows - 50) ** 2 + (cols - 50) ** 2 < 12**2] = -50.0
    out = preprocess.remove_firing_pin(heights, resolution_um=10.0, margin_um=20.0)
    assert np.isnan(out[50, 50]) and np.isnan(out[50, 50 + 13])
    assert np.isfinite(out[10, 10])


def test_band_pass_removes_waviness_and_noise_but_keeps_the_marks() -> None:
    x = np.arange(400) * RES / 5  # 5 um pixels
    grid_x = np.tile(x, (64, 1))
    waviness = np.sin(2 * np.pi * grid_x / 2000)  # 2 mm: form
    marks = np.sin(2 * np.pi * grid_x / 80)  # 80 um: breech-face marks
    out = preprocess.band_pass(waviness + marks, 5.0)
    inner = out[20:-20, 100:-100]
    reference = marks[20:-20, 100:-100]
    assert np.corrcoef(inner.ravel(), reference.ravel())[0, 1] > 0.95
    fine = np.sin(2 * np.pi * grid_x / 10)  # 10 um: below the short cutoff
    assert np.std(preprocess.band_pass(fine, 5.0)[20:-20, 100:-100]) < 0.2


def test_resample_changes_resolution_and_keeps_the_mask() -> None:
    heights = np.ones((100, 80))
    heights[:50] = np.nan
    out = preprocess.resample(heights, 6.25, 12.5)
    assert out.shape == (50, 40)
    assert np.isnan(out[:20]).all() and np.isfinite(out[30:]).all()


def test_prepare_real_scan_gives_standardised_square_surface() -> None:
    prepared = preprocess.prepare(read_x3p(fadul_dir() / "Fadul_1-1.x3p"))
    heights = prepared.heights
    assert heights.shape[0] == heights.shape[1]
    assert prepared.resolution_um == preprocess.FINE_RESOLUTION_UM
    assert np.nanmean(heights) == pytest.approx(0, abs=1e-9)
    assert np.nanstd(heights) == pytest.approx(1, rel=1e-6)


@pytest.mark.parametrize(("shift", "angle"), [((0, 0), 0.0), ((3, -2), 0.0), ((2, 4), 12.0)])
def test_congruence_recovers_known_shift_and_rotation(shift: tuple[int, int], angle: float) -> None:
    reference = _texture(1)
    rng = np.random.default_rng(7)
    moved = np.where(np.isfinite(reference), reference, 0.0)
    moved = ndimage.rotate(moved, -angle, reshape=False, order=1)
    moved = ndimage.shift(moved, (shift[1], shift[0]), order=1)
    moved = moved + rng.normal(scale=0.3, size=moved.shape)
    mask = ndimage.rotate(np.isfinite(reference).astype(float), -angle, reshape=False, order=1)
    moved[ndimage.shift(mask, (shift[1], shift[0]), order=1) < 0.5] = np.nan
    result = cmc.one_way(_bank(reference), _bank(moved), cmc.angle_grid([angle], cmc.CMCParams()))
    assert result.angle == pytest.approx(angle)
    assert (result.dx, result.dy) == pytest.approx(shift, abs=1)
    congruent = [cell for cell in result.cells if cell.congruent]
    assert result.count == len(congruent) >= 0.8 * len(result.cells)
    assert all(cell.ccf >= 0.5 for cell in congruent)


def test_cells_off_the_consensus_are_not_congruent() -> None:
    """Half the surface moved one way, half another: only the larger agreeing group counts."""
    reference = _texture(2)
    moved = np.roll(reference, (0, 6), axis=(0, 1))
    moved[:55] = np.roll(reference, (0, -6), axis=(0, 1))[:55]
    result = cmc.one_way(_bank(reference), _bank(moved), [0.0])
    assert result.dx == pytest.approx(6, abs=1)
    moved_left = [c for c in result.cells if c.top + result.cell_size <= 55 and c.ccf > 0.5]
    assert moved_left and not any(c.congruent for c in moved_left)


def test_unrelated_surfaces_have_few_congruent_cells() -> None:
    result = cmc.pair_score(_bank(_texture(3)), _bank(_texture(4)), [0.0])
    assert result.score <= 3


def test_pair_score_is_symmetric_on_real_scans() -> None:
    a = engine.features(read_x3p(fadul_dir() / "Fadul_1-1.x3p"))
    b = engine.features(read_x3p(fadul_dir() / "Fadul_1-2.x3p"))
    c = engine.features(read_x3p(fadul_dir() / "Fadul_2-1.x3p"))
    ab, ba = engine.compare(a, b), engine.compare(b, a)
    assert ab.score == ba.score
    assert ab.forward.count == ba.backward.count
    # A same-slide pair scores above a different-slide pair.
    assert ab.score > engine.compare(a, c).score


def test_coarse_signature_estimates_rotation_and_round_trips() -> None:
    prepared = preprocess.Prepared(_texture(5, 200), RES)
    rotated_heights = ndimage.rotate(np.nan_to_num(prepared.heights), 40, reshape=False, order=1)
    mask = ndimage.rotate(np.isfinite(prepared.heights).astype(float), 40, reshape=False)
    rotated_heights[mask < 0.5] = np.nan
    rotated = preprocess.Prepared(rotated_heights, RES)
    a, b = coarse.signature(prepared), coarse.signature(rotated)
    assert coarse.candidate_angles(a, b, 1)[0] == pytest.approx(-40, abs=2)
    restored = coarse.Signature.from_bytes(b.to_bytes())
    scores, angles = coarse.correlate(a, np.stack([restored.spectrum, a.spectrum]))
    assert angles[0] == pytest.approx(-40, abs=2) and angles[1] == pytest.approx(0)
    assert scores[1] == pytest.approx(1.0, abs=1e-3) and scores[0] < scores[1]


def _turned_and_shifted(heights: np.ndarray, angle: float, shift: tuple[int, int]) -> np.ndarray:
    values = ndimage.rotate(np.nan_to_num(heights), angle, reshape=False, order=1)
    mask = ndimage.rotate(np.isfinite(heights).astype(float), angle, reshape=False, order=1)
    values = ndimage.shift(values, shift, order=0)
    mask = ndimage.shift(mask, shift, order=0)
    values[mask < 0.5] = np.nan
    return values


def test_coarse_signature_ignores_translation_and_finds_rotation_modulo_180() -> None:
    """Fourier-Mellin: a shift changes nothing, a rotation is a circular shift of angles."""
    surface = _texture(11, 200)
    moved = _turned_and_shifted(surface, 150.0, (9, -7))
    unrelated = _texture(12, 200)
    a = coarse.signature(preprocess.Prepared(surface, RES))
    b = coarse.signature(preprocess.Prepared(moved, RES))
    c = coarse.signature(preprocess.Prepared(unrelated, RES))
    hypotheses = coarse.candidate_angles(a, b, 1)
    # Rotating b by -150 (or its twin +30) lines it up with a.
    assert any(abs(((h + 150.0 + 180.0) % 360.0) - 180.0) <= 2.0 for h in hypotheses)
    assert len(hypotheses) == 2 and abs(abs(hypotheses[0] - hypotheses[1]) - 180.0) < 1e-9
    scores, _ = coarse.correlate(a, np.stack([b.spectrum, c.spectrum]))
    assert scores[0] > scores[1] + 0.1


def test_pair_score_settles_the_180_degree_twin_and_stays_symmetric() -> None:
    surface = _texture(13)
    moved = _turned_and_shifted(surface, -150.0, (2, -3))
    a, b = _bank(surface), _bank(moved)
    sig_a = coarse.signature(preprocess.Prepared(surface, RES))
    sig_b = coarse.signature(preprocess.Prepared(moved, RES))
    forward = cmc.pair_score(a, b, coarse.candidate_angles(sig_a, sig_b, 1))
    backward = cmc.pair_score(b, a, coarse.candidate_angles(sig_b, sig_a, 1))
    assert forward.forward.angle == pytest.approx(150.0, abs=3.0)
    assert forward.score == backward.score >= 0.6 * len(a.positions)

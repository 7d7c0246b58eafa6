"""The review images, drawn without a database: colour scale, frame geometry, overlay."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ballistics import rendering


def _image(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_colour_scale_runs_low_to_high_and_missing_points_are_grey() -> None:
    heights = np.array([[-5.0, 0.0, 5.0, np.nan]])
    rgb = rendering.colourise(heights)
    assert tuple(rgb[0, 0]) == tuple(rendering.PALETTE[0])  # clipped at -2.5 sd
    assert tuple(rgb[0, 2]) == tuple(rendering.PALETTE[255])
    assert tuple(rgb[0, 3]) == rendering.MISSING


def test_surface_image_has_the_surface_and_a_colour_bar() -> None:
    heights = np.linspace(-2, 2, 40 * 40).reshape(40, 40)
    image = _image(rendering.surface_png(heights, "test"))
    assert image.width == rendering.PIXELS + rendering.BAR_WIDTH
    bar_top = image.getpixel((rendering.PIXELS + 15, 22))
    bar_bottom = image.getpixel((rendering.PIXELS + 15, 22 + rendering.PIXELS - 1))
    assert bar_top == tuple(rendering.PALETTE[255]) and bar_bottom == tuple(rendering.PALETTE[0])


def test_place_in_frame_centres_a_smaller_surface_and_turns_it() -> None:
    small = np.zeros((10, 10))
    small[0, :] = 1.0  # the top row marked
    frame = rendering.place_in_frame(20, small, 0.0)
    assert np.isnan(frame[0, 0]) and frame[5, 5] == 1.0 and frame[6, 5] == 0.0
    turned = rendering.place_in_frame(10, small, 180.0)
    assert turned[9, 5] > 0.9 and turned[0, 5] < 0.1  # the marked row is now at the bottom


def test_overlay_of_a_surface_with_itself_is_grey_where_both_agree() -> None:
    rng = np.random.default_rng(3)
    heights = rng.normal(size=(30, 30))
    image = np.asarray(_image(rendering.overlay_png(heights, heights, 0.0, 0.0, 0.0, "self")))
    surface = image[22 : 22 + rendering.PIXELS, : rendering.PIXELS].astype(int)
    # Magenta (query) and green (other) add up to grey: red == green == blue.
    assert np.abs(surface[..., 0] - surface[..., 1]).max() <= 1

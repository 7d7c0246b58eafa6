"""Images of surfaces for the review pages: pure numpy + Pillow, no database.

A height map is drawn with a perceptual colour scale (viridis, the scale the
portal's plotly charts use) and a colour bar in standard deviations of the
prepared surface; missing points are light grey. The comparison images show
the other surface turned and placed in the reference's frame exactly as the
CMC stage registered it, so the examiner sees what the score counted.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from plotly.colors import hex_to_rgb, sequential
from scipy import ndimage

# Colour scale limits, in standard deviations of the prepared (standardised) surface.
SCALE_LIMIT = 2.5
MISSING = (225, 225, 225)
CONGRUENT = (0, 200, 70)
OTHER_CELL = (150, 150, 150)
PIXELS = 360  # drawn size of the surface (the long side)
BAR_WIDTH = 70


def _palette() -> np.ndarray:
    stops = np.array([hex_to_rgb(colour) for colour in sequential.Viridis], dtype=np.float64)
    positions = np.linspace(0, 1, len(stops))
    levels = np.linspace(0, 1, 256)
    return np.stack(
        [np.interp(levels, positions, stops[:, channel]) for channel in range(3)], axis=1
    ).astype(np.uint8)


PALETTE = _palette()


def colourise(heights: np.ndarray) -> np.ndarray:
    """RGB (uint8) of a height map on the fixed scale; NaN drawn as MISSING."""
    measured = np.isfinite(heights)
    scaled = (np.where(measured, heights, 0.0) + SCALE_LIMIT) / (2 * SCALE_LIMIT)
    index = np.clip(np.round(scaled * 255), 0, 255).astype(np.intp)
    rgb = PALETTE[index]
    rgb[~measured] = MISSING
    return rgb


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=12)


def _upscale(rgb: np.ndarray) -> tuple[Image.Image, float]:
    image = Image.fromarray(rgb)
    factor = PIXELS / max(image.size)
    size = (max(1, round(image.size[0] * factor)), max(1, round(image.size[1] * factor)))
    return image.resize(size, Image.Resampling.NEAREST), factor


def _with_colour_bar(image: Image.Image, title: str) -> Image.Image:
    """The image with a title above and the colour scale on its right."""
    font = _font()
    top = 22
    canvas = Image.new("RGB", (image.width + BAR_WIDTH, image.height + top + 6), "white")
    canvas.paste(image, (0, top))
    draw = ImageDraw.Draw(canvas)
    draw.text((2, 4), title, fill="black", font=font)
    left = image.width + 10
    height = image.height
    ramp = PALETTE[np.linspace(255, 0, height).astype(np.intp)]
    bar = np.repeat(ramp[:, None, :], 14, axis=1)
    canvas.paste(Image.fromarray(bar), (left, top))
    for value, y in ((SCALE_LIMIT, top), (0.0, top + height // 2), (-SCALE_LIMIT, top + height)):
        draw.text((left + 18, max(0, y - 7)), f"{value:+.1f} sd", fill="black", font=font)
    return canvas


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def surface_png(heights: np.ndarray, title: str) -> bytes:
    """One prepared surface with its colour scale."""
    image, _ = _upscale(colourise(heights))
    return png(_with_colour_bar(image, title))


def place_in_frame(reference_side: int, other: np.ndarray, angle: float) -> np.ndarray:
    """`other` rotated by `angle` about its centre and placed in the reference's square frame.

    The same geometry as the CMC registration (cmc.CellBank.windows): the other
    surface is cropped to the reference's side or centred in it.
    """
    measured = np.isfinite(other)
    values = np.where(measured, other, 0.0)
    weight = measured.astype(np.float64)
    if angle:
        values = ndimage.rotate(values, angle, reshape=False, order=1, mode="constant")
        weight = ndimage.rotate(weight, angle, reshape=False, order=1, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        turned = np.where(weight > 0.5, values / np.maximum(weight, 1e-9), np.nan)
    frame = np.full((reference_side, reference_side), np.nan)
    rows, cols = min(turned.shape[0], reference_side), min(turned.shape[1], reference_side)
    top, left = (reference_side - rows) // 2, (reference_side - cols) // 2
    frame[top : top + rows, left : left + cols] = turned[:rows, :cols]
    return frame


def _outline_cells(
    image: Image.Image,
    factor: float,
    cells: Sequence[dict[str, Any]],
    *,
    shifted: bool,
) -> None:
    draw = ImageDraw.Draw(image)
    for cell in sorted(cells, key=lambda c: bool(c.get("congruent"))):
        size = int(cell.get("size") or 0)
        if not size:
            continue
        top = int(cell["top"]) + (int(cell["dy"]) if shifted else 0)
        left = int(cell["left"]) + (int(cell["dx"]) if shifted else 0)
        box = [left * factor, top * factor, (left + size) * factor - 1, (top + size) * factor - 1]
        if cell.get("congruent"):
            draw.rectangle(box, outline=CONGRUENT, width=3)
        else:
            draw.rectangle(box, outline=OTHER_CELL, width=1)


def reference_cells_png(heights: np.ndarray, cells: Sequence[dict[str, Any]], title: str) -> bytes:
    """The query surface with its cells outlined; congruent cells in green."""
    image, factor = _upscale(colourise(heights))
    _outline_cells(image, factor, cells, shifted=False)
    return png(_with_colour_bar(image, title))


def matched_cells_png(
    reference_side: int,
    other: np.ndarray,
    angle: float,
    cells: Sequence[dict[str, Any]],
    title: str,
) -> bytes:
    """The candidate surface turned into the query's frame, each cell where it matched."""
    image, factor = _upscale(colourise(place_in_frame(reference_side, other, angle)))
    _outline_cells(image, factor, cells, shifted=True)
    return png(_with_colour_bar(image, title))


def overlay_png(
    reference: np.ndarray, other: np.ndarray, angle: float, dx: float, dy: float, title: str
) -> bytes:
    """Both surfaces aligned, the query in magenta and the candidate in green.

    Where the marks agree the two add up to grey-white; marks of one surface
    only stay coloured. Missing points are light grey.
    """
    side = reference.shape[0]
    aligned = place_in_frame(side, other, angle)
    measured = np.isfinite(aligned)
    shifted = ndimage.shift(np.where(measured, aligned, 0.0), (-dy, -dx), order=1, cval=0.0)
    keep = ndimage.shift(measured.astype(np.float64), (-dy, -dx), order=0, cval=0.0) > 0.5
    aligned = np.where(keep, shifted, np.nan)

    def level(values: np.ndarray) -> np.ndarray:
        scaled = (np.where(np.isfinite(values), values, 0.0) + SCALE_LIMIT) / (2 * SCALE_LIMIT)
        return np.clip(scaled * 255, 0, 255)

    first, second = level(reference), level(aligned)
    both = np.isfinite(reference) & np.isfinite(aligned)
    rgb = np.zeros((*reference.shape, 3))
    rgb[..., 0] = first
    rgb[..., 2] = first
    rgb[..., 1] = second
    only_first = np.isfinite(reference) & ~both
    only_second = np.isfinite(aligned) & ~both
    rgb[only_first] = np.stack([first, first * 0.4, first], axis=-1)[only_first]
    rgb[only_second] = np.stack([second * 0.4, second, second * 0.4], axis=-1)[only_second]
    rgb[~(np.isfinite(reference) | np.isfinite(aligned))] = MISSING
    image, _ = _upscale(rgb.astype(np.uint8))
    font = _font()
    canvas = Image.new("RGB", (image.width + BAR_WIDTH, image.height + 28), "white")
    canvas.paste(image, (0, 22))
    draw = ImageDraw.Draw(canvas)
    draw.text((2, 4), title, fill="black", font=font)
    draw.rectangle([image.width + 10, 30, image.width + 22, 42], fill=(255, 0, 255))
    draw.text((image.width + 26, 30), "query", fill="black", font=font)
    draw.rectangle([image.width + 10, 50, image.width + 22, 62], fill=(0, 255, 0))
    draw.text((image.width + 26, 50), "other", fill="black", font=font)
    return png(canvas)

"""The X3P reader on real scans and on the bad files an upload may bring."""

from __future__ import annotations

import numpy as np
import pytest

from ballistics.x3p import Surface, X3PError, read_x3p, write_x3p
from tests.ballistics.data import fadul_dir, x3p_members, zip_bytes


def test_reads_a_real_scan_with_metadata_resolution_and_mask() -> None:
    surface = read_x3p(fadul_dir() / "Fadul_1-1.x3p")
    assert surface.shape == (545, 545)
    assert surface.increment_x == pytest.approx(6.25e-6)
    assert surface.resolution_um == pytest.approx(6.25)
    assert surface.metadata["instrument"] == "NanoFocus usurf"
    # The breech face is an annulus: most of the square is masked out.
    assert 0.2 < surface.valid_fraction < 0.4
    assert surface.mask.sum() == np.isfinite(surface.heights).sum()
    assert np.nanmax(np.abs(surface.heights)) < 1e-4  # metres


def test_round_trip_keeps_heights_and_mask() -> None:
    heights = np.arange(12, dtype=float).reshape(3, 4) * 1e-6
    heights[1, 2] = np.nan
    back = read_x3p(write_x3p(Surface(heights, 2e-6, 3e-6)))
    assert back.shape == (3, 4)
    assert back.increment_y == pytest.approx(3e-6)
    assert np.array_equal(np.isnan(back.heights), np.isnan(heights))
    assert np.allclose(back.heights[back.mask], heights[np.isfinite(heights)])


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(X3PError, match="not a zip"):
        read_x3p(b"\x89PNG\r\n\x1a\n not an x3p")


def test_wrong_xml_is_refused() -> None:
    members = x3p_members()
    members["main.xml"] = b"<html><body>hello</body></html>"
    with pytest.raises(X3PError, match="not <ISO5436_2>"):
        read_x3p(zip_bytes(members))
    members["main.xml"] = b"<ISO5436_2><Record1>"
    with pytest.raises(X3PError, match="not well-formed"):
        read_x3p(zip_bytes(members))


def test_entities_are_refused() -> None:
    members = x3p_members()
    members["main.xml"] = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><ISO5436_2/>'
    with pytest.raises(X3PError, match="DTD"):
        read_x3p(zip_bytes(members))


def test_huge_declared_size_is_refused_before_reading() -> None:
    members = x3p_members()
    members["main.xml"] = (
        members["main.xml"]
        .replace(b"<SizeX>4</SizeX>", b"<SizeX>100000</SizeX>")
        .replace(b"<SizeY>4</SizeY>", b"<SizeY>100000</SizeY>")
    )
    with pytest.raises(X3PError, match="exceeds the limit"):
        read_x3p(zip_bytes(members))


def test_zip_bomb_data_is_refused() -> None:
    members = x3p_members()
    members["bindata/data.bin"] = b"\0" * 50_000_000  # compresses to a few kB
    with pytest.raises(X3PError, match="bytes"):
        read_x3p(zip_bytes(members))


def test_missing_data_and_corrupt_data_are_refused() -> None:
    members = x3p_members()
    data = members.pop("bindata/data.bin")
    with pytest.raises(X3PError, match=r"no bindata/data\.bin"):
        read_x3p(zip_bytes(members))
    members["bindata/data.bin"] = bytes(reversed(data[:-1])) + b"\x01"
    with pytest.raises(X3PError, match="MD5"):
        read_x3p(zip_bytes(members))
    members = x3p_members()
    members["main.xml"] = members["main.xml"].replace(b"<Increment>1e-06</Increment>", b"", 1)
    with pytest.raises(X3PError, match="Increment"):
        read_x3p(zip_bytes(members))


def test_all_missing_surface_is_refused() -> None:
    with pytest.raises(X3PError, match="missing"):
        read_x3p(write_x3p(Surface(np.full((3, 3), np.nan), 1e-6, 1e-6)))

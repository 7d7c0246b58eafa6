"""Reader (and a small writer) for X3P surface topography files (ISO 25178-72).

An X3P file is a zip archive holding ``main.xml`` (axes, increments in metres,
data type, matrix size, the name of the binary file) and the binary point data
(usually ``bindata/data.bin``), heights stored with x varying fastest; NaN
marks points that are masked out (no measurement, or not breech face).

The reader is defensive: an uploaded file may be anything. Every failure is
an ``X3PError`` with a sentence a lab user can act on, and nothing is
decompressed before the declared sizes have been checked against limits
(a zip bomb or a matrix of a billion points is refused before it costs memory).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET

import numpy as np

# A breech face scan at 1 to 3 micrometres is a few thousand points on a side;
# 25 million points (200 MB as float64) is far beyond any real cartridge scan.
MAX_POINTS = 25_000_000
MAX_MAIN_XML_BYTES = 1_000_000
MAX_ARCHIVE_MEMBERS = 64

_DTYPES: dict[str, np.dtype[Any]] = {
    "I": np.dtype("<i2"),
    "L": np.dtype("<i4"),
    "F": np.dtype("<f4"),
    "D": np.dtype("<f8"),
}


class X3PError(ValueError):
    """The file is not a readable X3P surface; the message says why."""


@dataclass
class Surface:
    """A measured surface: heights in metres on a regular grid (NaN = masked out)."""

    heights: np.ndarray  # shape (rows = y, columns = x), float64, metres
    increment_x: float  # metres per column
    increment_y: float  # metres per row
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.heights.shape[0]), int(self.heights.shape[1]))

    @property
    def mask(self) -> np.ndarray:
        """True where a height was measured (and belongs to the surface)."""
        return np.isfinite(self.heights)

    @property
    def resolution_um(self) -> float:
        return self.increment_x * 1e6

    @property
    def valid_fraction(self) -> float:
        return float(self.mask.mean()) if self.heights.size else 0.0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: ET.Element, path: str) -> ET.Element | None:
    """Find a descendant by a slash path of local names (namespaces ignored)."""
    node: ET.Element | None = root
    for part in path.split("/"):
        if node is None:
            return None
        node = next((child for child in node if _local(child.tag) == part), None)
    return node


def _text(root: ET.Element, path: str, *, required: bool = True) -> str | None:
    node = _find(root, path)
    if node is None or node.text is None or not node.text.strip():
        if required:
            raise X3PError(f"main.xml has no {path.replace('/', ' > ')}.")
        return None
    return node.text.strip()


def _positive_float(root: ET.Element, path: str) -> float:
    raw = _text(root, path)
    try:
        value = float(raw or "")
    except ValueError as error:
        raise X3PError(f"main.xml {path}: {raw!r} is not a number.") from error
    if not np.isfinite(value) or value <= 0:
        raise X3PError(f"main.xml {path}: {raw!r} must be a positive number.")
    return value


def _positive_int(root: ET.Element, path: str) -> int:
    raw = _text(root, path)
    try:
        value = int(raw or "")
    except ValueError as error:
        raise X3PError(f"main.xml {path}: {raw!r} is not a whole number.") from error
    if value <= 0:
        raise X3PError(f"main.xml {path}: {raw!r} must be positive.")
    return value


def _parse_xml(raw: bytes) -> ET.Element:
    # Refuse DTDs outright: no entity expansion ("billion laughs"), no external entities.
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise X3PError("main.xml declares a DTD or entities, which X3P files never need.")
    try:
        return ET.fromstring(raw)  # noqa: S314 - DTDs refused above
    except ET.ParseError as error:
        raise X3PError(f"main.xml is not well-formed XML ({error}).") from error


def read_x3p(source: str | Path | IO[bytes] | bytes, *, max_points: int = MAX_POINTS) -> Surface:
    """Read an X3P file (path, bytes or binary file object) into a Surface."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise X3PError("The file is not an X3P file (not a zip archive).") from error
    with archive:
        members = {info.filename: info for info in archive.infolist()}
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise X3PError(f"The archive holds {len(members)} files; an X3P file holds a few.")
        main = members.get("main.xml")
        if main is None:
            raise X3PError("The archive has no main.xml: it is not an X3P file.")
        if main.file_size > MAX_MAIN_XML_BYTES:
            raise X3PError("main.xml is implausibly large.")
        root = _parse_xml(_read_member(archive, main, MAX_MAIN_XML_BYTES))
        if _local(root.tag) != "ISO5436_2":
            raise X3PError(f"main.xml root is <{_local(root.tag)}>, not <ISO5436_2>.")

        feature = _text(root, "Record1/FeatureType", required=False) or "SUR"
        if feature.upper() != "SUR":
            raise X3PError(f"Feature type {feature!r} is not a surface (SUR).")
        increment_x = _positive_float(root, "Record1/Axes/CX/Increment")
        increment_y = _positive_float(root, "Record1/Axes/CY/Increment")
        for axis in ("CX", "CY"):
            axis_type = _text(root, f"Record1/Axes/{axis}/AxisType", required=False) or "I"
            if axis_type.upper() != "I":
                raise X3PError(f"Axis {axis} is not incremental; only gridded surfaces are read.")
        data_type = (_text(root, "Record1/Axes/CZ/DataType", required=False) or "D").upper()
        if data_type not in _DTYPES:
            raise X3PError(f"Unknown CZ data type {data_type!r} (expected I, L, F or D).")
        dtype = _DTYPES[data_type]
        z_increment = float(_text(root, "Record1/Axes/CZ/Increment", required=False) or 1.0)
        z_offset = float(_text(root, "Record1/Axes/CZ/Offset", required=False) or 0.0)

        size_x = _positive_int(root, "Record3/MatrixDimension/SizeX")
        size_y = _positive_int(root, "Record3/MatrixDimension/SizeY")
        size_z = int(_text(root, "Record3/MatrixDimension/SizeZ", required=False) or 1)
        if size_z != 1:
            raise X3PError(f"SizeZ is {size_z}; only single-layer surfaces are read.")
        points = size_x * size_y
        if points > max_points:
            raise X3PError(
                f"The declared matrix {size_x} x {size_y} ({points:,} points) exceeds the "
                f"limit of {max_points:,} points."
            )

        link = _text(root, "Record3/DataLink/PointDataLink", required=False)
        if link is None:
            raise X3PError("main.xml has no PointDataLink: the heights are missing.")
        info = members.get(link)
        if info is None:
            raise X3PError(f"The archive has no {link} (the heights named by main.xml).")
        expected = points * dtype.itemsize
        if info.file_size != expected:
            raise X3PError(
                f"{link} holds {info.file_size:,} bytes; {size_x} x {size_y} points of type "
                f"{data_type} need {expected:,}."
            )
        raw = _read_member(archive, info, expected)
        expected_md5 = _text(root, "Record3/DataLink/MD5ChecksumPointData", required=False)
        # MD5 is the format's checksum here, not a security measure.
        if expected_md5 and hashlib.md5(raw, usedforsecurity=False).hexdigest() != (
            expected_md5.lower()
        ):
            raise X3PError(f"{link} does not match the MD5 checksum in main.xml (corrupt file).")

    values = np.frombuffer(raw, dtype=dtype).astype(np.float64)
    heights = values.reshape(size_y, size_x) * z_increment + z_offset
    if not np.isfinite(heights).any():
        raise X3PError("Every point of the surface is missing (NaN).")
    metadata = {
        "size_x": size_x,
        "size_y": size_y,
        "data_type": data_type,
        "creator": _text(root, "Record2/Creator", required=False),
        "date": _text(root, "Record2/Date", required=False),
        "instrument": " ".join(
            part
            for part in (
                _text(root, "Record2/Instrument/Manufacturer", required=False),
                _text(root, "Record2/Instrument/Model", required=False),
            )
            if part
        ),
        "comment": _text(root, "Record2/Comment", required=False),
    }
    return Surface(
        heights=heights, increment_x=increment_x, increment_y=increment_y, metadata=metadata
    )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read one member, never inflating more than `limit` bytes (the zip header may lie)."""
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        raise X3PError(f"{info.filename} cannot be read from the archive ({error}).") from error
    if len(data) > limit:
        raise X3PError(f"{info.filename} inflates beyond its declared size (a zip bomb?).")
    return data


_MAIN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<p:ISO5436_2 xmlns:p="http://www.opengps.eu/2008/ISO5436_2">
  <Record1>
    <Revision>ISO5436 - 2000</Revision>
    <FeatureType>SUR</FeatureType>
    <Axes>
      <CX><AxisType>I</AxisType><DataType>D</DataType><Increment>{ix!r}</Increment><Offset>0</Offset></CX>
      <CY><AxisType>I</AxisType><DataType>D</DataType><Increment>{iy!r}</Increment><Offset>0</Offset></CY>
      <CZ><AxisType>A</AxisType><DataType>D</DataType><Increment>1</Increment><Offset>0</Offset></CZ>
    </Axes>
  </Record1>
  <Record2><Creator>{creator}</Creator></Record2>
  <Record3>
    <MatrixDimension><SizeX>{sx}</SizeX><SizeY>{sy}</SizeY><SizeZ>1</SizeZ></MatrixDimension>
    <DataLink><PointDataLink>bindata/data.bin</PointDataLink><MD5ChecksumPointData>{md5}</MD5ChecksumPointData></DataLink>
  </Record3>
</p:ISO5436_2>
"""


def write_x3p(surface: Surface, creator: str = "portal") -> bytes:
    """Encode a surface as an X3P file (float64 heights, NaN = masked)."""
    data = np.ascontiguousarray(surface.heights, dtype="<f8").tobytes()
    xml = _MAIN_XML.format(
        ix=surface.increment_x,
        iy=surface.increment_y,
        creator=creator,
        sx=surface.shape[1],
        sy=surface.shape[0],
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),  # the format's checksum
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("main.xml", xml)
        archive.writestr("bindata/data.bin", data)
    return buffer.getvalue()

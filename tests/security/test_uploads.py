"""SECURITY.md item 12: image uploads are checked, stripped and stored under generated names."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from portal.uploads import ImageRejected, image_store, original_download


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = "Examiner Name"  # Artist
    exif[0x010F] = "Camera Maker"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG file that claims a huge image: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_item_12_the_display_copy_has_no_exif_and_the_original_is_kept_hashed():
    data = _jpeg_with_exif()
    assert Image.open(io.BytesIO(data)).getexif()  # the upload does carry EXIF
    stored = image_store([data[:100], data[100:]], original_name="casing 1.jpg", folder="test")

    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert default_storage.open(stored.original_path).read() == data
    display = default_storage.open(stored.display_path).read()
    with Image.open(io.BytesIO(display)) as copy:
        assert copy.size == (40, 30) and not copy.getexif()
        assert not copy.info.get("exif")
    assert b"Examiner Name" not in display and b"Camera Maker" not in display


def test_item_12_stored_names_are_generated_whatever_the_upload_is_called():
    data = _jpeg_with_exif()
    stored = image_store([data], original_name="../../../etc/passwd.jpg", folder="test")
    assert stored.original_name == "passwd.jpg"
    for path in (stored.original_path, stored.display_path):
        assert ".." not in path and "passwd" not in path
        assert (
            Path(default_storage.path(path))
            .resolve()
            .is_relative_to(Path(default_storage.location).resolve())
        )


def test_item_12_size_limit(settings):
    settings.PORTAL_MAX_IMAGE_BYTES = 1000
    with pytest.raises(ImageRejected, match="larger than"):
        image_store([b"\x89PNG\r\n\x1a\n" + b"0" * 2000], original_name="big.png")


def test_item_12_pixel_limit_is_checked_before_decoding(settings):
    settings.PORTAL_MAX_IMAGE_PIXELS = 10_000_000
    for width, height in ((50_000, 50_000), (4_000, 3_000)):  # beyond Pillow's limit; ours
        bomb = _png_header_only(width, height)  # a file of under 200 bytes
        assert len(bomb) < 200
        with pytest.raises(ImageRejected, match="pixels"):
            image_store([bomb], original_name="bomb.png")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("casing.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("casing.jpg", b"GIF89a" + b"\x00" * 50),
        ("casing.png", b"MZ\x90\x00 an executable"),
        ("casing.png", b"\x89PNG\r\n\x1a\n" + b"not really a png"),
    ],
)
def test_item_12_magic_bytes_must_match_an_allowed_type(name, content):
    with pytest.raises(ImageRejected):
        image_store([content], original_name=name)


# Closing a response sends Django's request_finished, whose handler checks the database
# connections: allowed here, so the test does not depend on which tests ran before it.
@pytest.mark.django_db
def test_item_12_originals_are_served_as_downloads_never_inline():
    stored = image_store([_jpeg_with_exif()], original_name="casing.jpg", folder="test")
    response = original_download(stored, download_name="casing.jpg")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response.close()

"""Safe image uploads (SECURITY.md item 12), for every app that accepts images.

`image_store(chunks, original_name=..., folder=...)` checks, in this order:
size while streaming (never the whole file in memory), magic bytes against the
allowed types, the pixel count read from the header before any decoding
(decompression bombs), and that the decoder agrees with the magic bytes. It
keeps the original byte for byte with its SHA-256 under a generated name and
writes a re-encoded display copy without EXIF or other metadata. Originals are
only ever served as downloads (`original_download`), never inline.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse
from PIL import Image, ImageOps, UnidentifiedImageError

# magic prefix -> (type name, the format Pillow must report, suffix of the stored original)
IMAGE_SIGNATURES: list[tuple[bytes, str, str, str]] = [
    (b"\x89PNG\r\n\x1a\n", "png", "PNG", ".png"),
    (b"\xff\xd8\xff", "jpeg", "JPEG", ".jpg"),
    (b"II*\x00", "tiff", "TIFF", ".tif"),
    (b"MM\x00*", "tiff", "TIFF", ".tif"),
]


class ImageRejected(ValueError):
    """The upload is not an image the portal accepts; the message says why."""


@dataclass(frozen=True)
class StoredImage:
    original_name: str  # as the user named it: shown, never used as a path
    original_path: str  # storage name of the untouched original (generated)
    display_path: str  # storage name of the re-encoded copy without metadata (generated)
    sha256: str
    size: int
    width: int
    height: int
    image_type: str


def sniff_image_type(head: bytes) -> tuple[str, str, str]:
    for signature, name, pillow_format, suffix in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return name, pillow_format, suffix
    raise ImageRejected("Not a PNG, JPEG or TIFF image (the file's first bytes say otherwise).")


def image_store(
    chunks: Iterable[bytes], *, original_name: str, folder: str = "images"
) -> StoredImage:
    """Check and store one uploaded image; raises ImageRejected with the reason."""
    max_bytes = settings.PORTAL_MAX_IMAGE_BYTES
    max_pixels = settings.PORTAL_MAX_IMAGE_PIXELS
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise ImageRejected(f"The image is larger than {max_bytes // (1024 * 1024)} MB.")
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise ImageRejected("The file is empty.")
        spool.seek(0)
        image_type, pillow_format, suffix = sniff_image_type(spool.read(16))
        spool.seek(0)
        try:
            # Opening reads the header only; nothing is decoded yet.
            with Image.open(spool) as image:
                if image.format != pillow_format:
                    raise ImageRejected("The image's content does not match its type.")
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageRejected(
                        f"The image has {width} x {height} pixels; at most {max_pixels:,} allowed."
                    )
                display = _display_copy(image)
        except Image.DecompressionBombError as exc:
            # Pillow's own header check, for sizes far beyond ours.
            raise ImageRejected(f"The image has too many pixels; at most {max_pixels:,}.") from exc
        except (UnidentifiedImageError, OSError) as exc:
            raise ImageRejected("The image cannot be read.") from exc
        stem = uuid.uuid4().hex
        base = PurePosixPath(folder)
        spool.seek(0)
        original_path = default_storage.save(
            str(base / "originals" / f"{stem}{suffix}"), File(spool)
        )
    display_path = default_storage.save(str(base / "display" / f"{stem}.png"), ContentFile(display))
    return StoredImage(
        original_name=PurePosixPath(original_name.replace("\\", "/")).name[:255],
        original_path=original_path,
        display_path=display_path,
        sha256=digest.hexdigest(),
        size=size,
        width=width,
        height=height,
        image_type=image_type,
    )


def _display_copy(image: Image.Image) -> bytes:
    """Decode, turn upright, and re-encode as PNG with no metadata at all."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "I;16", "I"):
        upright = upright.convert("RGB")
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)  # pixels only: no EXIF, XMP, ICC or text chunks come along
    buffer = io.BytesIO()
    clean.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def original_download(stored: StoredImage | str, *, download_name: str) -> FileResponse:
    """The original file as an attachment, never rendered inline by the browser."""
    path = stored.original_path if isinstance(stored, StoredImage) else stored
    response = FileResponse(
        default_storage.open(path, "rb"),
        as_attachment=True,
        filename=PurePosixPath(download_name).name or "original",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response

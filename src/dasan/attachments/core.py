"""What a citizen's file is and how it is made safe to keep (pure: bytes in, bytes out).

The declared content type is not trusted: images are recognised by decoding them (Pillow), PDFs
by their header, text by decoding it. Images are re-encoded from their pixels, which drops EXIF
(GPS position, camera serial) and every other metadata block, after turning them upright by their
EXIF orientation; a thumbnail goes with each image for the agent desktop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs
THUMB = 320
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Cleaned:
    content_type: str
    data: bytes
    thumbnail: bytes | None = None  # JPEG


class Rejected(ValueError):
    """The file is not kept; the reason is shown to the agent."""


def clean(data: bytes) -> Cleaned:
    if len(data) > MAX_BYTES:
        raise Rejected(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"%PDF-"):
        return Cleaned("application/pdf", data)
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        fmt = None
    if fmt in IMAGE_FORMATS:
        return _clean_image(data, fmt)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected("not an image, PDF or text file") from None
    return Cleaned("text/plain; charset=utf-8", data)


def _clean_image(data: bytes, fmt: str) -> Cleaned:
    with Image.open(io.BytesIO(data)) as img:
        upright = ImageOps.exif_transpose(img)
        pixels = upright.copy()
    if fmt == "JPEG" and pixels.mode not in ("RGB", "L"):
        pixels = pixels.convert("RGB")
    out = io.BytesIO()
    # A fresh image object carries no EXIF, XMP, ICC comments or text chunks: only the pixels.
    clean_img = Image.new(pixels.mode, pixels.size)
    clean_img.paste(pixels)
    if fmt == "GIF" and pixels.mode == "P":
        clean_img = pixels  # palette images: Image.new above drops the palette
        clean_img.info = {}
    clean_img.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    thumb = pixels.convert("RGB")
    thumb.thumbnail((THUMB, THUMB))
    tbuf = io.BytesIO()
    thumb.save(tbuf, format="JPEG", quality=80)
    return Cleaned(IMAGE_FORMATS[fmt], out.getvalue(), tbuf.getvalue())

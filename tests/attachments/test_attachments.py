"""Citizens' files: recognised by content, images stripped of metadata, thumbnails, limits."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from dasan.attachments.core import MAX_BYTES, Rejected, clean
from dasan.attachments.service import find, store


def photo_with_gps(fmt: str = "JPEG", size=(1200, 800)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Citizen Phone X"  # camera model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (37.0, 33.0, 59.0), "E", (126.0, 58.0, 41.0)  # Seoul City Hall
    buf = io.BytesIO()
    img.save(buf, format=fmt, exif=exif)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_images_lose_every_metadata_block_and_get_a_thumbnail(fmt):
    raw = photo_with_gps(fmt)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the original does carry a position
    out = clean(raw)
    img = Image.open(io.BytesIO(out.data))
    assert img.format == fmt and img.size == (1200, 800)
    assert not img.getexif() and b"Exif" not in out.data and b"Citizen Phone" not in out.data
    thumb = Image.open(io.BytesIO(out.thumbnail))
    assert max(thumb.size) == 320 and thumb.format == "JPEG"


def test_type_is_recognised_by_content_and_limits_hold():
    assert clean(b"%PDF-1.7\n...").content_type == "application/pdf"
    assert clean("안녕하세요".encode()).content_type.startswith("text/plain")
    with pytest.raises(Rejected, match="not an image"):
        clean(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff")  # a Windows program, whatever it claims
    with pytest.raises(Rejected, match="larger than"):
        clean(b"a" * (MAX_BYTES + 1))


def test_store_keeps_by_content_and_records_rejections(tmp_path):
    raw = photo_with_gps()
    a = store(tmp_path, raw, name="IMG_0001.jpg", declared_type="image/jpeg")
    b = store(tmp_path, raw, name="same.jpg", declared_type="image/jpeg")
    key = a["url"].rsplit("/", 1)[1]
    assert a["url"] == b["url"] and a["thumbnail_url"].endswith(".thumb")
    path, ctype = find(tmp_path, key)
    assert ctype == "image/jpeg" and not Image.open(path).getexif()
    assert find(tmp_path, "../../etc/passwd") is None and find(tmp_path, "0" * 64) is None
    bad = store(tmp_path, b"MZ\x90\x00", name="setup.exe", declared_type="image/jpeg")
    assert bad["url"] == "" and "not an image" in bad["rejected"]

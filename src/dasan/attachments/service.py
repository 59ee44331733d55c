"""Storing cleaned files by content (the same photo twice is one file) and finding them again."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from dasan.attachments.core import Cleaned, Rejected, clean

KEY = re.compile(r"^[0-9a-f]{64}(\.thumb)?$")


def root(data_dir: Path) -> Path:
    d = Path(data_dir) / "attachments"
    d.mkdir(parents=True, exist_ok=True)
    return d


def store(data_dir: Path, data: bytes, *, name: str = "", declared_type: str = "") -> dict:
    """Clean and keep one file; returns the attachment record a message keeps (with `rejected`
    and the reason instead of a URL when the file was refused)."""
    try:
        cleaned: Cleaned = clean(data)
    except Rejected as e:
        return {"url": "", "name": name[:300], "content_type": declared_type[:120], "size": len(data),
                "rejected": str(e)}
    key = hashlib.sha256(cleaned.data).hexdigest()
    d = root(data_dir)
    path = d / key
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(cleaned.data)
        tmp.replace(path)
    record = {"url": f"/api/v1/attachments/{key}", "name": name[:300], "content_type": cleaned.content_type,
              "size": len(cleaned.data)}
    if cleaned.thumbnail is not None:
        (d / f"{key}.thumb").write_bytes(cleaned.thumbnail)
        record["thumbnail_url"] = f"/api/v1/attachments/{key}.thumb"
    (d / f"{key}.type").write_text(cleaned.content_type)
    return record


def find(data_dir: Path, key: str) -> tuple[Path, str] | None:
    """The stored file for a key and its content type, or None."""
    if not KEY.match(key):
        return None
    d = root(data_dir)
    path = d / key
    if not path.exists():
        return None
    if key.endswith(".thumb"):
        return path, "image/jpeg"
    t = d / f"{key}.type"
    return path, t.read_text() if t.exists() else "application/octet-stream"

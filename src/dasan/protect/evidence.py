"""The evidence bundle of a contact, pure: its parts in a ZIP with a manifest that gives each
part's size and SHA-256, so a court or the police can check nothing was changed after export."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence


def bundle(parts: Sequence[tuple[str, bytes]], about: dict) -> bytes:
    """A ZIP of `parts` (name, content) and `manifest.json` ({about…, parts: [{name, bytes, sha256}]})."""
    names = [name for name, _ in parts]
    if len(set(names)) != len(names) or "manifest.json" in names:
        raise ValueError("evidence parts need distinct names other than manifest.json")
    manifest = {**about, "parts": [{"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                                   for name, data in parts]}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, data)
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return out.getvalue()

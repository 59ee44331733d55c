"""Signatures of the generic webhook channel (pure): HMAC-SHA256 over "timestamp.body".

A connector sends `X-Dasan-Timestamp: <unix seconds>` and
`X-Dasan-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>`; we sign our
replies to its callback URL the same way. Requests older or newer than the replay window are
refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

REPLAY_WINDOW_S = 300
MAX_BODY = 64 * 1024


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(secret: str, timestamp_header: str | None, signature_header: str | None, body: bytes,
           now: float, window_s: int = REPLAY_WINDOW_S) -> str | None:
    """None when the request is authentic and fresh, else the reason it is not."""
    if not timestamp_header or not signature_header:
        return "missing X-Dasan-Timestamp or X-Dasan-Signature"
    try:
        ts = int(timestamp_header)
    except ValueError:
        return "X-Dasan-Timestamp must be unix seconds"
    if abs(now - ts) > window_s:
        return f"stale request: timestamp outside the {window_s} s window"
    if not hmac.compare_digest(sign(secret, ts, body), signature_header.strip()):
        return "bad signature"
    return None

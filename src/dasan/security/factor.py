"""The second factor (ASVS 2.7/2.8), pure: TOTP codes (RFC 6238 through `pyotp`: 6 digits, 30 s,
one step of clock drift either way, each code used once) and recovery codes. TOTP secrets are
stored sealed with a key derived from the server's secret (Fernet, from `cryptography`), so a
copy of the database alone does not give them away."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken

ISSUER = "Dasan"
STEP_S = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper and typed


def _fernet(server_secret: str) -> Fernet:
    key = hashlib.sha256(b"dasan second factor v1\x00" + server_secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def seal(secret: str, server_secret: str) -> str:
    return _fernet(server_secret).encrypt(secret.encode()).decode()


def unseal(sealed: str, server_secret: str) -> str | None:
    """The secret, or None when it was sealed under another server secret (or tampered with)."""
    try:
        return _fernet(server_secret).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def provisioning_uri(secret: str, username: str, center: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=f"{ISSUER} {center}".strip())


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_S


def matching_step(secret: str, code: str, at: datetime, last_step: int | None) -> int | None:
    """The time step whose code this is (within the drift allowed), if it is later than the last
    one used; otherwise None. Codes are compared in constant time."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_S)
    now = step_of(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            found = step
    return found


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    """Codes of 10 letters and digits (about 50 bits each), shown as xxxxx-xxxxx."""
    out = []
    for _ in range(n):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        out.append(f"{raw[:5]}-{raw[5:]}")
    return out


def recovery_hash(code: str) -> str:
    """How a recovery code is stored and looked up: its SHA-256, after dropping spaces, dashes
    and case (the codes are random, so a fast hash is enough)."""
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()

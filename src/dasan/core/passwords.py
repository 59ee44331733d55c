"""Password hashing (Argon2id, the OWASP recommendation), pure."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
# Verifying against a dummy hash when the user does not exist keeps login timing uniform.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


MIN_LENGTH = 12  # ASVS 2.1.1
MAX_LENGTH = 128  # ASVS 2.1.2 asks that 64 and more be allowed
MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline slow-hash scenario"
_SCORED_CHARS = 64  # zxcvbn's matching grows fast with length; a longer password is scored by its start


def password_problem(password: str, *, hints: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """Why a password a person chose may not be used, as (code, message), or None. Rules by length
    and by strength (zxcvbn's estimate, told the user's own names), never by character classes
    (ASVS 2.1.9)."""
    if len(password) < MIN_LENGTH:
        return "password_short", f"the password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return "password_long", f"the password must be at most {MAX_LENGTH} characters"
    result = zxcvbn(password[:_SCORED_CHARS], user_inputs=[h for h in hints if h] + ["dasan", "120"])
    if result["score"] < MIN_SCORE:
        warning = (result["feedback"].get("warning") or "").rstrip(".")
        why = f" ({warning[:1].lower()}{warning[1:]})" if warning else ""
        return "password_weak", f"the password is too easy to guess{why}; use a few unrelated words"
    return None

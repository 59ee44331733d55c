"""Retention of personal data (M18, Personal Information Protection Act §21: destroy what is no
longer needed), pure: the kinds a center keeps for a limited time and the cut-off of each."""

from __future__ import annotations

from datetime import datetime, timedelta

# recordings: call audio; transcripts: the text of messages; attachments: citizens' files;
# identities: who the citizen is (name, phone, email, the channels' identities).
KINDS = ("recordings", "transcripts", "attachments", "identities")
MAX_DAYS = 36500
# Until an admin says otherwise: call recordings a year (what the voice service always did), the
# rest until a citizen's erasure.
DEFAULTS: dict[str, int | None] = {"recordings": 365, "transcripts": None, "attachments": None, "identities": None}


def check(kind: str, days: int | None) -> None:
    """A retention setting: a known kind, and days from 1 to 100 years (None: kept until erased)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of data {kind!r}: one of {', '.join(KINDS)}")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValueError(f"retention is 1 to {MAX_DAYS} days (or none: kept until erased)")


def cutoff(now: datetime, days: int | None) -> datetime | None:
    """Data of a kind older than this goes; None when the kind is kept."""
    return None if days is None else now - timedelta(days=days)

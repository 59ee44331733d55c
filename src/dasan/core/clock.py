"""One clock for the whole app, so tests can move time. Local days and zones belong to the
center (`dasan.center.core.Center`), never to this module."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """Current time, timezone-aware UTC (plus any offset a test set)."""
    return datetime.now(UTC) + _offset


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def travel_to(when: datetime) -> None:
    """Set the clock to `when` (the demo's simulated history, tests); time runs on from there."""
    global _offset
    _offset = when - datetime.now(UTC)


def offset() -> timedelta:
    return _offset


def set_offset(value: timedelta) -> None:
    """Put back an offset `offset()` returned."""
    global _offset
    _offset = value


def reset() -> None:
    """Undo every advance (tests only)."""
    global _offset
    _offset = timedelta(0)

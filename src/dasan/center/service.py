"""Read the center: its row in the database, or the settings' defaults when there is none.

Every module that needs the center's name, day, calendar or languages asks `get(session)`.
It is read at most every few seconds per process (it changes rarely, and the intake path must
not pay a query per message); `forget()` drops the cached copy after a write here, and other
processes see the change within `TTL_S`.
"""

from __future__ import annotations

import threading
import time as _time
from datetime import time

from sqlalchemy.orm import Session

from dasan.center.core import Center
from dasan.center.models import CenterProfile
from dasan.config import Settings

TTL_S = 5.0
_lock = threading.Lock()
_cache: dict[str, tuple[float, Center]] = {}
_settings: list[Settings] = []  # the app's settings (`use_settings`); else read from the environment


def use_settings(settings: Settings) -> None:
    """Take the center's defaults from these settings (the app's) rather than the environment.
    Settings that describe no workable center (an unknown zone, say) stop the start here."""
    from_settings(settings)
    _settings[:] = [settings]
    forget()


def _hm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def from_settings(settings: Settings) -> Center:
    """The center the settings describe (the default until the database holds a profile)."""
    langs = tuple(x.strip() for x in settings.center_languages.split(",") if x.strip())
    return Center(code=settings.center_code, number=settings.center_number, timezone=settings.center_timezone,
                  country=settings.center_country, languages=langs,
                  names=dict(settings.center_names), short_names=dict(settings.center_short_names),
                  office_open=_hm(settings.office_open), office_close=_hm(settings.office_close),
                  sms_sender=settings.sms_sender or settings.center_number, email_from=settings.email_from)


def from_row(row: CenterProfile) -> Center:
    return Center(code=row.code, number=row.number, timezone=row.timezone, country=row.country,
                  languages=tuple(row.languages), names=dict(row.names), short_names=dict(row.short_names),
                  office_open=_hm(row.office_open), office_close=_hm(row.office_close),
                  holiday_subdiv=row.holiday_subdiv or None, sms_sender=row.sms_sender or row.number,
                  email_from=row.email_from, closed_days=dict(row.closed_days or {}))


def _key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def get(session: Session) -> Center:
    """The center of the database `session` is bound to."""
    key = _key(session)
    now = _time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < TTL_S:
        return hit[1]
    row = session.get(CenterProfile, 1)
    center = from_row(row) if row is not None else from_settings(_settings[0] if _settings else Settings())
    with _lock:
        _cache[key] = (now, center)
    return center


def forget() -> None:
    """Drop every cached center (after a write, and between tests)."""
    with _lock:
        _cache.clear()


def public_url() -> str:
    """Where citizens reach this center's pages (links in SMS and chat): the app's setting."""
    return (_settings[-1] if _settings else Settings()).public_url.rstrip("/")

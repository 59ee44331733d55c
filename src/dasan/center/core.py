"""The center's identity and calendar, pure: every rule about "which day is it here", working
days, office hours and deadlines lives on `Center`, so no other module computes a local day.

A `Center` is built from its database row (or the settings' defaults) by `center.service`.
Times are stored in UTC everywhere; a `Center` turns them into the center's local days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

SERVICE_LANGS = ("ko", "en", "zh", "ja", "vi", "mn")


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=[year]).keys())


@dataclass(frozen=True)
class Center:
    """One contact center: who it is, where its days begin, when it works."""

    code: str
    number: str  # the one number citizens dial or text
    timezone: str  # an IANA time zone name
    country: str  # ISO 3166-1 alpha-2: public holidays and the default for phone numbers
    languages: tuple[str, ...]  # service languages; the first is the default
    names: dict[str, str] = field(default_factory=dict, hash=False)  # lang -> full name
    short_names: dict[str, str] = field(default_factory=dict, hash=False)  # lang -> short name
    office_open: time = time(9, 0)
    office_close: time = time(18, 0)
    holiday_subdiv: str | None = None  # e.g. a US state's own holidays
    sms_sender: str = ""
    email_from: str = ""
    closed_days: dict[str, str] = field(default_factory=dict, hash=False)  # ISO date -> why (the center's own)

    def __post_init__(self) -> None:
        if not self.languages or any(lang not in SERVICE_LANGS for lang in self.languages):
            raise ValueError(f"service languages must be some of {', '.join(SERVICE_LANGS)}")
        if self.office_open >= self.office_close:
            raise ValueError("office hours must open before they close")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{self.timezone}' (an IANA name, e.g. Europe/Paris)") from None
        if self.country not in holidays.list_supported_countries():
            raise ValueError(f"no public-holiday calendar for country '{self.country}'")
        for day, why in self.closed_days.items():
            try:
                date.fromisoformat(day)
            except (TypeError, ValueError):
                raise ValueError(f"a closed day is a date such as 2026-12-31, not {day!r}") from None
            if not isinstance(why, str) or len(why) > 100:
                raise ValueError("say why the center is closed in at most 100 characters")

    # --- identity -------------------------------------------------------------------------
    @property
    def default_lang(self) -> str:
        """The language a contact starts in when nothing says otherwise."""
        return self.languages[0]

    def name(self, lang: str) -> str:
        """The center's full name in `lang` (its default language's, then any, as fallbacks)."""
        return self.names.get(lang) or self.names.get(self.default_lang) or next(iter(self.names.values()), self.number)

    def short_name(self, lang: str) -> str:
        """The short name (SMS prefixes, subjects); the full name when none is set."""
        return self.short_names.get(lang) or self.short_names.get(self.default_lang) or self.name(lang)

    def serves(self, lang: str) -> bool:
        return lang in self.languages

    # --- time ---------------------------------------------------------------------------
    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, dt: datetime) -> datetime:
        """A stored (aware) time as the center's wall-clock time."""
        if dt.tzinfo is None:
            raise ValueError("a naive datetime has no place in Dasan: give it a time zone")
        return dt.astimezone(self.tz)

    def today(self, now: datetime) -> date:
        """The center's date at `now`."""
        return self.local(now).date()

    def day_start(self, day: date) -> datetime:
        """Midnight at the center on `day`, in UTC (days are 23 or 25 hours long across DST)."""
        return datetime.combine(day, time(0), self.tz).astimezone(UTC)

    def day_bounds(self, first: date, last: date | None = None) -> tuple[datetime, datetime]:
        """[start, end) in UTC of the center's days `first` … `last` (inclusive)."""
        return self.day_start(first), self.day_start((last or first) + timedelta(days=1))

    def at_local(self, day: date, clock_time: time) -> datetime:
        """`clock_time` on the center's `day`, in UTC."""
        return datetime.combine(day, clock_time, self.tz).astimezone(UTC)

    # --- calendar -----------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a public holiday of the center's country, not one of its own closed days."""
        return (day.weekday() < 5 and day not in _public_holidays(self.country, self.holiday_subdiv, day.year)
                and day.isoformat() not in self.closed_days)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself never counts; n ≥ 1)."""
        if n < 1:
            raise ValueError("a deadline is at least one working day")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def due_at(self, opened: datetime, working_days: int) -> datetime:
        """When a matter opened at `opened` is due: office close on the last working day, in UTC.
        The opening day never counts (as in Korea's civil-petition rules and most 311 SLAs)."""
        if opened.tzinfo is None:
            raise ValueError("opened needs a time zone")
        last = self.add_working_days(self.today(opened), working_days)
        return self.at_local(last, self.office_close)

    def in_office_hours(self, now: datetime) -> bool:
        """Office hours on a working day: a department's phone is answered."""
        local = self.local(now)
        return self.is_working_day(local.date()) and self.office_open <= local.time() < self.office_close

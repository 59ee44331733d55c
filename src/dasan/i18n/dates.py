"""Dates and times as a citizen reads them in their language (Babel's CLDR patterns). The
caller passes a time already in the center's zone (`Center.local`)."""

from __future__ import annotations

from datetime import datetime

from babel import Locale
from babel.dates import format_skeleton


def local_datetime(local: datetime, lang: str) -> str:
    """Month, day and 24-hour time, e.g. '12월 3일 18:00', 'Dec 3, 18:00', '18:00 3 thg 12'."""
    locale = Locale.parse(lang)
    time_part = format_skeleton("Hm", local, locale=locale, fuzzy=True)
    date_part = format_skeleton("MMMd", local, locale=locale, fuzzy=True)
    return str(locale.datetime_formats["short"]).format(time_part, date_part)

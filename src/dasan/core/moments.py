"""Bounded dates and times for what comes from outside.

A date or time a client sends is kept within years 1900–2999: wide enough for any record a
center keeps, and far enough from Python's limits (years 1 and 9999) that moving it to the
center's time zone, or a day either side for a report's bounds, can never overflow — such input
is refused as invalid before any work starts, instead of surfacing as an error from deep inside.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator

FIRST_YEAR, LAST_YEAR = 1900, 2999


def _day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a date between {FIRST_YEAR} and {LAST_YEAR}, please")
    return value


def _moment(value: datetime) -> datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a time between {FIRST_YEAR} and {LAST_YEAR}, please")
    return value


Day = Annotated[date, AfterValidator(_day)]
Moment = Annotated[datetime, AfterValidator(_moment)]


def check_period(start: date, end: date, *, max_days: int = 366) -> None:
    """A report's period [start, end]: in order and at most about a year (ValueError otherwise)."""
    if end < start:
        raise ValueError("the end date is before the start date")
    if (end - start).days > max_days:
        raise ValueError("at most a year at a time")

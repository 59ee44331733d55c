"""Pure rules of cases: working-day deadlines and when a case escalates. No I/O.

A case type's deadline is a number of working days (민원 처리기간): the day the case is opened does
not count (초일 불산입), Saturdays, Sundays and Korean public holidays (the `holidays` package,
substitute holidays included) do not count, and the case is due at the close of office hours
(18:00, Asia/Seoul) on the last working day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SEOUL = ZoneInfo("Asia/Seoul")
OFFICE_CLOSE = time(18, 0)
NEAR = timedelta(hours=24)  # a deadline this close warns the official's supervisor


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.KR(years=[year]).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Korean public holiday."""
    return day.weekday() < 5 and day not in _korean_holidays(day.year)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself never counts; n ≥ 1)."""
    if n < 1:
        raise ValueError("a deadline is at least one working day")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def due_at(opened: datetime, working_days: int) -> datetime:
    """When a case opened at `opened` (aware) is due: 18:00 Seoul time on the last working day, in UTC."""
    if opened.tzinfo is None:
        raise ValueError("opened needs a time zone")
    last = add_working_days(opened.astimezone(SEOUL).date(), working_days)
    return datetime.combine(last, OFFICE_CLOSE, SEOUL).astimezone(UTC)


OFFICE_OPEN = time(9, 0)


def in_office_hours(now: datetime) -> bool:
    """09:00–18:00 Seoul time on a working day: a department's phone is answered."""
    local = now.astimezone(SEOUL)
    return is_working_day(local.date()) and OFFICE_OPEN <= local.time() < OFFICE_CLOSE


def escalation_due(*, now: datetime, due: datetime, open_: bool, near_done: bool, overdue_done: bool) -> str | None:
    """Which escalation a case needs now, if any: 'near' (within a day of its deadline) or
    'overdue' (past it); each happens once, and an overdue case skips a 'near' it never had."""
    if not open_:
        return None
    if now >= due and not overdue_done:
        return "overdue"
    if due - NEAR <= now < due and not near_done:
        return "near"
    return None

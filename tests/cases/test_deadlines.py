"""Working-day deadlines: weekends and Korean public holidays (substitutes included) never count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dasan.cases.core import SEOUL, add_working_days, due_at, escalation_due, is_working_day


def test_a_friday_before_a_substitute_holiday():
    # Fri 2 Oct 2026; Mon 5 Oct is the substitute for National Foundation Day (Sat 3 Oct).
    opened = datetime(2026, 10, 2, 16, 30, tzinfo=SEOUL)
    assert due_at(opened, 3) == datetime(2026, 10, 8, 18, 0, tzinfo=SEOUL)
    # Fri 13 Feb 2026, before the three days of Seollal (16–18 Feb).
    assert due_at(datetime(2026, 2, 13, 9, 0, tzinfo=SEOUL), 3) == datetime(2026, 2, 23, 18, 0, tzinfo=SEOUL)
    # Late in the evening (UTC already the next day) still counts from the Seoul date.
    assert due_at(datetime(2026, 10, 1, 23, 30, tzinfo=SEOUL).astimezone(UTC), 1) == \
        datetime(2026, 10, 2, 18, 0, tzinfo=SEOUL)


def test_holidays_of_the_korean_calendar():
    assert not is_working_day(date(2026, 9, 25))  # Chuseok
    assert not is_working_day(date(2026, 3, 2))   # substitute for 3·1절 on a Sunday
    assert not is_working_day(date(2026, 11, 21))  # a Saturday
    assert is_working_day(date(2026, 11, 23))


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(days, st.integers(1, 30))
def test_the_deadline_is_the_nth_working_day_after_the_start(start, n):
    due = add_working_days(start, n)
    assert is_working_day(due)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(1 for d in between if is_working_day(d)) == n
    assert add_working_days(start, n + 1) > due  # more days, later deadline


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31)), st.integers(1, 10))
def test_due_is_at_office_close_on_a_working_day_after_the_opening_day(naive, n):
    opened = naive.replace(tzinfo=UTC)
    due = due_at(opened, n).astimezone(SEOUL)
    assert (due.hour, due.minute) == (18, 0) and is_working_day(due.date())
    assert due.date() > opened.astimezone(SEOUL).date()


@given(st.integers(-72, 72), st.booleans(), st.booleans())
def test_each_escalation_happens_once_and_only_for_open_cases(hours, near_done, overdue_done):
    due = datetime(2026, 10, 8, 9, 0, tzinfo=UTC)
    now = due + timedelta(hours=hours)
    got = escalation_due(now=now, due=due, open_=True, near_done=near_done, overdue_done=overdue_done)
    if now >= due:
        assert got == (None if overdue_done else "overdue")
    elif now >= due - timedelta(hours=24):
        assert got == (None if near_done else "near")
    else:
        assert got is None
    assert escalation_due(now=now, due=due, open_=False, near_done=False, overdue_done=False) is None

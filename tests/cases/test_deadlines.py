"""Working-day deadlines on the center's calendar: weekends, its country's public holidays
(Korean substitutes, US federal and state holidays) and its own closed days never count."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dasan.cases.core import escalation_due
from dasan.demo.profiles import CITY_311, SEOUL_120

SEOUL = SEOUL_120.tz
CHICAGO = CITY_311.tz


def test_a_friday_before_a_substitute_holiday():
    # Fri 2 Oct 2026; Mon 5 Oct is the substitute for National Foundation Day (Sat 3 Oct).
    opened = datetime(2026, 10, 2, 16, 30, tzinfo=SEOUL)
    assert SEOUL_120.due_at(opened, 3) == datetime(2026, 10, 8, 18, 0, tzinfo=SEOUL)
    # Fri 13 Feb 2026, before the three days of Seollal (16–18 Feb).
    assert SEOUL_120.due_at(datetime(2026, 2, 13, 9, 0, tzinfo=SEOUL), 3) == datetime(2026, 2, 23, 18, 0, tzinfo=SEOUL)
    # Late in the evening (UTC already the next day) still counts from the Seoul date.
    assert SEOUL_120.due_at(datetime(2026, 10, 1, 23, 30, tzinfo=SEOUL).astimezone(UTC), 1) == \
        datetime(2026, 10, 2, 18, 0, tzinfo=SEOUL)


def test_holidays_of_the_korean_calendar():
    assert not SEOUL_120.is_working_day(date(2026, 9, 25))  # Chuseok
    assert not SEOUL_120.is_working_day(date(2026, 3, 2))   # substitute for 3·1절 on a Sunday
    assert not SEOUL_120.is_working_day(date(2026, 11, 21))  # a Saturday
    assert SEOUL_120.is_working_day(date(2026, 11, 23))


def test_the_311_city_counts_its_own_holidays_in_its_own_zone():
    # Thanksgiving (Thu 26 Nov 2026) is a holiday there and a working day in Seoul; Chuseok the reverse.
    assert not CITY_311.is_working_day(date(2026, 11, 26)) and SEOUL_120.is_working_day(date(2026, 11, 26))
    assert CITY_311.is_working_day(date(2026, 9, 25)) and not SEOUL_120.is_working_day(date(2026, 9, 25))
    # Opened Wed 25 Nov at 15:00 Chicago: Thu is Thanksgiving, so one working day is Fri 27 Nov,
    # due at the city's 16:30 close.
    assert CITY_311.due_at(datetime(2026, 11, 25, 15, 0, tzinfo=CHICAGO), 1) == \
        datetime(2026, 11, 27, 16, 30, tzinfo=CHICAGO)
    # 23:30 in Chicago on 30 Nov is already 1 Dec in UTC: the local date still decides.
    late = datetime(2026, 11, 30, 23, 30, tzinfo=CHICAGO).astimezone(UTC)
    assert CITY_311.today(late) == date(2026, 11, 30) and SEOUL_120.today(late) == date(2026, 12, 1)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
# Each center as shipped, or with some closed days of its own (the admin console's).
centers = st.builds(lambda c, closed: replace(c, closed_days={d.isoformat(): "closed" for d in closed}),
                    st.sampled_from([SEOUL_120, CITY_311]), st.sets(days, max_size=30))


@given(centers, days)
def test_a_closed_day_of_the_center_is_never_a_working_day(center, day):
    if day.isoformat() in center.closed_days:
        assert not center.is_working_day(day)
    closed = replace(center, closed_days={**center.closed_days, day.isoformat(): "moving"})
    assert not closed.is_working_day(day)
    assert closed.add_working_days(day - timedelta(days=1), 1) != day


@given(centers, days, st.integers(1, 30))
def test_the_deadline_is_the_nth_working_day_after_the_start(center, start, n):
    due = center.add_working_days(start, n)
    assert center.is_working_day(due)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(1 for d in between if center.is_working_day(d)) == n
    assert center.add_working_days(start, n + 1) > due  # more days, later deadline


@given(centers, st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31)), st.integers(1, 10))
def test_due_is_at_office_close_on_a_working_day_after_the_opening_day(center, naive, n):
    opened = naive.replace(tzinfo=UTC)
    due = center.local(center.due_at(opened, n))
    assert due.time() == center.office_close and center.is_working_day(due.date())
    assert due.date() > center.today(opened)


@given(centers, st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31)))
def test_a_day_of_the_center_starts_at_its_local_midnight(center, naive):
    at = naive.replace(tzinfo=UTC)
    start, end = center.day_bounds(center.today(at))
    assert start <= at < end
    assert center.local(start).time().hour == 0 and center.local(start).date() == center.today(at)
    assert timedelta(hours=23) <= end - start <= timedelta(hours=25)  # DST days are 23 or 25 hours


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

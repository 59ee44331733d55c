"""The interval statistics: hand-checked cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dasan.reports.core import ContactRow, intervals, merge, overlap, staffed_segments


def test_a_hand_checked_half_hour():
    contacts = [
        ContactRow("general", queued_at=10, answered_at=20, handle_s=300),  # 10 s wait: in time
        ContactRow("general", queued_at=100, answered_at=130, handle_s=100),  # 30 s: late
        ContactRow("general", queued_at=200, abandoned=True),
        ContactRow("lang-en", queued_at=1900, answered_at=1905, handle_s=60),  # next interval
    ]
    busy = {1: [(20, 320), (130, 230)], 2: [(1905, 1965)]}
    staffed = {1: [(0, 1800)], 2: [(1800, 3600)]}
    rows, total = intervals(contacts, start=0, end=3600, interval_s=1800, sl_seconds={"general": 15, "lang-en": 20},
                            busy=busy, staffed=staffed)
    first = rows[0]
    assert (first.offered, first.answered, first.answered_in_t, first.abandoned) == (3, 2, 1, 1)
    assert first.service_level == pytest.approx(1 / 3, abs=1e-4)
    assert first.answer_rate == pytest.approx(2 / 3, abs=1e-4)
    assert first.asa_s == 20.0 and first.aht_s == 200.0
    # Agent 1 held a contact from 20 to 320 (two overlapping chats count once) of 1800 staffed s.
    assert first.occupancy == pytest.approx(300 / 1800, abs=1e-4)
    assert first.staffed_agents == 1.0
    assert rows[1].offered == 1 and rows[1].service_level == 1.0
    assert total.offered == 4 and total.answered_in_t == 2 and total.abandoned == 1
    assert total.occupancy == pytest.approx(360 / 3600, abs=1e-4)


def test_state_changes_become_staffed_time():
    changes = [(0, "offline"), (100, "available"), (400, "break"), (500, "acw"), (600, "offline")]
    assert staffed_segments(changes, until=1000) == [(100, 400), (500, 600)]
    assert staffed_segments([(0, "available")], until=50) == [(0, 50)]


def test_bad_ranges_are_refused():
    with pytest.raises(ValueError):
        intervals([], start=0, end=0, interval_s=1800, sl_seconds={}, busy={}, staffed={})
    with pytest.raises(ValueError):
        intervals([], start=0, end=10, interval_s=0, sl_seconds={}, busy={}, staffed={})


segments = st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 200)).map(lambda t: (t[0], t[0] + t[1])),
                    max_size=20)


@given(segments)
def test_merge_is_disjoint_and_covers_the_same_points(segs):
    merged = merge(segs)
    assert all(a < b for a, b in merged)
    assert all(merged[i][1] < merged[i + 1][0] for i in range(len(merged) - 1))
    for x in (0.5, 10.0, 123.4, 700.0, 999.9):
        assert any(a <= x < b for a, b in segs if b > a) == any(a <= x < b for a, b in merged)
    assert overlap(merged, 0, 2000) <= sum(b - a for a, b in segs) + 1e-6


contacts = st.lists(st.builds(
    lambda q, t, w, ab: ContactRow(q, queued_at=t, answered_at=None if w is None else t + w,
                                   abandoned=ab and w is None, handle_s=None if w is None else 60.0),
    st.sampled_from(["a", "b"]), st.floats(0, 7199), st.one_of(st.none(), st.floats(0, 100)), st.booleans()),
    max_size=60)


@given(contacts, segments, segments)
def test_intervals_add_up_to_the_totals_and_stay_in_range(cs, busy1, staffed1):
    rows, total = intervals(cs, start=0, end=7200, interval_s=1800, sl_seconds={"a": 15, "b": 30},
                            busy={1: busy1}, staffed={1: staffed1})
    assert len(rows) == 4
    for key in ("offered", "answered", "answered_in_t", "abandoned"):
        assert sum(getattr(r, key) for r in rows) == getattr(total, key)
    for r in [*rows, total]:
        assert r.answered_in_t <= r.answered <= r.offered and r.abandoned <= r.offered - r.answered
        for ratio in (r.service_level, r.answer_rate, r.abandon_rate, r.occupancy):
            assert ratio is None or 0 <= ratio <= 1

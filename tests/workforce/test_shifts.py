"""Shift scheduling: coverage, optimality on cases checked by hand, the CLI and its plot."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.workforce.shifts import ShiftType, default_types, schedule

from .test_plan_replay import _history, _write


def test_a_flat_day_is_covered_exactly_by_whole_shifts():
    # 16 half-hours of 3 agents: three 8-hour shifts without a break cover it with no waste.
    r = schedule([3] * 16, interval_min=30, types=[ShiftType(8, 0)])
    assert r["coverage"] == [3] * 16 and r["paid_agent_hours"] == 24 and r["optimal"]
    # With part-time 4-hour shifts as well, a bump in the middle costs one 4-hour shift, not 8.
    need = [2] * 6 + [3] * 8 + [2] * 2
    r = schedule(need, interval_min=30, types=[ShiftType(8, 0), ShiftType(4, 0)])
    assert r["paid_agent_hours"] == 20 and all(c >= q for c, q in zip(r["coverage"], need, strict=True))


def test_breaks_follow_the_labour_law_and_leave_a_gap_in_coverage():
    eight, six, four = default_types([8, 6, 4])
    assert (eight.break_min, six.break_min, four.break_min) == (60, 30, 0)
    r = schedule([1] * 18, interval_min=30, types=[eight])
    # One 8-hour shift spans 9 hours with a 1-hour break: a second shift must cover the break.
    assert r["paid_agent_hours"] == 16 and min(r["coverage"]) >= 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=48))
def test_every_interval_is_covered_and_no_cheaper_than_the_requirement(need):
    if not any(need):
        need = [*need[:-1], 1]
    r = schedule(need, interval_min=30, types=default_types([8, 4]))
    assert all(c >= q for c, q in zip(r["coverage"], need, strict=True))
    assert r["paid_agent_hours"] >= sum(need) / 2 - 1e-9


def test_bad_shift_lengths_are_refused():
    with pytest.raises(ValueError):
        schedule([1, 2], interval_min=30, types=[ShiftType(7.75, 0)])
    with pytest.raises(ValueError):
        schedule([], interval_min=30, types=[ShiftType(8, 60)])


def test_plan_with_shifts_and_plot(tmp_path):
    svg = tmp_path / "plan.svg"
    DATA = tmp_path / "history.csv"
    _write(DATA, _history())
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "wfm", "plan", "--history", str(DATA), "--days", "2",
                          "--shifts", "8,6,4", "--plot", str(svg), "--actuals", str(DATA), "--json"],
                         capture_output=True, text=True, check=True)
    plan = json.loads(out.stdout)
    assert all(i["scheduled"] >= i["agents"] for i in plan["intervals"])
    sh = plan["shifts"]
    assert sh["paid_agent_hours"] >= plan["agent_hours"] and sh["shifts"] and sh["optimal"]
    assert {"start", "end", "hours", "break_min", "agents"} <= sh["shifts"][0].keys()
    text = svg.read_text()
    assert text.startswith("<svg") and text.count("<polyline") == 4  # forecast, actual, required, scheduled
    bad = subprocess.run([sys.executable, "-m", "dasan.cli", "wfm", "plan", "--history", str(DATA), "--days", "1",
                          "--shifts", "8,x"], capture_output=True, text=True)
    assert bad.returncode != 0 and "--shifts" in bad.stderr

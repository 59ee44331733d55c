"""wfm plan and sim replay on small call files."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from dasan.workforce.plan import Call, plan, read_calls
from dasan.workforce.replay import replay


def _write(path, calls):
    path.write_text("arrival,service_s,patience_s\n" + "".join(
        f"{c.arrival.isoformat()},{'' if c.service_s is None else c.service_s},"
        f"{'' if c.patience_s is None else c.patience_s}\n" for c in calls), encoding="utf-8")


def _history():
    calls = []
    for day in range(14):
        d = datetime(2026, 3, 2) + timedelta(days=day)  # a Monday
        per_hour = 40 if d.weekday() < 5 else 8
        for h in range(9, 18):
            for k in range(per_hour):
                calls.append(Call(d + timedelta(hours=h, seconds=k * 3600 / per_hour), 120.0, None))
    return calls


def test_plan_follows_weekday_and_time_of_day():
    p = plan(_history(), days=7, interval_min=30, target_sl=0.8, sl_seconds=20)
    by_start = {i["start"]: i for i in p["intervals"]}
    assert len(p["intervals"]) == 7 * 48
    monday_10 = by_start["2026-03-16T10:00:00"]
    saturday_10 = by_start["2026-03-21T10:00:00"]
    night = by_start["2026-03-16T03:00:00"]
    assert monday_10["forecast"] == 20 and saturday_10["forecast"] == 4 and night["agents"] == 0
    assert monday_10["agents"] > saturday_10["agents"] > 0
    assert p["agent_hours"] == sum(i["agents"] for i in p["intervals"]) / 2


def test_replay_counts_every_call_once_and_follows_the_staffing():
    start = datetime(2026, 3, 16, 9)
    calls = [Call(start + timedelta(seconds=30 * k), 100.0, None) for k in range(60)]  # 09:00–09:30
    calls += [Call(start + timedelta(minutes=30, seconds=10 * k), None, 40.0) for k in range(10)]  # nobody staffed
    staffing = [(start, 3), (start + timedelta(minutes=30), 0)]
    r = replay(calls, staffing, interval_min=30, sl_seconds=20)
    assert r["offered"] == 70 and r["answered"] + r["abandoned"] + r["unanswered"] == 70
    assert r["abandoned"] >= 10 - 1  # the callers of the unstaffed half hour give up
    assert [i["agents"] for i in r["intervals"]] == [3, 0]
    assert 0 < r["occupancy"] <= 1


def test_bad_files_are_refused_with_the_line(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("arrival,service_s,patience_s\n2026-03-16T09:00:00,12,\nnot-a-date,1,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="c.csv:3"):
        read_calls(f)


def test_cli_plan_then_replay(tmp_path):
    hist, week = tmp_path / "h.csv", tmp_path / "w.csv"
    calls = _history()
    _write(hist, calls)
    _write(week, [Call(c.arrival + timedelta(days=14), c.service_s, c.patience_s) for c in calls[: len(calls) // 2]])
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "wfm", "plan", "--history", str(hist), "--days", "7",
                          "--interval-min", "30", "--target-sl", "0.8", "--sl-seconds", "20", "--json"],
                         capture_output=True, text=True, check=True).stdout
    p = json.loads(out)
    assert {"intervals", "agent_hours"} <= p.keys() and {"start", "forecast", "agents"} <= p["intervals"][0].keys()
    (tmp_path / "plan.json").write_text(out, encoding="utf-8")
    r = json.loads(subprocess.run([sys.executable, "-m", "dasan.cli", "sim", "replay", "--calls", str(week),
                                   "--staffing", str(tmp_path / "plan.json"), "--sl-seconds", "20", "--json"],
                                  capture_output=True, text=True, check=True).stdout)
    assert {"offered", "answered", "abandoned", "service_level", "asa_s", "abandon_rate", "occupancy", "wall_s",
            "intervals"} <= r.keys()
    assert r["service_level"] >= 0.8
    bad = subprocess.run([sys.executable, "-m", "dasan.cli", "sim", "replay", "--calls", str(week), "--staffing",
                          str(hist), "--json"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a staffing plan" in bad.stderr

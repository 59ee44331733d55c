"""Erlang C against an exact rational reference, the published worked example, and properties."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.workforce.erlang import erlang_a, erlang_c, service_level, staff, staff_a, traffic


def exact_erlang_c(a: Fraction, n: int) -> Fraction:
    """The textbook formula in exact rational arithmetic."""
    term = Fraction(1)
    total = Fraction(0)
    for k in range(n):
        total += term
        term = term * a / (k + 1)  # a^(k+1) / (k+1)!
    top = term * n / (n - a)
    return top / (total + top)


@pytest.mark.parametrize("a", [Fraction(1, 2), Fraction(1), Fraction(5, 2), Fraction(10), Fraction(75, 2),
                               Fraction(100), Fraction(250)])
def test_matches_exact_reference_to_1e9(a):
    for n in range(math.floor(a) + 1, math.floor(a) + 40):
        assert abs(erlang_c(float(a), n) - float(exact_erlang_c(a, n))) < 1e-9, (a, n)


def test_published_worked_example():
    s = staff(calls=100, interval_s=1800, aht_s=180, target_sl=0.8, sl_seconds=20)
    assert (s.agents, round(s.service_level, 3), round(s.p_wait, 3)) == (14, 0.888, 0.174)


def test_cli_contract():
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "wfm", "erlang", "--calls", "100", "--interval-min", "30",
                          "--aht-s", "180", "--target-sl", "0.8", "--sl-seconds", "20", "--json"],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    assert {"agents", "service_level", "p_wait", "asa_s", "occupancy"} <= r.keys() and r["agents"] == 14


def test_large_centres_do_not_overflow():
    s = staff(calls=42097 / 48 * 1.5, interval_s=1800, aht_s=180, target_sl=0.8, sl_seconds=15)
    assert 0.8 <= s.service_level < 0.85 and s.agents > s.traffic


@settings(max_examples=100, deadline=None)
@given(a=st.floats(0.1, 300), extra=st.integers(1, 60), aht=st.floats(10, 900), t=st.floats(0, 120))
def test_more_agents_never_hurt(a, extra, aht, t):
    n = math.floor(a) + extra
    assert 0 <= erlang_c(a, n + 1) <= erlang_c(a, n) <= 1
    assert service_level(a, n + 1, aht, t) >= service_level(a, n, aht, t) - 1e-12


@settings(max_examples=100, deadline=None)
@given(calls=st.floats(1, 5000), aht=st.floats(10, 900), target=st.floats(0.5, 0.95), t=st.floats(5, 60))
def test_staffing_is_the_fewest_that_reach_the_target(calls, aht, target, t):
    s = staff(calls=calls, interval_s=1800, aht_s=aht, target_sl=target, sl_seconds=t)
    assert s.service_level >= target
    if s.agents - 1 > s.traffic:
        assert service_level(s.traffic, s.agents - 1, aht, t) < target


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        staff(calls=10, interval_s=1800, aht_s=180, target_sl=1.2, sl_seconds=20)
    with pytest.raises(ValueError, match="interval and handle time > 0"):
        staff(calls=10, interval_s=0, aht_s=180, target_sl=0.8, sl_seconds=20)


# --- Erlang A ---------------------------------------------------------------------------------


@pytest.mark.parametrize("a,n", [(0.5, 1), (2.0, 3), (10.0, 14), (50.0, 60), (120.0, 130)])
def test_erlang_a_without_abandonment_is_erlang_c(a, n):
    r = erlang_a(calls=a * 1800 / 180, interval_s=1800, aht_s=180, patience_s=1e12, agents=n, sl_seconds=20)
    assert r.service_level == pytest.approx(service_level(a, n, 180, 20), abs=1e-6)
    assert r.p_wait == pytest.approx(erlang_c(a, n), abs=1e-6)
    assert r.p_abandon == pytest.approx(0.0, abs=1e-6)


def test_erlang_a_agrees_with_the_simulated_queue_with_abandonment():
    from dasan.workforce.simulate import simulate_erlang

    runs = [simulate_erlang(per_day=9355, aht_s=180, agents=20, sl_seconds=15, seed=s, patience_s=300.0)
            for s in range(10)]
    sl = sum(r["service_level"] for r in runs) / len(runs)
    ab = sum(r["abandon_rate"] for r in runs) / len(runs)
    assert abs(sl - runs[0]["erlang_a_service_level"]) <= 0.01
    assert abs(ab - runs[0]["erlang_a_abandon_rate"]) <= 0.005


@given(st.floats(1, 200), st.floats(30, 600), st.floats(10, 1200))
@settings(max_examples=40, deadline=None)
def test_erlang_a_more_agents_never_hurt_and_abandonment_lowers_staffing(calls, aht, patience):
    prev = None
    a = traffic(calls, 1800, aht)
    for n in range(max(1, int(a) - 2), int(a) + 6):
        r = erlang_a(calls=calls, interval_s=1800, aht_s=aht, patience_s=patience, agents=n, sl_seconds=20)
        assert 0 <= r.service_level <= 1 and 0 <= r.p_abandon <= 1 and 0 <= r.p_wait <= 1
        if prev is not None:
            assert r.service_level >= prev.service_level - 1e-9 and r.p_abandon <= prev.p_abandon + 1e-9
        prev = r
    with_abandon = staff_a(calls=calls, interval_s=1800, aht_s=aht, patience_s=patience, target_sl=0.8,
                           sl_seconds=20)
    assert with_abandon.agents <= staff(calls=calls, interval_s=1800, aht_s=aht, target_sl=0.8, sl_seconds=20).agents


def test_wfm_erlang_a_cli():
    args = ["wfm", "erlang", "--calls", "100", "--interval-min", "30", "--aht-s", "180", "--target-sl", "0.8",
            "--sl-seconds", "20", "--patience-s", "120", "--json"]
    out = subprocess.run([sys.executable, "-m", "dasan.cli", *args], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    assert r["model"] == "erlang_a" and r["agents"] == 12 and 0.8 <= r["service_level"] < 0.85
    bad = subprocess.run([sys.executable, "-m", "dasan.cli", "wfm", "erlang", "--calls", "100", "--aht-s", "180",
                          "--patience-s", "0"], capture_output=True, text=True)
    assert bad.returncode != 0 and "patience" in bad.stderr

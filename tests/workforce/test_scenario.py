"""The multi-skill simulator: conservation, and that overflow and callbacks do what they claim."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from dasan.demo.scenario import SEOUL_120_DAY
from dasan.workforce.scenario import simulate_scenario


def _mean(scenario, key, queues, seeds=range(6)):
    runs = [simulate_scenario(scenario, seed=s) for s in seeds]
    return sum(r["queues"][q][key] for r in runs for q in queues) / len(runs)


def test_every_contact_is_answered_abandoned_or_settled_once():
    r = simulate_scenario(SEOUL_120_DAY, seed=3)
    for code, q in r["queues"].items():
        assert q["answered"] + q["abandoned"] <= q["offered"], code
        assert q["answered_by_overflow"] <= q["answered"]
        assert 0 <= (q["service_level"] or 0) <= 1
    assert 0 < r["occupancy"] <= 1


def test_overflow_cuts_abandonment_on_the_language_lines():
    langs = ["lang-en", "lang-zh", "lang-vi"]
    without = copy.deepcopy(SEOUL_120_DAY)
    for q in without["queues"]:
        q.pop("overflow_after_s", None)
    assert _mean(SEOUL_120_DAY, "abandoned", langs) < 0.8 * _mean(without, "abandoned", langs)
    assert _mean(SEOUL_120_DAY, "answered_by_overflow", langs) > 0 == _mean(without, "answered_by_overflow", langs)


def test_a_citizen_who_takes_the_callback_is_never_lost():
    # Everyone who has to wait is offered a callback at once and takes it: nobody is lost, all of
    # them are answered in the end — and without the offer the same day loses callers.
    sc = copy.deepcopy(SEOUL_120_DAY)
    sc["callback_accept"], sc["bot_accept"] = 1.0, 0.0
    for q in sc["queues"]:
        q["callback_after_s"] = 0
    for seed in range(3):
        r = simulate_scenario(sc, seed=seed)
        assert sum(q["callbacks"] for q in r["queues"].values()) > 0
        for code, q in r["queues"].items():
            assert q["abandoned"] == 0 and q["answered"] == q["offered"], code
    sc["callback_accept"] = 0.0
    assert simulate_scenario(sc, seed=0)["abandon_rate"] > 0


def test_bad_scenarios_are_refused(tmp_path):
    bad = copy.deepcopy(SEOUL_120_DAY)
    bad["queues"][0]["aht_s"] = 0
    with pytest.raises(ValueError, match="aht_s"):
        simulate_scenario(bad, seed=0)
    bad = copy.deepcopy(SEOUL_120_DAY)
    bad["queues"][0]["colour"] = "red"
    with pytest.raises(ValueError, match="unknown fields"):
        simulate_scenario(bad, seed=0)
    f = tmp_path / "s.json"
    f.write_text("[1, 2]")
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "sim", "scenario", "--scenario", str(f)],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "JSON object" in out.stderr


def test_cli_same_seed_same_day():
    run = [sys.executable, "-m", "dasan.cli", "sim", "scenario", "--seed", "4", "--json"]
    a = json.loads(subprocess.run(run, capture_output=True, text=True, check=True).stdout)
    b = json.loads(subprocess.run(run, capture_output=True, text=True, check=True).stdout)
    a.pop("wall_s"), b.pop("wall_s")
    assert a == b and set(a["queues"]) == {q["code"] for q in SEOUL_120_DAY["queues"]}

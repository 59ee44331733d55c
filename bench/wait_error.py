"""Error of the expected wait told to queued callers, in simulated days (issue 4).

For each staffing level (busier as agents drop), ten seeds of the 42,097-call M/M/c day; prints
each seed's median absolute error as a percentage of the wait the caller actually had, and their
median. The anchor is the best a point estimate can do under the same model: for a caller at
position k the wait is Gamma(k, AHT/c), and the estimate minimising the median relative error is
≈ (k − 0.30)·AHT/c (computed from the Gamma distribution; Dasan tells (k − 1/3)·AHT/c, its median).
Usage: wait_error.py
"""

from __future__ import annotations

import json
import statistics

from dasan.workforce.simulate import simulate_erlang

SEEDS = 10
for agents in (100, 95, 92):
    runs = [simulate_erlang(per_day=42097, aht_s=180, agents=agents, sl_seconds=15, seed=s) for s in range(SEEDS)]
    errors = [r["expected_wait_median_abs_error_pct"] for r in runs]
    print(json.dumps({"agents": agents, "occupancy": runs[0]["occupancy"],
                      "service_level": round(sum(r["service_level"] for r in runs) / SEEDS, 4),
                      "median_abs_error_pct_per_seed": errors,
                      "median_abs_error_pct": round(float(statistics.median(errors)), 2),
                      "callers_told": sum(r["expected_wait_told"] for r in runs), "target_pct": 20}))

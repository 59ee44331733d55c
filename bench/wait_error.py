"""Error of the expected wait told to queued callers, in simulated days (issue 4).

For each staffing level (busier as agents drop), three seeds of the 42,097-call M/M/c day;
prints the median absolute error as a percentage of the wait the caller actually had.
Usage: wait_error.py
"""

from __future__ import annotations

import json

from dasan.workforce.simulate import simulate_erlang

for agents in (100, 95, 92):
    runs = [simulate_erlang(per_day=42097, aht_s=180, agents=agents, sl_seconds=15, seed=s) for s in range(3)]
    print(json.dumps({"agents": agents, "occupancy": runs[0]["occupancy"],
                      "service_level": round(sum(r["service_level"] for r in runs) / 3, 4),
                      "median_abs_error_pct": [r["expected_wait_median_abs_error_pct"] for r in runs],
                      "callers_told": [r["expected_wait_told"] for r in runs], "target_pct": 20}))

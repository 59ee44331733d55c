"""`dasan sim erlang` against Erlang C and against the ciw simulation library, same M/M/c day.

Prints one JSON line: Dasan's mean service level over SEEDS seeds beside Erlang C, Dasan's
median wall time per simulated day, and ciw's median wall time for the same day.
Usage: sim_bench.py [--per-day 42097] [--aht-s 180] [--agents 100] [--sl-seconds 15] [--seeds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from dasan.workforce.simulate import simulate_erlang


def ciw_day(per_day: float, aht_s: float, agents: int, sl_seconds: float, seed: int) -> tuple[float, float]:
    import ciw

    rate = per_day / 86_400.0
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=rate)],
                                 service_distributions=[ciw.dists.Exponential(rate=1.0 / aht_s)],
                                 number_of_servers=[agents])
    ciw.seed(seed)
    t0 = time.perf_counter()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(86_400.0)
    wall = time.perf_counter() - t0
    recs = sim.get_all_records()
    sl = sum(r.waiting_time <= sl_seconds for r in recs) / len(recs)
    return wall, sl


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-day", type=float, default=42097)
    ap.add_argument("--aht-s", type=float, default=180)
    ap.add_argument("--agents", type=int, default=100)
    ap.add_argument("--sl-seconds", type=float, default=15)
    ap.add_argument("--seeds", type=int, default=10)
    a = ap.parse_args()
    runs = [simulate_erlang(per_day=a.per_day, aht_s=a.aht_s, agents=a.agents, sl_seconds=a.sl_seconds, seed=s)
            for s in range(a.seeds)]
    ciw_runs = [ciw_day(a.per_day, a.aht_s, a.agents, a.sl_seconds, s) for s in range(3)]
    mean_sl = statistics.fmean(r["service_level"] for r in runs)
    print(json.dumps({
        "dasan_mean_service_level": round(mean_sl, 4),
        "erlang_c_service_level": runs[0]["erlang_c_service_level"],
        "difference_pp": round(100 * (mean_sl - runs[0]["erlang_c_service_level"]), 2),
        "dasan_wall_s_median": round(statistics.median(r["wall_s"] for r in runs), 3),
        "ciw_wall_s_median": round(statistics.median(w for w, _ in ciw_runs), 3),
        "ciw_service_level_mean": round(statistics.fmean(s for _, s in ciw_runs), 4),
        "seeds": a.seeds,
    }))


if __name__ == "__main__":
    main()

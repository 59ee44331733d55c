"""How long a newcomer waits for `dasan demo`'s simulated history (issue 16), beside the anchor
they wait for anyway: seeding the demo center itself, measured in the same run.

    .venv/bin/python bench/demo_history.py [--runs 3] [--per-day 1600]

Each run starts from an empty SQLite database in a temporary directory: migrate, seed (the
anchor), then simulate yesterday and today until now through the real actions (the figure).
Prints the median seconds of each, contacts per second and the ratio."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from dasan.config import Settings
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.db.migrate import upgrade
from dasan.demo.history import simulate_history
from dasan.demo.seed import seed
from dasan.outbox import actions as outbox_actions


def one_run(per_day: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as d:
        settings = Settings(data_dir=Path(d))
        upgrade(settings)
        engine = make_engine(settings)
        factory = make_sessionmaker(engine)
        outbox_actions.install(factory)
        t0 = time.perf_counter()
        with session_scope(factory) as s:
            seed(session=s)
        t1 = time.perf_counter()
        history = simulate_history(factory, per_day=per_day)
        t2 = time.perf_counter()
        engine.dispose()
        return t1 - t0, t2 - t1, history.contacts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--per-day", type=int, default=1600)
    args = ap.parse_args()
    runs = [one_run(args.per_day) for _ in range(args.runs)]
    for i, (s, h, n) in enumerate(runs, 1):
        print(f"run {i}: seed {s:.1f} s, history {h:.1f} s for {n} contacts ({n / h:.0f} contacts/s)")
    seed_s = statistics.median(r[0] for r in runs)
    hist_s = statistics.median(r[1] for r in runs)
    contacts = statistics.median(r[2] for r in runs)
    print(f"median: history {hist_s:.1f} s for {contacts:.0f} contacts ({contacts / hist_s:.0f} contacts/s); "
          f"anchor (seeding the center) {seed_s:.1f} s; history / seed = {hist_s / seed_s:.1f}×")


if __name__ == "__main__":
    main()

"""One routing decision with 5,000 agents, 200 skills and 2,000 waiting contacts (issue 4).

Builds the routing engine in that state, then times single decisions — a contact arriving
(assigned to the longest-idle eligible agent when one is free) and an agent finishing a contact
(taking the most urgent waiting contact it can serve) — and prints the median and p99 in ms.
Usage: routing_bench.py [--agents 5000] [--skills 200] [--waiting 2000] [--decisions 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np

from dasan.routing.engine import Agent, Contact, QueueSpec, Router


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=5000)
    ap.add_argument("--skills", type=int, default=200)
    ap.add_argument("--waiting", type=int, default=2000)
    ap.add_argument("--decisions", type=int, default=20000)
    a = ap.parse_args()
    rng = random.Random(0)
    skills = [f"s{i}" for i in range(a.skills)]
    router = Router.create([QueueSpec(s, skill=s, priority=rng.choice([0, 1, 2]), aging_per_s=0.01) for s in skills])
    for i in range(a.agents):
        router.add_agent(Agent(id=i, skills=frozenset(rng.sample(skills, 5)), capacity=rng.choice([1, 1, 3]),
                               idle_since=float(i)))
    now, cid = 0.0, 0
    holding: list[int] = []
    # Fill every agent, then queue `waiting` more contacts.
    while sum(len(q) for q in router.waiting.values()) < a.waiting:
        now += 0.01
        got = router.arrive(Contact(id=cid, queue=rng.choice(skills), arrived=now))
        cid += 1
        if got is not None:
            holding.append(got[1].id)
    times = []
    for k in range(a.decisions):
        now += 0.01
        if k % 2:
            t0 = time.perf_counter()
            got = router.arrive(Contact(id=cid, queue=rng.choice(skills), arrived=now))
            times.append(time.perf_counter() - t0)
            cid += 1
        else:
            agent_id = holding.pop(rng.randrange(len(holding)))
            t0 = time.perf_counter()
            got = router.release(agent_id, now)
            times.append(time.perf_counter() - t0)
        if got is not None:
            holding.append(got[1].id)
    waiting = sum(len(q) for q in router.waiting.values())
    print(json.dumps({"agents": a.agents, "skills": a.skills, "waiting_at_end": waiting, "decisions": a.decisions,
                      "p50_ms": round(float(np.percentile(times, 50)) * 1000, 4),
                      "p99_ms": round(float(np.percentile(times, 99)) * 1000, 4), "target_p99_ms": 1.0}))


if __name__ == "__main__":
    main()

"""Discrete-event simulation of the contact center, driven through the routing engine.

`simulate_erlang` is the M/M/c day of `dasan sim erlang`: Poisson arrivals at a flat rate,
exponential handle times, one queue, FIFO — the model Erlang C describes, so the simulated service
level can be checked against the formula. With `patience_s` callers hang up after an exponential
patience of that mean (M/M/c+M, the model of Erlang A).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from dasan.routing.core import expected_wait_s
from dasan.routing.engine import Agent, Contact, QueueSpec, Router
from dasan.workforce.erlang import erlang_a, service_level, traffic

DAY = 86_400.0
ARRIVE, DEPART, ABANDON = 0, 1, 2


@dataclass
class Interval:
    offered: int = 0
    answered_in_t: int = 0


def simulate_erlang(*, per_day: float, aht_s: float, agents: int, sl_seconds: float, seed: int,
                    interval_s: float = 1800.0, start: datetime | None = None,
                    patience_s: float | None = None) -> dict:
    """One simulated day of an M/M/agents queue; the contract keys of `dasan sim erlang`."""
    if per_day <= 0 or aht_s <= 0 or agents <= 0:
        raise ValueError("per-day, handle time and agents must be positive")
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    # Arrival times for the whole day at once (vectorised), then the event loop.
    n = rng.poisson(per_day)
    arrivals = np.sort(rng.uniform(0.0, DAY, size=n))
    services = rng.exponential(aht_s, size=n)
    patience = rng.exponential(patience_s, size=n) if patience_s else None
    router = Router.create([QueueSpec("general")])
    for i in range(agents):
        router.add_agent(Agent(id=i))
    events: list[tuple[float, int, int, int]] = []  # (time, kind, contact index, agent id)
    contacts = [Contact(id=i, queue="general", arrived=float(a)) for i, a in enumerate(arrivals)]
    waits = np.full(n, np.nan)
    busy = 0.0
    abandoned = 0
    predicted = np.full(n, np.nan)  # the expected wait a queued caller would have been told
    next_arrival = 0
    push, pop = heapq.heappush, heapq.heappop
    while next_arrival < n or events:
        if next_arrival < n and (not events or arrivals[next_arrival] <= events[0][0]):
            i = next_arrival
            next_arrival += 1
            now = arrivals[i]
            got = router.arrive(contacts[i])
            if got is not None:
                waits[i] = 0.0
                push(events, (now + services[i], DEPART, i, got[1].id))
                busy += services[i]
            else:
                predicted[i] = expected_wait_s(position=len(router.waiting["general"]), serving_agents=agents,
                                               mean_handle_s=aht_s)
                if patience is not None:
                    push(events, (now + patience[i], ABANDON, i, -1))
            continue
        now, kind, i, agent_id = pop(events)
        if kind == ABANDON:
            abandoned += router.abandon(contacts[i])
            continue
        got = router.release(agent_id, now)
        if got is not None:
            j = got[0].id
            waits[j] = now - contacts[j].arrived
            push(events, (now + services[j], DEPART, j, agent_id))
            busy += services[j]
    wall_s = time.perf_counter() - t0
    answered = int(np.sum(~np.isnan(waits)))
    in_t = int(np.sum(waits <= sl_seconds))
    start = start or datetime(2026, 1, 5)
    buckets: dict[int, Interval] = {}
    idx = (arrivals // interval_s).astype(int)
    for b, w in zip(idx, waits, strict=True):
        iv = buckets.setdefault(int(b), Interval())
        iv.offered += 1
        iv.answered_in_t += bool(w <= sl_seconds)
    a = traffic(per_day, DAY, aht_s)
    told = ~np.isnan(predicted) & (waits > 0)
    rel_err = np.abs(predicted[told] - waits[told]) / waits[told]
    return {
        "offered": int(n), "answered": answered, "abandoned": abandoned,
        "service_level": round(in_t / n, 5) if n else 1.0,
        "asa_s": round(float(np.nanmean(waits)), 3) if answered else 0.0,
        "abandon_rate": round(abandoned / n, 5) if n else 0.0,
        "occupancy": round(busy / (agents * max(DAY, float(np.nanmax(arrivals + services)) if n else DAY)), 5),
        "wall_s": round(wall_s, 4),
        "intervals": [{"start": (start + timedelta(seconds=b * interval_s)).isoformat(), "offered": iv.offered,
                       "answered_in_t": iv.answered_in_t,
                       "service_level": round(iv.answered_in_t / iv.offered, 4) if iv.offered else 1.0,
                       "agents": agents} for b, iv in sorted(buckets.items())],
        "erlang_c_service_level": round(service_level(a, agents, aht_s, sl_seconds), 5),
        **({"erlang_a_service_level": round(erlang_a(calls=per_day, interval_s=DAY, aht_s=aht_s, patience_s=patience_s,
                                                     agents=agents, sl_seconds=sl_seconds).service_level, 5),
            "erlang_a_abandon_rate": round(erlang_a(calls=per_day, interval_s=DAY, aht_s=aht_s, patience_s=patience_s,
                                                    agents=agents, sl_seconds=sl_seconds).p_abandon, 5)}
           if patience_s else {}),
        # How far the expected wait told to each queued caller was from the wait they had.
        "expected_wait_median_abs_error_pct": round(float(np.median(rel_err)) * 100, 2) if told.any() else None,
        "expected_wait_told": int(told.sum()),
        "seed": seed,
    }

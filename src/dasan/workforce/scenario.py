"""Multi-skill simulation: several queues, agents with skill sets, abandonment, overflow, callback
and bot offers — all decided by the routing engine the live dispatcher runs (`dasan sim scenario`).

A scenario (JSON) names its queues (the engine's QueueSpec fields plus a daily volume, a mean
handle time and a mean patience), its agent groups (count, skills, capacity) and how citizens
take the offers (share who accept a callback, share who accept the bot and share of those the bot
settles). Arrivals are Poisson at a flat rate over `hours`; handle times and patience are
exponential. A citizen who takes the callback keeps their place and no longer abandons; a citizen
the bot settles leaves the queue.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import fields
from typing import Any

import numpy as np

from dasan.routing.engine import Agent, Contact, QueueSpec, Router

ARRIVE, OFFER, OVERFLOW, ABANDON, DEPART = range(5)
SPEC_FIELDS = {f.name for f in fields(QueueSpec)}

def _check(scenario: dict) -> None:
    if not scenario.get("queues") or not scenario.get("agents"):
        raise ValueError("a scenario needs queues and agents")
    codes = [q.get("code") for q in scenario["queues"]]
    if len(set(codes)) != len(codes) or not all(codes):
        raise ValueError("each queue needs a unique code")
    for q in scenario["queues"]:
        for key in ("per_day", "aht_s", "patience_s"):
            if not isinstance(q.get(key), int | float) or q[key] < 0 or (key != "per_day" and q[key] == 0):
                raise ValueError(f"queue {q['code']}: {key} must be a positive number")
        unknown = set(q) - SPEC_FIELDS - {"per_day", "aht_s", "patience_s"}
        if unknown:
            raise ValueError(f"queue {q['code']}: unknown fields {', '.join(sorted(unknown))}")
    for g in scenario["agents"]:
        if not isinstance(g.get("count"), int) or g["count"] < 0 or not isinstance(g.get("skills", []), list):
            raise ValueError("each agent group needs a count and a list of skills")
    for key in ("callback_accept", "bot_accept", "bot_settles"):
        if not 0 <= scenario.get(key, 0) <= 1:
            raise ValueError(f"{key} must be between 0 and 1")


def simulate_scenario(scenario: dict[str, Any], *, seed: int) -> dict:
    """Simulate the scenario; per queue offered / answered / abandoned / service level / ASA,
    callbacks taken, contacts the bot settled, contacts answered by overflow, and occupancy."""
    _check(scenario)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    horizon = float(scenario.get("hours", 24)) * 3600
    sl_t = float(scenario.get("sl_seconds", 15))
    specs = [QueueSpec(**{k: v for k, v in q.items() if k in SPEC_FIELDS}) for q in scenario["queues"]]
    router = Router.create(specs)
    aid = 0
    for g in scenario["agents"]:
        for _ in range(g["count"]):
            router.add_agent(Agent(id=aid, skills=frozenset(g.get("skills", [])), capacity=int(g.get("capacity", 1))))
            aid += 1
    contacts: list[Contact] = []
    service: list[float] = []
    patience: list[float] = []
    events: list[tuple[float, int, int, int]] = []
    for q in scenario["queues"]:
        n = rng.poisson(q["per_day"] * horizon / 86_400)
        for t in rng.uniform(0, horizon, size=n):
            i = len(contacts)
            contacts.append(Contact(id=i, queue=q["code"], arrived=float(t)))
            service.append(float(rng.exponential(q["aht_s"])))
            patience.append(float(rng.exponential(q["patience_s"])))
            events.append((float(t), ARRIVE, i, -1))
    heapq.heapify(events)
    answered_at: dict[int, float] = {}
    overflowed: set[int] = set()
    abandoned: set[int] = set()
    callbacks: set[int] = set()
    settled_by_bot: set[int] = set()
    busy = 0.0
    spec = {s.code: s for s in specs}

    def start(pair, now: float) -> None:
        nonlocal busy
        contact, agent = pair
        answered_at[contact.id] = now
        s = spec[contact.queue]
        if s.skill is not None and s.skill not in agent.skills:
            overflowed.add(contact.id)
        heapq.heappush(events, (now + service[contact.id], DEPART, contact.id, agent.id))
        busy += service[contact.id]

    while events:
        now, kind, i, agent_id = heapq.heappop(events)
        c = contacts[i]
        if kind == ARRIVE:
            got = router.arrive(c)
            if got is not None:
                start(got, now)
                continue
            heapq.heappush(events, (now + patience[i], ABANDON, i, -1))
            s = spec[c.queue]
            for after in (s.bot_after_s, s.callback_after_s):
                if after is not None:
                    heapq.heappush(events, (now + after, OFFER, i, -1))
            if s.overflow_after_s is not None:
                heapq.heappush(events, (now + s.overflow_after_s, OVERFLOW, i, -1))
        elif kind == ABANDON:
            if router.abandon(c):
                abandoned.add(i)
        elif kind == OFFER:
            for offer in router.offers_due(c, now):
                if offer == "callback" and rng.random() < scenario.get("callback_accept", 0):
                    router.request_callback(c)
                    callbacks.add(i)
                elif offer == "bot" and rng.random() < scenario.get("bot_accept", 0) * scenario.get("bot_settles", 0):
                    if router.abandon(c):  # leaves the queue, settled by the bot
                        settled_by_bot.add(i)
        elif kind == OVERFLOW:
            for pair in router.dispatch(now):
                start(pair, now)
        else:  # DEPART
            got = router.release(agent_id, now)
            if got is not None:
                start(got, now)
    per_queue: dict[str, dict[str, Any]] = {}
    for s in specs:
        mine = [c for c in contacts if c.queue == s.code]
        ans = [answered_at[c.id] - c.arrived for c in mine if c.id in answered_at]
        offered = len(mine) - sum(1 for c in mine if c.id in settled_by_bot)
        per_queue[s.code] = {
            "offered": offered, "answered": len(ans),
            "abandoned": sum(1 for c in mine if c.id in abandoned),
            "service_level": round(sum(w <= sl_t for w in ans) / offered, 4) if offered else None,
            "asa_s": round(float(np.mean(ans)), 1) if ans else None,
            "answered_by_overflow": sum(1 for c in mine if c.id in overflowed),
            "callbacks": sum(1 for c in mine if c.id in callbacks),
            "settled_by_bot": sum(1 for c in mine if c.id in settled_by_bot),
        }
    n_agents = max(1, len(router.agents))
    offered_all = sum(q["offered"] for q in per_queue.values())
    in_t = sum(round((q["service_level"] or 0) * q["offered"]) for q in per_queue.values())
    return {"queues": per_queue, "offered": offered_all,
            "service_level": round(in_t / offered_all, 4) if offered_all else None,
            "abandon_rate": round(len(abandoned) / offered_all, 4) if offered_all else 0.0,
            "occupancy": round(busy / (n_agents * horizon), 4), "seed": seed,
            "wall_s": round(time.perf_counter() - t0, 4)}

"""Replay real calls through the routing engine with a staffing plan (`dasan sim replay`).

Each call arrives at its recorded time. Served calls keep their recorded handle time; callers who
abandoned in reality hang up after their recorded patience if still waiting (if the replay
answers them sooner, they get the mean handle time). Agents log in and out at interval
boundaries to follow the plan; an agent who logs out finishes the call in hand first.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from datetime import datetime, timedelta

from dasan.routing.engine import Agent, Contact, QueueSpec, Router
from dasan.workforce.plan import Call

STAFF, ARRIVE, ABANDON, DEPART = 0, 1, 2, 3  # at equal times: staffing first, departures last


def replay(calls: list[Call], staffing: list[tuple[datetime, int]], *, interval_min: int, sl_seconds: float) -> dict:
    """Simulate the calls that arrive within the staffed horizon; contract keys of `sim replay`."""
    if not staffing:
        raise ValueError("the staffing plan has no intervals")
    t_start = time.perf_counter()
    staffing = sorted(staffing)
    origin = staffing[0][0]
    horizon_end = staffing[-1][0] + timedelta(minutes=interval_min)
    calls = [c for c in calls if origin <= c.arrival < horizon_end]
    served = [c.service_s for c in calls if c.service_s is not None]
    mean_service = sum(served) / len(served) if served else 180.0

    def sec(dt: datetime) -> float:
        return (dt - origin).total_seconds()

    router = Router.create([QueueSpec("calls")])
    events: list[tuple[float, int, int, int]] = []
    for k, (start, agents) in enumerate(staffing):
        events.append((sec(start), STAFF, k, agents))
    contacts = []
    for i, c in enumerate(calls):
        contacts.append(Contact(id=i, queue="calls", arrived=sec(c.arrival)))
        events.append((sec(c.arrival), ARRIVE, i, 0))
        if c.service_s is None and c.patience_s is not None:
            events.append((sec(c.arrival) + c.patience_s, ABANDON, i, 0))
    heapq.heapify(events)
    waits: dict[int, float] = {}
    abandoned: set[int] = set()
    busy = 0.0
    staffed_time = 0.0
    logged_in: list[int] = []  # agent ids logged in, in login order
    leaving: set[int] = set()
    next_id = 0

    def start_call(got, now: float) -> None:
        nonlocal busy
        contact, agent = got
        waits[contact.id] = now - contact.arrived
        call = calls[contact.id]
        duration = call.service_s if call.service_s is not None else mean_service
        busy += duration
        heapq.heappush(events, (now + duration, DEPART, contact.id, agent.id))

    while events:
        now, kind, i, extra = heapq.heappop(events)
        if kind == STAFF:
            staffed_time += extra * interval_min * 60
            while len(logged_in) < extra:  # log agents in (returning leavers first)
                if leaving:
                    agent_id = leaving.pop()
                else:
                    agent_id = next_id
                    next_id += 1
                    router.add_agent(Agent(id=agent_id, idle_since=now, available=False))
                logged_in.append(agent_id)
                got = router.set_available(agent_id, True, now)
                if got is not None:
                    start_call(got, now)
            while len(logged_in) > extra:  # log out: idle agents first, busy ones after their call
                idle = [a for a in logged_in if router.agents[a].load == 0]
                agent_id = (idle or logged_in)[-1]
                logged_in.remove(agent_id)
                router.set_available(agent_id, False, now)
                if router.agents[agent_id].load:
                    leaving.add(agent_id)
        elif kind == ARRIVE:
            got = router.arrive(contacts[i])
            if got is not None:
                start_call(got, now)
        elif kind == ABANDON:
            if router.abandon(contacts[i]):
                abandoned.add(i)
        else:  # DEPART
            got = router.release(extra, now)
            if extra in leaving and router.agents[extra].load == 0:
                leaving.discard(extra)
            if got is not None:
                start_call(got, now)

    per_interval: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for i, c in enumerate(calls):
        k = int(sec(c.arrival) // (interval_min * 60))
        per_interval[k][0] += 1
        per_interval[k][1] += int(i in waits and waits[i] <= sl_seconds)
    offered = len(calls)
    in_t = sum(1 for w in waits.values() if w <= sl_seconds)
    return {
        "offered": offered,
        "answered": len(waits),
        "abandoned": len(abandoned),
        # Still waiting when the staffed horizon ended (count as not answered in time).
        "unanswered": offered - len(waits) - len(abandoned),
        "service_level": round(in_t / offered, 4) if offered else 1.0,
        "asa_s": round(sum(waits.values()) / len(waits), 2) if waits else 0.0,
        "abandon_rate": round(len(abandoned) / offered, 4) if offered else 0.0,
        "occupancy": round(busy / staffed_time, 4) if staffed_time else 0.0,
        "wall_s": round(time.perf_counter() - t_start, 3),
        "intervals": [{"start": start.isoformat(), "offered": per_interval[k][0],
                       "answered_in_t": per_interval[k][1],
                       "service_level": round(per_interval[k][1] / per_interval[k][0], 4) if per_interval[k][0]
                       else None, "agents": agents}
                      for k, (start, agents) in enumerate(staffing)],
    }

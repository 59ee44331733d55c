"""The routing engine's invariants, and the simulator against Erlang C."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.routing.engine import ANY, Agent, Contact, QueueSpec, Router
from dasan.workforce.simulate import simulate_erlang


def test_simulated_service_level_agrees_with_erlang_c():
    runs = [simulate_erlang(per_day=8000, aht_s=180, agents=20, sl_seconds=20, seed=s) for s in range(6)]
    mean = float(np.mean([r["service_level"] for r in runs]))
    assert abs(mean - runs[0]["erlang_c_service_level"]) < 0.02
    r = runs[0]
    assert r["offered"] == r["answered"] and r["abandoned"] == 0
    assert sum(iv["offered"] for iv in r["intervals"]) == r["offered"] and len(r["intervals"]) == 48
    assert 0 < r["occupancy"] < 1


def test_same_seed_same_day():
    a = simulate_erlang(per_day=2000, aht_s=120, agents=5, sl_seconds=20, seed=7)
    b = simulate_erlang(per_day=2000, aht_s=120, agents=5, sl_seconds=20, seed=7)
    assert {k: v for k, v in a.items() if k != "wall_s"} == {k: v for k, v in b.items() if k != "wall_s"}


def test_cli_contract():
    out = subprocess.run([sys.executable, "-m", "dasan.cli", "sim", "erlang", "--per-day", "1000", "--aht-s", "180",
                          "--agents", "4", "--sl-seconds", "15", "--seed", "1", "--json"],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    assert {"offered", "answered", "abandoned", "service_level", "asa_s", "abandon_rate", "occupancy", "wall_s",
            "intervals", "erlang_c_service_level"} <= r.keys()


ops = st.lists(st.tuples(st.sampled_from(["arrive", "release", "abandon", "dispatch", "callback", "wait"]),
                         st.integers(0, 5), st.sampled_from(["ko", "en", "any"])), max_size=80)


def _may_serve(router: Router, contact: Contact, agent: Agent, now: float) -> bool:
    pools = router.queues[contact.queue].pools(now - contact.arrived)
    return any(p == ANY or p in agent.skills for p in pools)


@settings(max_examples=300, deadline=None)
@given(ops, st.lists(st.tuples(st.frozensets(st.sampled_from(["ko", "en"])), st.integers(1, 3)), min_size=1,
                     max_size=5))
def test_no_agent_over_capacity_and_each_contact_once(script, agent_specs):
    """Whatever happens — arrivals, releases, hang-ups, callbacks, batch dispatch after waits that
    cross the overflow threshold — no agent exceeds capacity, each contact is assigned at most once,
    only to an agent of a pool its wait allows, never after hanging up, and a contact who took the
    callback offer is never lost to abandonment."""
    router = Router.create([QueueSpec("ko", skill="ko", overflow_after_s=5.0),
                            QueueSpec("en", skill="en", priority=1), QueueSpec("any")])
    for i, (skills, cap) in enumerate(agent_specs):
        router.add_agent(Agent(id=i, skills=skills, capacity=cap))
    holding: dict[int, list[Contact]] = {i: [] for i in router.agents}
    contacts: list[Contact] = []
    assigned_ids: list[int] = []
    now = 0.0
    for op, k, queue in script:
        now += 1.0
        got: list = []
        if op == "arrive":
            c = Contact(id=len(contacts), queue=queue, arrived=now)
            contacts.append(c)
            got = [router.arrive(c)]
        elif op == "release":
            busy = [a for a, held in holding.items() if held]
            if not busy:
                continue
            agent_id = busy[k % len(busy)]
            holding[agent_id].pop(0)
            got = [router.release(agent_id, now)]
        elif op == "dispatch":
            got = router.dispatch(now)
            # Work-conserving: afterwards no waiting contact could be taken by an agent with room.
            for code in router.waiting:
                for c in router.waiting[code]:
                    if not c.abandoned:
                        assert not any(a.has_room() and _may_serve(router, c, a, now)
                                       for a in router.agents.values())
        elif op == "callback":
            if contacts:
                router.request_callback(contacts[k % len(contacts)])
            continue
        elif op == "wait":
            now += 5.0
            continue
        else:
            if contacts:
                c = contacts[k % len(contacts)]
                gone = router.abandon(c)
                assert not (gone and c.callback)
            continue
        for pair in got:
            if pair is None:
                continue
            contact, agent = pair
            assert not contact.abandoned
            assert _may_serve(router, contact, agent, now)
            holding[agent.id].append(contact)
            assigned_ids.append(contact.id)
        for a in router.agents.values():
            assert 0 <= a.load <= a.capacity and a.load == len(holding[a.id])
    assert len(assigned_ids) == len(set(assigned_ids))
    assert all(not c.abandoned for c in contacts if c.callback)


def test_overflow_widens_the_pool_after_the_threshold():
    router = Router.create([QueueSpec("vi", skill="vi", overflow_after_s=30.0, overflow_skill="en")])
    router.add_agent(Agent(id=1, skills=frozenset({"en"})))
    c = Contact(id=0, queue="vi", arrived=0.0)
    assert router.arrive(c) is None  # nobody speaks Vietnamese
    assert router.dispatch(29.0) == []
    (contact, agent), = router.dispatch(30.0)  # the English pool may take it now
    assert contact.id == 0 and agent.id == 1


def test_callback_and_bot_offers_are_made_once_when_due():
    router = Router.create([QueueSpec("general", bot_after_s=20.0, callback_after_s=60.0)])
    c = Contact(id=0, queue="general", arrived=0.0)
    router.arrive(c)
    assert router.offers_due(c, 10.0) == []
    assert router.offers_due(c, 20.0) == ["bot"]
    assert router.offers_due(c, 30.0) == []
    assert router.offers_due(c, 61.0) == ["callback"]
    assert router.request_callback(c)
    assert router.abandon(c) is False and not c.abandoned  # the callback keeps the place
    router.add_agent(Agent(id=1, available=False))
    contact, agent = router.set_available(1, True, 100.0)
    assert contact is c and agent.id == 1


def test_priority_and_aging_decide_what_a_freed_agent_takes():
    router = Router.create([QueueSpec("low", priority=0, aging_per_s=0.1), QueueSpec("high", priority=5)])
    router.add_agent(Agent(id=1))
    first = Contact(id=0, queue="low", arrived=0.0)
    assert router.arrive(first) is not None  # the free agent takes it
    old_low = Contact(id=1, queue="low", arrived=1.0)
    high = Contact(id=2, queue="high", arrived=30.0)
    router.arrive(old_low)
    router.arrive(high)
    # At t=40 the low contact has aged 3.9 points: the high-priority one (5) goes first …
    assert router.release(1, 40.0)[0].id == 2
    # … and the low one is next.
    assert router.release(1, 41.0)[0].id == 1
    # Aging wins when the low contact has waited long enough: 0.1 × 60 s > 5.
    router2 = Router.create([QueueSpec("low", priority=0, aging_per_s=0.1), QueueSpec("high", priority=5)])
    router2.add_agent(Agent(id=1))
    router2.arrive(Contact(id=0, queue="low", arrived=0.0))
    router2.arrive(Contact(id=1, queue="low", arrived=1.0))
    router2.arrive(Contact(id=2, queue="high", arrived=59.0))
    assert router2.release(1, 62.0)[0].id == 1

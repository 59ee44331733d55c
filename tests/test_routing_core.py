"""Properties of the pure routing decision."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dasan.routing.core import expected_wait_s
from dasan.routing.engine import Agent, Contact, QueueSpec, Router

SKILLS = ["ko", "en", "vi", "ksl"]

agents = st.lists(
    st.builds(Agent, id=st.integers(1, 10_000), skills=st.frozensets(st.sampled_from(SKILLS)),
              load=st.integers(0, 4), capacity=st.integers(0, 4), idle_since=st.floats(0, 1e6)),
    max_size=30, unique_by=lambda a: a.id,
)


def _eligible(agent: Agent, skill: str | None) -> bool:
    return agent.load < agent.capacity and (skill is None or skill in agent.skills)


@given(agents, st.one_of(st.none(), st.sampled_from(SKILLS)), st.booleans())
def test_contact_goes_to_the_longest_idle_eligible_agent(pool, skill, batch):
    """Both ways the engine decides — a contact arriving, and a batch dispatch over a snapshot
    (the live dispatcher) — pick the longest-idle agent with room and the skill."""
    router = Router.create([QueueSpec("q", skill=skill)])
    for a in pool:
        router.add_agent(Agent(**{**a.__dict__}))
    contact = Contact(id=1, queue="q", arrived=0.0)
    if batch:
        router.enqueue(contact)
        made = router.dispatch(1.0)
        chosen = made[0][1] if made else None
    else:
        got = router.arrive(contact)
        chosen = got[1] if got else None
    candidates = [a for a in pool if _eligible(a, skill)]
    if not candidates:
        assert chosen is None
        return
    best = min(candidates, key=lambda a: (a.idle_since, a.id))
    assert chosen is not None and chosen.id == best.id


@given(st.integers(0, 500), st.integers(0, 100), st.floats(1, 3600))
def test_wait_estimate_grows_with_position(position, agents, aht):
    w = expected_wait_s(position=position, serving_agents=agents, mean_handle_s=aht)
    if position == 0:
        assert w == 0
    elif agents == 0:
        assert w is None
    else:
        w2 = expected_wait_s(position=position + 1, serving_agents=agents, mean_handle_s=aht)
        assert w2 > w > 0

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


def test_a_queue_can_require_a_minimum_proficiency():
    from dasan.routing.engine import pool_key, skill_pools

    assert skill_pools({"vi": 3}) == {"vi", "vi:1", "vi:2", "vi:3"}
    assert pool_key("vi", 1) == "vi" and pool_key("vi", 4) == "vi:4" and pool_key(None, 3) is None
    router = Router.create([QueueSpec("lang-vi", skill=pool_key("vi", 4))])
    router.add_agent(Agent(id=1, skills=skill_pools({"vi": 3}), idle_since=0.0))  # longest idle, too junior
    router.add_agent(Agent(id=2, skills=skill_pools({"vi": 5}), idle_since=10.0))
    router.enqueue(Contact(id=1, queue="lang-vi", arrived=0.0))
    ((_, agent),) = router.dispatch(20.0)
    assert agent.id == 2


def test_live_dispatch_respects_the_minimum_proficiency(seeded):
    from sqlalchemy import select, update

    from dasan.conversations.actions import do_get_or_create_citizen, do_start_conversation
    from dasan.conversations.models import Conversation
    from dasan.db.engine import session_scope
    from dasan.orgs.actions import do_create_user
    from dasan.orgs.models import User
    from dasan.routing.dispatch import do_dispatch_round
    from dasan.routing.models import Presence, Queue
    from dasan.routing.presence import do_make_agent, do_set_presence

    with session_scope(seeded) as s:
        s.execute(update(Queue).where(Queue.code == "lang-vi").values(skill_min_level=4))
        junior = do_create_user(session=s, username="agent-vi-junior", password="junior-agent-vi-pw", role="agent")
        do_make_agent(session=s, user=junior, skills={"vi": 3, "ko": 5})
        do_set_presence(session=s, user=junior, presence=Presence.AVAILABLE)
        citizen = do_get_or_create_citizen(session=s, kind="sms", value="010-9999-0001")
        conv_id = do_start_conversation(session=s, citizen=citizen, channel="sms", lang="vi",
                                        queue_code="lang-vi").id
    with session_scope(seeded) as s:
        assert do_dispatch_round(session=s, offer_timeout_s=20) == []  # only a junior is available
    with session_scope(seeded) as s:
        senior = s.scalar(select(User).where(User.username == "agent-vi"))
        do_set_presence(session=s, user=senior, presence=Presence.AVAILABLE)
    with session_scope(seeded) as s:
        offered = do_dispatch_round(session=s, offer_timeout_s=20)
        assert [c.id for c in offered] == [conv_id]
        assert s.get(Conversation, conv_id).offered_to_id == senior.id

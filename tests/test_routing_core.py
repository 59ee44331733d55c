"""Properties of the pure routing decision."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dasan.routing.core import AgentView, choose_agent, eligible, expected_wait_s

SKILLS = ["ko", "en", "vi", "ksl"]

agents = st.lists(
    st.builds(AgentView, id=st.integers(1, 10_000), skills=st.frozensets(st.sampled_from(SKILLS)),
              load=st.integers(0, 4), capacity=st.integers(0, 4), idle_since=st.floats(0, 1e6)),
    max_size=30, unique_by=lambda a: a.id,
)


@given(agents, st.one_of(st.none(), st.sampled_from(SKILLS)))
def test_choice_is_eligible_and_longest_idle(pool, skill):
    chosen = choose_agent(pool, skill)
    candidates = [a for a in pool if eligible(a, skill)]
    if not candidates:
        assert chosen is None
        return
    assert chosen in candidates
    assert chosen.load < chosen.capacity
    assert skill is None or skill in chosen.skills
    assert all(chosen.idle_since <= a.idle_since for a in candidates)


@given(agents, st.one_of(st.none(), st.sampled_from(SKILLS)))
def test_choice_does_not_depend_on_order(pool, skill):
    assert choose_agent(pool, skill) == choose_agent(list(reversed(pool)), skill)


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

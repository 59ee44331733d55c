"""The assignment decision and the wait estimate: pure functions over explicit state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AgentView:
    """What routing needs to know about one available agent."""

    id: int
    skills: frozenset[str]
    load: int  # contacts offered to or held by the agent
    capacity: int  # contacts the agent may hold at once
    idle_since: float  # seconds since the epoch when the agent last became free


def eligible(agent: AgentView, required_skill: str | None) -> bool:
    """The agent has room and, where the queue needs one, the skill."""
    if agent.load >= agent.capacity:
        return False
    return required_skill is None or required_skill in agent.skills


def choose_agent(agents: Iterable[AgentView], required_skill: str | None) -> AgentView | None:
    """The longest-idle eligible agent (ties: lowest load, then lowest id), or None."""
    best: AgentView | None = None
    for a in agents:
        if not eligible(a, required_skill):
            continue
        if best is None or (a.idle_since, a.load, a.id) < (best.idle_since, best.load, best.id):
            best = a
    return best


def expected_wait_s(*, position: int, serving_agents: int, mean_handle_s: float) -> float | None:
    """The wait to tell the contact at `position` (1-based) in a FIFO queue served by
    `serving_agents` busy agents. With exponential handle times each agent frees up at rate
    1/AHT, so the wait until the k-th release is Gamma(k, AHT/c); we tell its median,
    ≈ (k − 1/3)·AHT/c, the figure a caller is as likely to beat as to exceed. None when nobody
    serves the queue."""
    if position <= 0:
        return 0.0
    if serving_agents <= 0:
        return None
    return (position - 1 / 3) * mean_handle_s / serving_agents

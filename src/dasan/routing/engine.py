"""The routing engine: pure state and decisions, no I/O and no clock of its own.

Used by the simulator (workforce/simulate.py) and meant to back the live dispatcher too (the
routing issue moves it over). Decisions follow routing.core: a contact goes to the longest-idle
eligible agent with room; a freed agent takes the waiting contact with the highest effective
priority (queue priority + aging × seconds waited), oldest first among equals.

Data structures keep every decision O(log n): per skill a heap of free agents keyed by when they
became free (entries are checked lazily on pop), and per queue a FIFO of waiting contacts
(abandoned contacts are skipped lazily).
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field

ANY = "*"  # the pool of every agent, for queues that need no skill


@dataclass(frozen=True)
class QueueSpec:
    code: str
    skill: str | None = None
    priority: float = 0.0
    aging_per_s: float = 0.0  # priority points gained per second of waiting


@dataclass
class Agent:
    id: int
    skills: frozenset[str] = frozenset()
    capacity: int = 1
    load: int = 0
    idle_since: float = 0.0
    available: bool = True

    def has_room(self) -> bool:
        return self.available and self.load < self.capacity


@dataclass
class Contact:
    id: int
    queue: str
    arrived: float
    abandoned: bool = False
    assigned_to: int | None = None


@dataclass
class Router:
    queues: dict[str, QueueSpec]
    agents: dict[int, Agent] = field(default_factory=dict)
    waiting: dict[str, deque[Contact]] = field(default_factory=dict)
    _free: dict[str, list[tuple[float, int, int]]] = field(default_factory=dict)  # skill -> (idle_since, id, stamp)
    _stamp: dict[int, int] = field(default_factory=dict)

    @classmethod
    def create(cls, queues: list[QueueSpec]) -> Router:
        return cls(queues={q.code: q for q in queues}, waiting={q.code: deque() for q in queues})

    # --- agents -------------------------------------------------------------------------
    def add_agent(self, agent: Agent) -> None:
        self.agents[agent.id] = agent
        self._push_free(agent)

    def set_available(self, agent_id: int, available: bool, now: float) -> tuple[Contact, Agent] | None:
        """An agent logs in / becomes ready (it may take a waiting contact at once) or stops
        taking new contacts (those it holds are finished)."""
        agent = self.agents[agent_id]
        agent.available = available
        self._stamp[agent_id] = self._stamp.get(agent_id, 0) + 1
        if not available:
            return None
        if agent.load == 0:
            agent.idle_since = now
        agent.load += 1  # release() below gives the slot back and looks for work
        return self.release(agent_id, now)

    def _push_free(self, agent: Agent) -> None:
        if not agent.has_room():
            return
        stamp = self._stamp.get(agent.id, 0) + 1
        self._stamp[agent.id] = stamp
        for skill in (*agent.skills, ANY):
            heapq.heappush(self._free.setdefault(skill, []), (agent.idle_since, agent.id, stamp))

    def _pop_free(self, skill: str | None) -> Agent | None:
        heap = self._free.get(skill or ANY)
        while heap:
            _, agent_id, stamp = heap[0]
            agent = self.agents[agent_id]
            if stamp != self._stamp.get(agent_id) or not agent.has_room():
                heapq.heappop(heap)  # stale: the agent changed since this entry was pushed
                continue
            return agent
        return None

    def _assign(self, contact: Contact, agent: Agent) -> tuple[Contact, Agent]:
        contact.assigned_to = agent.id
        agent.load += 1
        self._stamp[agent.id] = self._stamp.get(agent.id, 0) + 1  # invalidate its heap entries
        self._push_free(agent)  # still has room (chat capacity > 1): stays offerable
        return contact, agent

    # --- events ---------------------------------------------------------------------------
    def arrive(self, contact: Contact) -> tuple[Contact, Agent] | None:
        """A contact joins its queue; assigned at once when an eligible agent is free."""
        spec = self.queues[contact.queue]
        agent = self._pop_free(spec.skill)
        if agent is not None and not self.waiting[contact.queue]:
            return self._assign(contact, agent)
        self.waiting[contact.queue].append(contact)
        return None

    def release(self, agent_id: int, now: float) -> tuple[Contact, Agent] | None:
        """The agent finished a contact; it takes the most urgent contact it can serve, if any."""
        agent = self.agents[agent_id]
        agent.load -= 1
        if agent.load == 0:
            agent.idle_since = now
        best: Contact | None = None
        best_key = None
        for code, q in self.waiting.items():
            spec = self.queues[code]
            if spec.skill is not None and spec.skill not in agent.skills:
                continue
            while q and q[0].abandoned:
                q.popleft()
            if not q:
                continue
            head = q[0]
            key = (-(spec.priority + spec.aging_per_s * (now - head.arrived)), head.arrived, head.id)
            if best_key is None or key < best_key:
                best, best_key = head, key
        if best is not None and agent.has_room():
            self.waiting[best.queue].popleft()
            return self._assign(best, agent)
        self._stamp[agent.id] = self._stamp.get(agent.id, 0) + 1
        self._push_free(agent)
        return None

    def abandon(self, contact: Contact) -> bool:
        """The caller hung up while waiting; True if they were still waiting."""
        if contact.assigned_to is not None or contact.abandoned:
            return False
        contact.abandoned = True
        return True

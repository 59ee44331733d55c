"""The routing engine: pure state and decisions, no I/O and no clock of its own.

The same code decides in the simulator (workforce/simulate.py, replay.py) and in the live
dispatcher (routing/dispatch.py builds a Router from the database each round and applies its
decisions with conditional updates). Decisions follow routing.core: a contact goes to the
longest-idle eligible agent with room; a freed agent takes the waiting contact with the highest
effective priority (queue priority + aging × seconds waited), oldest first among equals.

Overflow: a queue may widen to a second skill (or to every agent) once its contact has waited
`overflow_after_s`. A queue may also offer a callback (the citizen hangs up and keeps their place:
abandonment no longer applies) and the bot after a wait; `offers_due` says which are due.

Data structures keep every decision O(log n): per skill a heap of free agents keyed by when they
became free (entries are checked lazily on pop), and per queue a FIFO of waiting contacts
(abandoned contacts are skipped lazily).
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field

ANY = "*"  # the pool of every agent, for queues that need no skill


def skill_pools(levels: dict[str, int]) -> frozenset[str]:
    """The pools an agent with these skill levels (proficiency 1–5) belongs to: each skill, and
    `skill:n` for every n up to its level, so a queue can ask for a minimum proficiency."""
    return frozenset({*levels, *(f"{code}:{n}" for code, level in levels.items() for n in range(1, level + 1))})


def pool_key(skill: str | None, min_level: int = 1) -> str | None:
    """The pool a queue draws from: its skill at a minimum proficiency (None: any agent)."""
    if skill is None:
        return None
    return skill if min_level <= 1 else f"{skill}:{min_level}"


@dataclass(frozen=True)
class QueueSpec:
    code: str
    skill: str | None = None
    priority: float = 0.0
    aging_per_s: float = 0.0  # priority points gained per second of waiting
    overflow_after_s: float | None = None  # widen to overflow_skill after this wait (None: never)
    overflow_skill: str | None = None  # the wider pool (None: any agent)
    callback_after_s: float | None = None  # offer a callback after this wait (None: never)
    bot_after_s: float | None = None  # offer the self-service bot after this wait (None: never)

    def pools(self, waited_s: float) -> tuple[str, ...]:
        """The agent pools that may take a contact of this queue that has waited `waited_s`."""
        primary = self.skill or ANY
        if self.overflow_after_s is not None and waited_s >= self.overflow_after_s:
            wider = self.overflow_skill or ANY
            if wider != primary:
                return (primary, wider)
        return (primary,)


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
    callback: bool = False  # the citizen asked to be called back: keeps its place, cannot abandon
    offered: frozenset[str] = frozenset()  # offers already made ("callback", "bot")


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

    def _peek_pool(self, pool: str) -> Agent | None:
        heap = self._free.get(pool)
        while heap:
            _, agent_id, stamp = heap[0]
            agent = self.agents[agent_id]
            if stamp != self._stamp.get(agent_id) or not agent.has_room():
                heapq.heappop(heap)  # stale: the agent changed since this entry was pushed
                continue
            return agent
        return None

    def _pop_free(self, pools: tuple[str, ...]) -> Agent | None:
        """The longest-idle agent with room in any of the pools (ties: lowest id)."""
        best: Agent | None = None
        for pool in pools:
            agent = self._peek_pool(pool)
            if agent is not None and (best is None or (agent.idle_since, agent.id) < (best.idle_since, best.id)):
                best = agent
        return best

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
        agent = self._pop_free(spec.pools(0.0))
        if agent is not None and self._head(contact.queue) is None:
            return self._assign(contact, agent)
        self.waiting[contact.queue].append(contact)
        return None

    def enqueue(self, contact: Contact) -> None:
        """Put a contact in line without trying to assign it (building state from a snapshot,
        contacts in arrival order); `dispatch` then makes the assignments."""
        self.waiting[contact.queue].append(contact)

    def _head(self, code: str) -> Contact | None:
        q = self.waiting[code]
        while q and q[0].abandoned:
            q.popleft()
        return q[0] if q else None

    def _urgency(self, spec: QueueSpec, head: Contact, now: float) -> tuple[float, float, int]:
        return (-(spec.priority + spec.aging_per_s * (now - head.arrived)), head.arrived, head.id)

    def dispatch(self, now: float) -> list[tuple[Contact, Agent]]:
        """Every assignment that can be made now: the most urgent waiting contact that some agent
        can take goes to the longest-idle such agent, until no pair is left. Used after building
        state from a snapshot and when a wait crosses an overflow threshold."""
        made: list[tuple[Contact, Agent]] = []
        while True:
            best: tuple[tuple[float, float, int], Contact, Agent] | None = None
            for code in self.waiting:
                head = self._head(code)
                if head is None:
                    continue
                spec = self.queues[code]
                agent = self._pop_free(spec.pools(now - head.arrived))
                if agent is None:
                    continue
                key = self._urgency(spec, head, now)
                if best is None or key < best[0]:
                    best = (key, head, agent)
            if best is None:
                return made
            _, head, agent = best
            self.waiting[head.queue].popleft()
            made.append(self._assign(head, agent))

    def release(self, agent_id: int, now: float) -> tuple[Contact, Agent] | None:
        """The agent finished a contact; it takes the most urgent contact it can serve, if any."""
        agent = self.agents[agent_id]
        agent.load -= 1
        if agent.load == 0:
            agent.idle_since = now
        best: Contact | None = None
        best_key = None
        pools = {*agent.skills, ANY}
        for code in self.waiting:
            head = self._head(code)
            if head is None:
                continue
            spec = self.queues[code]
            if pools.isdisjoint(spec.pools(now - head.arrived)):
                continue
            key = self._urgency(spec, head, now)
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
        if contact.assigned_to is not None or contact.abandoned or contact.callback:
            return False
        contact.abandoned = True
        return True

    def request_callback(self, contact: Contact) -> bool:
        """The citizen takes the callback offer: they keep their place in line and the agent who
        reaches them calls back. True if they were still waiting."""
        if contact.assigned_to is not None or contact.abandoned:
            return False
        contact.callback = True
        return True

    def offers_due(self, contact: Contact, now: float) -> list[str]:
        """The offers ("callback", "bot") due to a waiting contact now and not yet made; marks
        them made, so each is offered once."""
        if contact.assigned_to is not None or contact.abandoned or contact.callback:
            return []
        spec = self.queues[contact.queue]
        waited = now - contact.arrived
        due = [kind for kind, after in (("bot", spec.bot_after_s), ("callback", spec.callback_after_s))
               if after is not None and waited >= after and kind not in contact.offered]
        if due:
            contact.offered = contact.offered | frozenset(due)
        return due

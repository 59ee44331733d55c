"""Which contacts an evaluator scores this month (pure).

Each agent gets `per_agent` contacts of the period. Up to half of them (rounded up) are *targeted* — first a
citizen's low happy-call score, then a transfer, then a long contact (in the longest tenth of its
channel's contacts of the period) — and the rest are drawn at random, so an agent's scores are
not only their worst contacts. The draw is seeded by the period and the agent: the same worklist
every time it is opened, different each month."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

TARGETS = ("low_score", "transfer", "long")
LOW_SCORE = 2


@dataclass(frozen=True)
class Contact:
    id: int
    agent_id: int
    channel: str
    handle_s: float
    transfers: int = 0
    survey_score: int | None = None


def _long_cutoffs(contacts: list[Contact]) -> dict[str, float]:
    by_channel: dict[str, list[float]] = defaultdict(list)
    for c in contacts:
        by_channel[c.channel].append(c.handle_s)
    cut = {}
    for ch, times in by_channel.items():
        times.sort()
        cut[ch] = times[int(0.9 * (len(times) - 1))] if len(times) >= 10 else float("inf")
    return cut


def reasons(c: Contact, long_cut: dict[str, float]) -> list[str]:
    out = []
    if c.survey_score is not None and c.survey_score <= LOW_SCORE:
        out.append("low_score")
    if c.transfers > 0:
        out.append("transfer")
    if c.handle_s >= long_cut.get(c.channel, float("inf")) and c.handle_s > 0:
        out.append("long")
    return out


def pick(contacts: list[Contact], *, per_agent: int, seed: str, channels: frozenset[str] | None = None,
         targets: tuple[str, ...] = TARGETS, done: frozenset[int] = frozenset()) -> list[tuple[Contact, str]]:
    """(contact, why) pairs, per agent: targeted first (at most half, rounded up), then random; contacts in
    `done` (already evaluated) are not picked again but count against the agent's quota."""
    if per_agent < 1:
        raise ValueError("per_agent is at least 1")
    unknown = set(targets) - set(TARGETS)
    if unknown:
        raise ValueError(f"unknown target {sorted(unknown)[0]!r}")
    pool = [c for c in contacts if channels is None or c.channel in channels]
    long_cut = _long_cutoffs(pool)
    by_agent: dict[int, list[Contact]] = defaultdict(list)
    for c in sorted(pool, key=lambda c: c.id):
        by_agent[c.agent_id].append(c)
    out: list[tuple[Contact, str]] = []
    for agent_id in sorted(by_agent):
        mine = by_agent[agent_id]
        quota = per_agent - sum(1 for c in mine if c.id in done)
        if quota <= 0:
            continue
        rng = random.Random(f"{seed}:{agent_id}")
        free = [c for c in mine if c.id not in done]
        rng.shuffle(free)
        chosen: list[tuple[Contact, str]] = []
        for target in targets:  # in order of what matters most
            for c in free:
                if len(chosen) >= (per_agent + 1) // 2 or len(chosen) >= quota:
                    break
                if target in reasons(c, long_cut) and all(c is not x for x, _ in chosen):
                    chosen.append((c, target))
        for c in free:
            if len(chosen) >= quota:
                break
            if all(c is not x for x, _ in chosen):
                chosen.append((c, "random"))
        out.extend(chosen)
    return out

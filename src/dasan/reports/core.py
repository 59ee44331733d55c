"""Interval statistics and KPIs: pure functions over explicit rows (times in epoch seconds).

Definitions (the usual contact-centre ones, stated so the numbers can be checked by hand):
- offered: contacts that entered a queue in the interval (the bot's contained contacts never
  queue, so they are not offered to agents);
- answered / abandoned: of those, answered by an agent / given up while waiting;
- service level ("15-second answer rate"): answered within the queue's target seconds ÷ offered
  (an abandoned contact counts against it, whatever its wait);
- answer rate: answered ÷ offered; abandonment rate: abandoned ÷ offered;
- ASA: mean wait of the answered contacts; handle time: mean of answer → close (wrap-up included);
- occupancy: agent time spent holding at least one contact ÷ agent time staffed (available, after-
  contact work, or holding a contact), so a chat agent with three contacts at once is not 300 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

STAFFED_STATES = frozenset({"available", "acw"})


@dataclass(frozen=True)
class ContactRow:
    queue: str
    queued_at: float
    answered_at: float | None = None
    abandoned: bool = False
    handle_s: float | None = None  # answer → close, when closed with a record


@dataclass(frozen=True)
class Bucket:
    start: float
    end: float
    offered: int
    answered: int
    answered_in_t: int
    abandoned: int
    service_level: float | None
    answer_rate: float | None
    abandon_rate: float | None
    asa_s: float | None
    aht_s: float | None
    occupancy: float | None
    staffed_agents: float  # mean number of agents staffed during the bucket

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def merge(segments: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of half-open segments, as disjoint sorted segments."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(s for s in segments if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def overlap(segments: list[tuple[float, float]], start: float, end: float) -> float:
    """Seconds of the (disjoint) segments inside [start, end)."""
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in segments)


def staffed_segments(changes: list[tuple[float, str]], until: float) -> list[tuple[float, float]]:
    """From one agent's state changes (time, state), sorted, the segments spent staffed."""
    out = []
    for (t, state), nxt in zip(changes, [*changes[1:], (until, "")], strict=True):
        if state in STAFFED_STATES:
            out.append((t, min(nxt[0], until)))
    return merge(out)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def bucket(contacts: list[ContactRow], *, start: float, end: float, sl_seconds: dict[str, float],
           busy: dict[int, list[tuple[float, float]]], staffed: dict[int, list[tuple[float, float]]]) -> Bucket:
    """The statistics of the contacts that queued in [start, end) and of agent time in it."""
    mine = [c for c in contacts if start <= c.queued_at < end]
    waits = [(c, c.answered_at - c.queued_at) for c in mine if c.answered_at is not None]
    answered = [c for c, _ in waits]
    in_t = sum(1 for c, w in waits if w <= sl_seconds.get(c.queue, 15.0))
    abandoned = sum(1 for c in mine if c.answered_at is None and c.abandoned)
    handled = [c.handle_s for c in answered if c.handle_s is not None]
    busy_s = sum(overlap(segs, start, end) for segs in busy.values())
    staffed_s = sum(overlap(merge([*staffed.get(a, []), *busy.get(a, [])]), start, end)
                    for a in set(staffed) | set(busy))
    n = len(mine)
    return Bucket(
        start=start, end=end, offered=n, answered=len(answered), answered_in_t=in_t, abandoned=abandoned,
        service_level=_ratio(in_t, n), answer_rate=_ratio(len(answered), n), abandon_rate=_ratio(abandoned, n),
        asa_s=round(sum(w for _, w in waits) / len(waits), 1) if waits else None,
        aht_s=round(sum(handled) / len(handled), 1) if handled else None,
        occupancy=_ratio(busy_s, staffed_s), staffed_agents=round(staffed_s / (end - start), 2),
    )


def intervals(contacts: list[ContactRow], *, start: float, end: float, interval_s: float,
              sl_seconds: dict[str, float], busy: dict[int, list[tuple[float, float]]],
              staffed: dict[int, list[tuple[float, float]]]) -> tuple[list[Bucket], Bucket]:
    """Buckets of `interval_s` over [start, end), and the totals over the whole range."""
    if interval_s <= 0 or end <= start:
        raise ValueError("the interval must be positive and the range not empty")
    busy = {a: merge(s) for a, s in busy.items()}
    by_bucket: dict[int, list[ContactRow]] = {}
    for c in contacts:
        if start <= c.queued_at < end:
            by_bucket.setdefault(int((c.queued_at - start) // interval_s), []).append(c)
    rows = []
    k = 0
    while start + k * interval_s < end:
        t = start + k * interval_s
        rows.append(bucket(by_bucket.get(k, []), start=t, end=min(t + interval_s, end), sl_seconds=sl_seconds,
                           busy=busy, staffed=staffed))
        k += 1
    return rows, bucket(contacts, start=start, end=end, sl_seconds=sl_seconds, busy=busy, staffed=staffed)

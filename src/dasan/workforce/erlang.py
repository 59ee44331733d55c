"""Erlang C staffing: pure functions, numerically stable for thousands of agents.

Erlang B is computed with its recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), which never
overflows (unlike the textbook factorial form), and Erlang C from it:
C(n, A) = n·B / (n − A·(1 − B)). Service level for a target of T seconds:
SL = 1 − C·exp(−(n − A)·T / AHT); average speed of answer ASA = C·AHT / (n − A).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def traffic(calls: float, interval_s: float, aht_s: float) -> float:
    """Offered load in Erlangs."""
    if interval_s <= 0 or aht_s <= 0 or calls < 0:
        raise ValueError("calls must be ≥ 0 and interval and handle time > 0")
    return calls * aht_s / interval_s


def erlang_b(a: float, n: int) -> float:
    """Blocking probability of an M/M/n/n system with offered load a."""
    if n < 0 or a < 0:
        raise ValueError("agents and traffic must be non-negative")
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(a: float, n: int) -> float:
    """Probability that a contact waits (M/M/n); 1 when the queue is unstable (n ≤ a)."""
    if n <= a:
        return 1.0
    b = erlang_b(a, n)
    return n * b / (n - a * (1.0 - b))


def service_level(a: float, n: int, aht_s: float, t_s: float) -> float:
    """Share of contacts answered within t_s seconds."""
    if n <= a:
        return 0.0
    return 1.0 - erlang_c(a, n) * math.exp(-(n - a) * t_s / aht_s)


def asa(a: float, n: int, aht_s: float) -> float:
    """Average speed of answer over all contacts, seconds (inf when unstable)."""
    if n <= a:
        return math.inf
    return erlang_c(a, n) * aht_s / (n - a)


@dataclass(frozen=True)
class Staffing:
    agents: int
    service_level: float
    p_wait: float
    asa_s: float
    occupancy: float
    traffic: float


def staff(*, calls: float, interval_s: float, aht_s: float, target_sl: float, sl_seconds: float,
          max_agents: int = 100_000) -> Staffing:
    """The fewest agents whose Erlang C service level reaches the target."""
    if not 0 < target_sl < 1:
        raise ValueError("target service level must be between 0 and 1")
    a = traffic(calls, interval_s, aht_s)
    n = max(1, math.floor(a) + 1)
    while service_level(a, n, aht_s, sl_seconds) < target_sl:
        n += 1
        if n > max_agents:
            raise ValueError("no staffing up to max_agents reaches the target")
    if calls == 0:
        n = 0
    return Staffing(agents=n, service_level=1.0 if n == 0 else service_level(a, n, aht_s, sl_seconds),
                    p_wait=0.0 if n == 0 else erlang_c(a, n), asa_s=0.0 if n == 0 else asa(a, n, aht_s),
                    occupancy=0.0 if n == 0 else a / n, traffic=a)

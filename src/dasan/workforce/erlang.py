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


def service_level(a: float, n: int, aht_s: float, t_s: float, cv2: float = 1.0) -> float:
    """Share of contacts answered within t_s seconds.

    `cv2` is the squared coefficient of variation of handle times (1 for exponential, where this is
    exactly Erlang C). Other values use the Allen–Cunneen approximation for M/G/n: waits scale by
    (1 + cv²)/2, so heavy-tailed handle times (cv² > 1, as real calls have) need more agents."""
    if n <= a:
        return 0.0
    return 1.0 - erlang_c(a, n) * math.exp(-(n - a) * t_s / aht_s * 2.0 / (1.0 + cv2))


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
          max_agents: int = 100_000, cv2: float = 1.0) -> Staffing:
    """The fewest agents whose Erlang C service level (Allen–Cunneen with `cv2` ≠ 1) reaches the target."""
    if not 0 < target_sl < 1:
        raise ValueError("target service level must be between 0 and 1")
    a = traffic(calls, interval_s, aht_s)
    n = max(1, math.floor(a) + 1)
    while service_level(a, n, aht_s, sl_seconds, cv2) < target_sl:
        n += 1
        if n > max_agents:
            raise ValueError("no staffing up to max_agents reaches the target")
    if calls == 0:
        n = 0
    return Staffing(agents=n, service_level=1.0 if n == 0 else service_level(a, n, aht_s, sl_seconds, cv2),
                    p_wait=0.0 if n == 0 else erlang_c(a, n), asa_s=0.0 if n == 0 else asa(a, n, aht_s),
                    occupancy=0.0 if n == 0 else a / n, traffic=a)


# --- Erlang A (M/M/n+M): callers abandon after an exponential patience --------------------------


@dataclass(frozen=True)
class ErlangA:
    agents: int
    service_level: float  # answered within T ÷ offered (an abandoned caller is never in time)
    p_wait: float  # an arriving caller finds every agent busy
    p_abandon: float
    asa_s: float  # mean time in queue over all callers (served and abandoned): E[queue] / λ
    occupancy: float  # served load ÷ agents
    traffic: float


def erlang_a(*, calls: float, interval_s: float, aht_s: float, patience_s: float, agents: int,
             sl_seconds: float) -> ErlangA:
    """Erlang A for one interval: the birth–death chain of M/M/n+M solved numerically.

    States k = callers in the system; deaths are n·μ + (k − n)·θ above n agents, with μ = 1/AHT and
    θ = 1/patience. The chain is truncated where its tail is below 1e-15 of its mass (the abandon
    rate makes it stable for any n). A caller who finds j others waiting is answered within T when
    the j + 1 departures ahead of it (rates n·μ + iθ) all happen before T and before its own
    patience runs out: exponential tilting turns that into Π rᵢ/(rᵢ+θ) · P(hypoexponential with
    rates rᵢ + θ ≤ T), computed for every j at once by uniformisation.
    """
    if agents < 0 or patience_s <= 0:
        raise ValueError("agents must be ≥ 0 and patience > 0")
    lam = calls / interval_s if interval_s > 0 else -1.0
    a = traffic(calls, interval_s, aht_s)
    if lam == 0:
        return ErlangA(agents, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    mu, theta, n = 1.0 / aht_s, 1.0 / patience_s, agents
    # Stationary distribution in log space (no overflow for thousands of agents).
    logp = [0.0]
    k = 0
    while True:
        k += 1
        death = (min(k, n) * mu) + max(k - n, 0) * theta
        logp.append(logp[-1] + math.log(lam) - math.log(death))
        if k > n and k > a + 10 and logp[-1] < max(logp) - 36:  # e^-36 ≈ 2e-16
            break
    top = max(logp)
    p = [math.exp(x - top) for x in logp]
    total = sum(p)
    p = [x / total for x in p]
    p_wait = sum(p[n:])
    queue = sum((k - n) * p[k] for k in range(n + 1, len(p)))
    p_abandon = theta * queue / lam
    # Answered within T.
    answered_in_t = sum(p[:n])
    jmax = len(p) - n - 1
    if jmax >= 0 and n > 0:
        rates = [n * mu + i * theta for i in range(jmax + 1)]  # departures ahead when i are ahead
        q = [r + theta for r in rates]  # tilted stage rates
        uni = max(q)
        m_mean = uni * sl_seconds
        m_max = int(m_mean + 12 * math.sqrt(m_mean) + 30)
        # v[i] = P(absorbed within m uniformised steps with i stages left); i stages left means the
        # next stage has rate q[i - 1] (i − 1 callers still ahead).
        v = [1.0] + [0.0] * (jmax + 1)
        pois = math.exp(-m_mean)
        cdf = [pois * x for x in v]
        for m in range(1, m_max + 1):
            v = [1.0] + [(q[i - 1] / uni) * v[i - 1] + (1 - q[i - 1] / uni) * v[i] for i in range(1, jmax + 2)]
            pois *= m_mean / m
            for i in range(jmax + 2):
                cdf[i] += pois * v[i]
        tilt = 1.0
        for j in range(jmax + 1):
            tilt *= rates[j] / (rates[j] + theta)
            answered_in_t += p[n + j] * tilt * min(1.0, cdf[j + 1])
    served_load = a * (1 - p_abandon)
    return ErlangA(agents=n, service_level=min(1.0, answered_in_t), p_wait=p_wait, p_abandon=p_abandon,
                   asa_s=queue / lam, occupancy=served_load / n if n else 0.0, traffic=a)


def staff_a(*, calls: float, interval_s: float, aht_s: float, patience_s: float, target_sl: float,
            sl_seconds: float, max_agents: int = 100_000) -> ErlangA:
    """The fewest agents whose Erlang A service level reaches the target."""
    if not 0 < target_sl < 1:
        raise ValueError("target service level must be between 0 and 1")
    if calls == 0:
        return erlang_a(calls=0, interval_s=interval_s, aht_s=aht_s, patience_s=patience_s, agents=0,
                        sl_seconds=sl_seconds)
    n = max(1, math.floor(traffic(calls, interval_s, aht_s) * 0.5))
    while True:
        r = erlang_a(calls=calls, interval_s=interval_s, aht_s=aht_s, patience_s=patience_s, agents=n,
                     sl_seconds=sl_seconds)
        if r.service_level >= target_sl:
            return r
        n += 1
        if n > max_agents:
            raise ValueError("no staffing up to max_agents reaches the target")

"""The wait estimate told to citizens: a pure function over explicit state (the assignment
decisions are in routing.engine)."""

from __future__ import annotations


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


GENERAL_QUEUE = "general"


def queue_for(lang: str, default_lang: str) -> str:
    """The service line a contact in `lang` joins: the general line for the center's own
    language, that language's line otherwise (the center's foreign-language lines)."""
    return GENERAL_QUEUE if lang == default_lang else f"lang-{lang}"

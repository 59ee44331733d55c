"""Pure rules of delivery: retry backoff, and how a text fits an SMS."""

from __future__ import annotations

import random

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def backoff_s(attempts: int, *, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None) -> float:
    """Seconds before the next try after `attempts` failed ones: exponential with full jitter
    (so a gateway coming back is not hit by every waiting message at the same instant)."""
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def sms_coding(text: str) -> int:
    """Kannel's coding: 0 for the GSM 7-bit alphabet, 2 for UCS-2 (Korean always needs it)."""
    return 0 if all(ch in GSM7 for ch in text) else 2


def sms_parts(text: str) -> int:
    """How many SMS a text takes: 160 / 153 characters in GSM 7-bit, 70 / 67 in UCS-2
    (UTF-16 code units), the second figure for each part of a concatenated message."""
    if sms_coding(text) == 0:
        n, single, multi = len(text), 160, 153
    else:
        n, single, multi = len(text.encode("utf-16-be")) // 2, 70, 67
    return 1 if n <= single else -(-n // multi)

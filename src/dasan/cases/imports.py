"""Importing other cities' service requests (NYC 311's open-data JSON) as Open311 requests: each
request type is mapped to one of our services by the words both use (the service's English name,
keywords and group against the request's complaint type and descriptor), never by a table of the
other city's types; what matches nothing is reported unmapped."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

STOP = {"a", "an", "and", "the", "of", "or", "to", "in", "on", "for", "with", "other", "general", "condition",
        "complaint", "request", "n", "na", "service", "services", "issue", "problem", "s", "illegal"}


def words(text: str) -> set[str]:
    """Lower-case word stems (a trailing plural s dropped), without stop words."""
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if w not in STOP and len(w) > 1:
            out.add(w)
    return out


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    text: str  # keywords, group


def best_service(kind: str, detail: str, services: list[Service]) -> str | None:
    """The service sharing the most words with the request: a word of the service's name weighs
    three times a keyword, a word of the request type twice a word of its descriptor; None when
    nothing is shared."""
    main, extra = words(kind), words(detail) - words(kind)
    best, best_score = None, 0.0
    for s in services:
        name, vocab = words(s.name), words(s.text) | words(s.name)
        score = sum((3 if w in name else 1) * (2 if w in main else 1) for w in (main | extra) & vocab)
        if score > best_score:
            best, best_score = s.code, score
    return best


def mapping_report(records: list[dict], services: list[Service]) -> dict:
    """How the records' request types map onto our services (pure)."""
    by_type: Counter = Counter()
    chosen: dict[tuple[str, str], str | None] = {}
    for r in records:
        key = (str(r.get("complaint_type") or ""), str(r.get("descriptor") or ""))
        if key not in chosen:
            chosen[key] = best_service(*key, services)
        by_type[key] += 1
    mapped = sum(n for k, n in by_type.items() if chosen[k])
    per_service: Counter = Counter()
    for k, n in by_type.items():
        per_service[chosen[k] or "(unmapped)"] += n
    return {"n": len(records), "mapped": mapped, "mapped_share": round(mapped / len(records), 4) if records else None,
            "by_service": dict(per_service.most_common()),
            "types": [{"complaint_type": k[0], "descriptor": k[1], "service_code": chosen[k], "count": n}
                      for k, n in by_type.most_common()]}

"""Open data (M16, issue 17): a day's consultation and case records published in the style of NYC
311's open data, with no personal data and no small groups (pure; `service.py` gathers the rows).

What is published is chosen field by field (`FIELDS`, which is also the data dictionary): no free
text, no names, numbers, addresses or coordinates. Dates are days, not times. Every combination of
the quasi-identifiers (`QUASI`) that is published covers at least `K` records. Records in a
smaller group first lose their closing date, then their district and department, then their
category (each written as `*`, "withheld"). A record still in a group smaller than `K` is left
out, and the count of those is published beside the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from dasan.core import csvfile

K = 10
WITHHELD = "*"

# name, type, description — in the order of the CSV's columns
FIELDS: list[tuple[str, str, str]] = [
    ("unique_key", "text", "The record's key: C + a number for a consultation, the case number for a case."),
    ("record_type", "text", "consultation (a contact answered by the center) or case (a matter handed to a "
                            "department)."),
    ("created_date", "date", "The day, in the center's time zone, the contact came in or the case was opened."),
    ("closed_date", "date", "The day the consultation closed or the case was resolved; empty while open; * when "
                            "withheld to keep groups of at least 10."),
    ("channel", "text", "How it reached the center: voice, webchat, sms, email, kakao, video, open311 …"),
    ("category", "text", "The consultation's category, or the case's type; * when withheld."),
    ("district", "text", "The district (local government) of the case's department; empty for a city-wide "
                         "matter or a consultation without a case; * when withheld."),
    ("department", "text", "The department a case was handed to; empty for consultations; * when withheld."),
    ("status", "text", "closed for consultations; open, in_progress, returned or resolved for cases."),
    ("resolution", "text", "A consultation's outcome (solved, transferred, callback, abandoned); a case's: "
                           "on_time or late when resolved, overdue when open past its deadline."),
]
QUASI = ("record_type", "created_date", "closed_date", "channel", "category", "district", "department")
# What a record in a small group gives up, step by step, before it is left out.
GENERALISE: tuple[tuple[str, ...], ...] = (("closed_date",), ("district", "department"), ("category",))


def anonymise(rows: Iterable[dict], k: int = K) -> tuple[list[dict], int]:
    """(the rows to publish, how many were left out): every published combination of `QUASI` has
    at least `k` rows."""
    published: list[dict] = []
    pending = [dict(r) for r in rows]
    for step in (*GENERALISE, None):
        groups = Counter(tuple(r[q] for q in QUASI) for r in pending)
        published += [r for r in pending if groups[tuple(r[q] for q in QUASI)] >= k]
        pending = [r for r in pending if groups[tuple(r[q] for q in QUASI)] < k]
        if step is None or not pending:
            break
        for r in pending:
            for f in step:
                r[f] = WITHHELD
    published.sort(key=lambda r: (r["record_type"], r["unique_key"]))
    return published, len(pending)


def dictionary() -> dict:
    return {"fields": [{"name": n, "type": t, "description": d} for n, t, d in FIELDS],
            "quasi_identifiers": list(QUASI), "k": K, "withheld": WITHHELD,
            "notes": "No free text, names, phone numbers, addresses or coordinates are published. A record "
                     "whose combination of quasi-identifiers is shared by fewer than k records loses, in "
                     "turn, its closing date, its district and department, its category; if it is still in "
                     "a group smaller than k it is left out and counted in `suppressed`."}


def to_csv(rows: list[dict]) -> str:
    return csvfile.to_csv([n for n, _t, _d in FIELDS], rows)

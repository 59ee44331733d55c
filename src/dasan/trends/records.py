"""`dasan trends detect`: a file of consultation records run through the emerging-issue detector
as if they arrived live (CSV: id, created_at ISO 8601 with offset, text, category, district,
channel; category and district may be empty)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from dasan.trends import terms
from dasan.trends.detect import CATEGORY, PAIR, Params, Record, detect

COLUMNS = ("id", "created_at", "text", "category", "district", "channel")
MAX_TEXT = 20_000


def read_records(path: Path) -> list[Record]:
    """The records of a CSV file, checked: a bad row is an error naming its line, nothing is guessed."""
    out: list[Record] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("id", "created_at", "text") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (need {', '.join(COLUMNS)})")
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            rid = (row.get("id") or "").strip()
            if not rid:
                raise ValueError(f"{path}, line {line}: empty id")
            if rid in seen:
                raise ValueError(f"{path}, line {line}: id {rid!r} appears twice")
            seen.add(rid)
            raw = (row.get("created_at") or "").strip()
            try:
                at = datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError(f"{path}, line {line}: created_at {raw!r} is not an ISO 8601 time") from None
            if at.tzinfo is None:
                raise ValueError(f"{path}, line {line}: created_at {raw!r} has no UTC offset")
            out.append(Record(id=rid, at=at, text=(row.get("text") or "")[:MAX_TEXT],
                              category=(row.get("category") or "").strip(),
                              district=(row.get("district") or "").strip(),
                              channel=(row.get("channel") or "").strip()))
    return out


def features_of(records: list[Record]) -> dict[str, frozenset[str]]:
    """Each record's features: its words, the pairs of words close together, and its category."""
    words = terms.extract_many([r.text for r in records])
    return {r.id: frozenset(w) | pairs(w) | ({CATEGORY + r.category} if r.category else frozenset())
            for r, w in zip(records, words, strict=True)}


def pairs(words: list[str], reach: int = 3) -> frozenset[str]:
    """Two words at most `reach` apart, as one feature: far rarer than either word, so a burst of
    a topic said in everyday words ("산재" + "보험", "생활 안정 자금") stands out where each word
    alone is common. Near neighbours only, so a long text gives pairs in proportion to its length."""
    return frozenset(PAIR.join(sorted((a, b))) for i, a in enumerate(words) for b in words[i + 1:i + 1 + reach])


def run(path: Path, params: Params | None = None) -> dict:
    records = read_records(path)
    feats = features_of(records)
    alerts = detect(records, lambda r: feats[r.id], params)
    return {"alerts": [a.as_dict() for a in alerts]}

"""`dasan kb eval` and `dasan kb calibrate`: retrieval quality, the bot's answer decisions, latency.

The bot answers a query itself only when the best article is both clearly ahead of the next one
(fused-score margin) and close to the query in absolute terms (dense cosine); otherwise it offers
choices or hands off. Those thresholds come from the collection itself (`calibrate.py`), as in
the running service: `kb eval` calibrates on the articles it is given, never on the queries.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from dasan.knowledge.calibrate import NEVER, Calibration, Decision, calibrate_index
from dasan.knowledge.search import Doc, Result, SearchIndex

FALLBACK_LANG = "ko"


def thresholds(d: Decision) -> dict:
    """A decision as JSON can carry it: null thresholds when the bot never answers by itself."""
    if d == NEVER:
        return {"margin": None, "cos": None, "answers": False}
    return {"margin": d.margin, "cos": d.cos, "answers": True}


def decision_for(calibrations: dict[str, Calibration], lang: str) -> Decision:
    """A language's thresholds; one too small to measure borrows the best-measured language's."""
    cal = calibrations.get(lang)
    if cal is not None and cal.measured:
        return cal.decision
    measured = [c for c in calibrations.values() if c.measured]
    if not measured:
        return NEVER
    return max(measured, key=lambda c: (c.positives + c.negatives, c.answered_rate)).decision


def read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from None
        missing = [k for k in required if k not in row]
        if missing:
            raise ValueError(f"{path}:{n}: missing {', '.join(missing)}")
        rows.append(row)
    return rows


def docs_from_articles(rows: list[dict]) -> list[Doc]:
    return [Doc(id=str(r["id"]), title=r.get("title", ""), questions=list(r.get("questions") or []),
                body=r.get("body", ""), lang=r.get("lang", "ko")) for r in rows]


def run_queries(index: SearchIndex, queries: list[dict]) -> tuple[list[Result], list[float]]:
    results, times = [], []
    for q in queries:
        t0 = time.perf_counter()
        results.append(index.search(q["query"], k=10))
        times.append(time.perf_counter() - t0)
    return results, times


def evaluate(articles: Path, queries: Path, profile: str = "accurate") -> dict:
    arts = read_jsonl(articles, ("id", "title"))
    qs = read_jsonl(queries, ("query", "expected"))
    index = SearchIndex(profile)
    t0 = time.perf_counter()
    index.build(docs_from_articles(arts))
    index_s = time.perf_counter() - t0
    results, times = run_queries(index, qs)
    t0 = time.perf_counter()
    calibrations = calibrate_index(index)
    calibrate_s = time.perf_counter() - t0
    answerable = [i for i, q in enumerate(qs) if q["expected"] is not None]
    ranks = []
    for i in answerable:
        ids = [h.id for h in results[i].hits]
        exp = str(qs[i]["expected"])
        ranks.append(ids.index(exp) + 1 if exp in ids else None)
    answered = correct = 0
    for q, r in zip(qs, results, strict=True):
        if decision_for(calibrations, q.get("lang", FALLBACK_LANG)).answers(r):
            answered += 1
            correct += q["expected"] is not None and r.hits[0].id == str(q["expected"])
    n_ans = len(answerable)
    return {
        "n": len(qs),
        "top1": round(sum(r == 1 for r in ranks) / n_ans, 4) if n_ans else None,
        "top3": round(sum(r is not None and r <= 3 for r in ranks) / n_ans, 4) if n_ans else None,
        "mrr": round(sum(1 / r for r in ranks if r) / n_ans, 4) if n_ans else None,
        "answered_rate": round(answered / len(qs), 4) if qs else None,
        "answered_precision": round(correct / answered, 4) if answered else None,
        "p50_ms": round(float(np.percentile(times, 50)) * 1000, 2) if times else None,
        "p95_ms": round(float(np.percentile(times, 95)) * 1000, 2) if times else None,
        "index_s": round(index_s, 2),
        "calibrate_s": round(calibrate_s, 2),
        "profile": profile,
        "articles": len(arts),
        "thresholds": {lang: thresholds(c.decision) for lang, c in calibrations.items()},
    }


def calibrate(docs: list[Doc], profile: str = "accurate") -> dict:
    """What the bot would use for these articles: thresholds per language and how they did on the
    pseudo-queries they were set from."""
    index = SearchIndex(profile)
    index.build(docs)
    return {"profile": profile, "articles": len(docs),
            "languages": {lang: {**thresholds(c.decision), "pseudo_with_answer": c.positives,
                                 "pseudo_without_answer": c.negatives, "pseudo_answered_rate": c.answered_rate,
                                 "pseudo_precision": c.precision, "pseudo_negative_pass": c.negative_pass}
                          for lang, c in calibrate_index(index).items()}}

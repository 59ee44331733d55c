"""`dasan kb eval` and `dasan kb calibrate`: retrieval quality, the bot's answer decisions, latency.

The bot answers a query itself only when the best article is both clearly ahead of the next one
(fused-score margin) and close to the query in absolute terms (dense cosine); otherwise it offers
choices or hands off. Those two thresholds are calibrated per profile and language from
development data (`dasan kb calibrate`), stored in calibration.json, never set by hand.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dasan.knowledge.search import Doc, Result, SearchIndex

CALIBRATION = Path(__file__).with_name("calibration.json")
FALLBACK_LANG = "ko"


@dataclass
class Decision:
    margin: float
    cos: float

    def answers(self, r: Result) -> bool:
        return bool(r.hits) and r.margin >= self.margin and r.top_cos >= self.cos


def load_decisions(profile: str) -> dict[str, Decision]:
    """Per-language thresholds of a profile (the Korean ones stand in where a language has none)."""
    data = json.loads(CALIBRATION.read_text(encoding="utf-8")) if CALIBRATION.exists() else {}
    return {lang: Decision(**v) for lang, v in data.get(profile, {}).items() if lang != "_source"}


def decision_for(decisions: dict[str, Decision], lang: str) -> Decision:
    return decisions.get(lang) or decisions.get(FALLBACK_LANG) or Decision(margin=np.inf, cos=np.inf)


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
    decisions = load_decisions(profile)
    answerable = [i for i, q in enumerate(qs) if q["expected"] is not None]
    ranks = []
    for i in answerable:
        ids = [h.id for h in results[i].hits]
        exp = str(qs[i]["expected"])
        ranks.append(ids.index(exp) + 1 if exp in ids else None)
    answered = correct = 0
    for q, r in zip(qs, results, strict=True):
        if decision_for(decisions, q.get("lang", FALLBACK_LANG)).answers(r):
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
        "profile": profile,
        "articles": len(arts),
    }


def calibrate(articles: Path, queries: Path, negatives: Path | None, profile: str, lang: str,
              min_precision: float = 0.96, max_negative_pass: float = 0.03) -> dict:
    """Thresholds that answer the most dev queries at `min_precision` while letting at most
    `max_negative_pass` of out-of-scope negatives (e.g. small talk) through; written to
    calibration.json."""
    arts = read_jsonl(articles, ("id", "title"))
    qs = [q for q in read_jsonl(queries, ("query", "expected")) if q.get("lang", lang) == lang]
    index = SearchIndex(profile)
    index.build(docs_from_articles(arts))
    results, _ = run_queries(index, qs)
    m = np.array([r.margin for r in results])
    c = np.array([r.top_cos for r in results])
    ok = np.array([q["expected"] is not None and bool(r.hits) and r.hits[0].id == str(q["expected"])
                   for q, r in zip(qs, results, strict=True)])
    neg_m = neg_c = np.zeros(0)
    if negatives is not None:
        texts = _negative_texts(negatives)
        neg, _ = run_queries(index, [{"query": t} for t in texts])
        neg_m = np.array([r.margin for r in neg])
        neg_c = np.array([r.top_cos for r in neg])
    best = None
    for mt in np.quantile(m, np.linspace(0, 0.5, 26)):
        for ct in np.quantile(c, np.linspace(0, 0.3, 31)):
            a = (m >= mt) & (c >= ct)
            if not a.any() or ok[a].mean() < min_precision:
                continue
            if neg_m.size and ((neg_m >= mt) & (neg_c >= ct)).mean() > max_negative_pass:
                continue
            if best is None or a.mean() > best[0]:
                best = (a.mean(), float(mt), float(ct), float(ok[a].mean()))
    if best is None:
        raise ValueError("no thresholds reach the precision on this data")
    data = json.loads(CALIBRATION.read_text(encoding="utf-8")) if CALIBRATION.exists() else {}
    data.setdefault(profile, {})[lang] = {"margin": round(best[1], 4), "cos": round(best[2], 4)}
    data.setdefault("_source", {})[f"{profile}/{lang}"] = {
        "articles": str(articles.name), "queries": str(queries.name),
        "negatives": negatives.name if negatives else None, "min_precision": min_precision,
        "max_negative_pass": max_negative_pass, "dev_answered_rate": round(float(best[0]), 4),
        "dev_precision": round(best[3], 4),
    }
    CALIBRATION.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {"profile": profile, "lang": lang, **data[profile][lang], "dev_answered_rate": round(float(best[0]), 4),
            "dev_precision": round(float(best[3]), 4)}


def _negative_texts(path: Path, limit: int = 600) -> list[str]:
    """Out-of-scope examples: a CSV with a Q column (small talk) or a JSONL with query/text."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as f:
            rows = [r["Q"] for r in csv.DictReader(f) if r.get("Q")]
    else:
        rows = [r.get("query") or r.get("text") for r in read_jsonl(path, ())]
    step = max(1, len(rows) // limit)
    return [t for t in rows[::step] if t][:limit]

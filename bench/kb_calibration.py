"""How the self-calibration's rates carry over to real queries, collection by collection.

For each collection (articles + queries JSONL) it runs the pseudo-queries of
dasan.knowledge.calibrate once, then for each (min precision, max pass of questions without an
answer, max pass of out-of-scope messages) prints the thresholds chosen from the articles alone
and what they give on the real queries (answered rate, answered precision).
Chosen on one collection, judged on the other: docs/performance.md.

Usage: kb_calibration.py A_articles.jsonl A_queries.jsonl [B_articles.jsonl B_queries.jsonl ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dasan.knowledge.calibrate import choose, outside_trials, trials
from dasan.knowledge.evaluation import docs_from_articles, read_jsonl, run_queries
from dasan.knowledge.search import SearchIndex

PAIRS = [(p, r, o) for p in (0.9, 0.95) for r in (0.05, 0.1, 0.2, 0.25, 0.3, 0.4) for o in (0.05, 0.1)]


def main() -> None:
    files = sys.argv[1:]
    for fa, fq in zip(files[0::2], files[1::2], strict=True):
        index = SearchIndex("accurate")
        index.build(docs_from_articles(read_jsonl(Path(fa), ("id", "title"))))
        qs = read_jsonl(Path(fq), ("query", "expected"))
        results, _ = run_queries(index, qs)
        pos, neg = trials(index, lang="ko")
        outside = outside_trials(index, lang="ko")
        for p, r, o in PAIRS:
            cal = choose(pos, neg, outside, min_precision=p, max_negative_pass=r, max_outside_pass=o)
            d = cal.decision
            ans = [q for q, res in zip(qs, results, strict=True) if d.answers(res)]
            right = sum(1 for q, res in zip(qs, results, strict=True)
                        if d.answers(res) and res.hits[0].id == str(q["expected"]))
            print(json.dumps({"collection": Path(fa).stem, "min_precision": p,
                              "max_negative_pass": r, "max_outside_pass": o,
                              "margin": d.margin, "cos": d.cos, "pseudo": [cal.positives, cal.negatives, len(outside)],
                              "pseudo_answered": cal.answered_rate, "pseudo_precision": cal.precision,
                              "answered_rate": round(len(ans) / len(qs), 4),
                              "answered_precision": round(right / len(ans), 4) if ans else None}), flush=True)


if __name__ == "__main__":
    main()

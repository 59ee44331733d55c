"""Search latency with long article bodies (a timing only: the texts are shuffled real ones).

The development collections have short bodies (welfare: 72 characters median); a department's
real FAQ answers run to a page. This builds N articles whose bodies are ~1,500 characters of real
Korean answer text (welfare bodies, drawn at random, seeded) under the welfare titles and questions,
then times the welfare queries against them. Run pinned: `taskset -c 0`.

Usage: kb_long_bodies.py WELFARE_ARTICLES.jsonl WELFARE_QUERIES.jsonl [--articles 2452] [--queries 500]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from dasan.knowledge.search import Doc, SearchIndex, passages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("articles")
    ap.add_argument("queries")
    ap.add_argument("--articles-n", "--n", dest="n", type=int, default=2452)
    ap.add_argument("--queries-n", dest="q", type=int, default=500)
    ap.add_argument("--body-chars", type=int, default=1500)
    a = ap.parse_args()
    rng = random.Random(0)
    arts = [json.loads(x) for x in Path(a.articles).read_text(encoding="utf-8").splitlines() if x.strip()]
    bodies = [x["body"] for x in arts]
    docs = []
    for i in range(a.n):
        src = arts[i % len(arts)]
        body = ""
        while len(body) < a.body_chars:
            body += rng.choice(bodies) + " "
        docs.append(Doc(id=str(i), title=src["title"], questions=list(src.get("questions") or []), body=body.strip()))
    qs = [json.loads(x)["query"] for x in Path(a.queries).read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = rng.sample(qs, min(a.q, len(qs)))
    index = SearchIndex("accurate")
    t0 = time.perf_counter()
    index.build(docs)
    index_s = time.perf_counter() - t0
    times = []
    for q in qs:
        t = time.perf_counter()
        index.search(q, k=10)
        times.append(time.perf_counter() - t)
    print(json.dumps({"articles": len(docs), "passages": sum(len(passages(d.body)) for d in docs),
                      "body_chars_median": int(np.median([len(d.body) for d in docs])), "queries": len(qs),
                      "p50_ms": round(float(np.percentile(times, 50)) * 1000, 2),
                      "p95_ms": round(float(np.percentile(times, 95)) * 1000, 2), "index_s": round(index_s, 1)}))


if __name__ == "__main__":
    main()

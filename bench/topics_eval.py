"""Topics: how well each way of grouping consultations recovers what they are about.

Two Korean collections whose records carry the truth: paraKQC (1,000 questions × 10 phrasings;
a sample of groups) and the welfare questions (150 programmes, ~19 questions each). Each method
groups the texts; the groups are compared with the truth by NMI and ARI (scikit-learn), and the
share of records put in some topic (coverage) is shown — a method may leave records out.

  anchor    each record's rarest shared word (the highest-IDF word in ≥ 2 records) is its topic
  kmeans    k-means on the same TF-IDF vectors, k = √n (no knowledge of the true number)
  agglo@t   dasan.trends.topics: average-linkage agglomerative clustering, cosine cut at t

The cut t is chosen on paraKQC and then only applied to welfare (which it was not tuned on).

    .venv/bin/python bench/topics_eval.py [--groups 300] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from dasan.trends import terms, topics

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "kb"


def _load(name: str, groups: int | None, rng: random.Random) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in (DATA / name).open(encoding="utf-8") if line.strip()]
    keys = sorted({r["expected"] for r in rows})
    if groups and groups < len(keys):
        keys = set(rng.sample(keys, groups))
    rows = [r for r in rows if r["expected"] in keys]
    return [r["query"] for r in rows], [r["expected"] for r in rows]


def anchor(docs: list[list[str]]) -> list[int]:
    df = Counter(w for d in docs for w in set(d))
    n = len(docs)
    names: dict[str, int] = {}
    out = []
    for d in docs:
        shared = [w for w in d if df[w] >= 2]
        if not shared:
            out.append(-1)
            continue
        w = max(shared, key=lambda w: (math.log(n / df[w]), w))
        out.append(names.setdefault(w, len(names)))
    return out


def kmeans(docs: list[list[str]], seed: int) -> list[int]:
    matrix = topics._vectorise(docs)
    k = max(2, round(math.sqrt(len(docs))))
    return list(KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(matrix))


def score(truth: list[str], labels: list[int]) -> dict:
    # Records in no topic are each their own group (a method is not rewarded for leaving them out).
    lab = [x if x >= 0 else -(i + 2) for i, x in enumerate(labels)]
    return {"nmi": normalized_mutual_info_score(truth, lab), "ari": adjusted_rand_score(truth, lab),
            "coverage": sum(1 for x in labels if x >= 0) / len(labels), "topics": len({x for x in labels if x >= 0})}


def run(name: str, groups: int | None, seed: int, cuts: list[float]) -> dict[str, dict]:
    rng = random.Random(seed)
    texts, truth = _load(name, groups, rng)
    docs = terms.extract_many(texts)
    out = {"anchor": score(truth, anchor(docs)), "kmeans": score(truth, kmeans(docs, seed))}
    for t in cuts:
        t0 = time.perf_counter()
        out[f"agglo@{t}"] = {**score(truth, topics.labels_of(docs, threshold=t, seed=seed)),
                             "seconds": time.perf_counter() - t0}
    print(f"{name}: {len(texts)} records in {len(set(truth))} true groups")
    for method, m in out.items():
        print(f"  {method:10s} NMI {m['nmi']:.3f}  ARI {m['ari']:.3f}  coverage {m['coverage']:.0%}  "
              f"topics {m['topics']}" + (f"  {m['seconds']:.1f} s" if "seconds" in m else ""))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=300, help="paraKQC groups sampled (each 10 texts)")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    cuts = [0.6, 0.7, 0.8, 0.9]
    dev = [run("parakqc_queries.jsonl", args.groups, s, cuts) for s in range(args.seeds)]
    best = max(cuts, key=lambda t: statistics.median(r[f"agglo@{t}"]["nmi"] for r in dev))
    print(f"cut chosen on paraKQC (median NMI): {best}; the module's THRESHOLD is {topics.THRESHOLD}")
    held = [run("welfare_queries.jsonl", None, s, [best, topics.THRESHOLD]) for s in range(args.seeds)]
    print("\nmedians over seeds (NMI / ARI):")
    for label, rows in (("paraKQC (dev)", dev), ("welfare (held out)", held)):
        for method in ("anchor", "kmeans", f"agglo@{topics.THRESHOLD}"):
            if method in rows[0]:
                print(f"  {label:20s} {method:10s} NMI {statistics.median(r[method]['nmi'] for r in rows):.3f}  "
                      f"ARI {statistics.median(r[method]['ari'] for r in rows):.3f}  "
                      f"coverage {statistics.median(r[method]['coverage'] for r in rows):.0%}")


if __name__ == "__main__":
    main()

"""Which scorers over which parts of an article, with which fusion weights: cross-collection choice.

For each collection (articles + queries JSONL) it computes every candidate scorer's score matrix
(queries × articles) once, then tries a small grid of round-number weight sets and prints top-1
for each collection. The weights chosen are the ones best on the mean of the collections given
(no file decides alone); with two collections the report also says what each would have chosen on
its own and what that choice scores on the other (the cross-validation in docs/performance.md).

Usage: kb_fusion.py A_articles.jsonl A_queries.jsonl B_articles.jsonl B_queries.jsonl [--every N]
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from dasan.knowledge.search import Doc, embed, morphemes, passages


def load(path: str) -> list[dict]:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]


def _z(m: np.ndarray) -> np.ndarray:
    sd = m.std(axis=1, keepdims=True)
    return (m - m.mean(axis=1, keepdims=True)) / np.where(sd > 1e-9, sd, 1.0)


def _dense(kind: str, units: list[tuple[int, str]], queries: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per article, the best and the mean similarity over its units."""
    best, total, count = np.full((len(queries), n), -1.0), np.zeros((len(queries), n)), np.zeros(n)
    if not units:
        return best, total
    u = embed(kind, [t for _, t in units])
    q = np.concatenate([embed(kind, queries[i:i + 256]) for i in range(0, len(queries), 256)])
    sims = q @ u.T
    for j, (d, _) in enumerate(units):
        best[:, d] = np.maximum(best[:, d], sims[:, j])
        total[:, d] += sims[:, j]
        count[d] += 1
    return best, total / np.maximum(count, 1)


def scorers(arts: list[dict], qs: list[dict]) -> dict[str, np.ndarray]:
    import bm25s
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [Doc(id=a["id"], title=a.get("title", ""), questions=a.get("questions") or [], body=a.get("body", ""))
            for a in arts]
    texts = [q["query"] for q in qs]
    n = len(docs)
    qunits = [(i, u) for i, d in enumerate(docs) for u in d.units()]
    bunits = [(i, p) for i, d in enumerate(docs) for p in passages(d.body)]
    out = {}
    for kind in ("e5", "use"):
        out[f"{kind}_q"], out[f"{kind}_mean"] = _dense(kind, qunits, texts, n)
        out[f"{kind}_b"] = _dense(kind, bunits, texts, n)[0] if bunits else None
    corpus = [morphemes(" ".join([d.title, *d.questions, d.body])) or ["∅"] for d in docs]
    bm = bm25s.BM25(k1=1.2, b=0.75)
    bm.index(corpus, show_progress=False)
    out["bm25"] = np.stack([np.asarray(bm.get_scores(morphemes(t) or ["∅"])) for t in texts])
    for name, parts in (("char_q", lambda d: [d.title, *d.questions]),
                        ("char_all", lambda d: [d.title, *d.questions, d.body])):
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        mat = vec.fit_transform([" ".join(parts(d)) for d in docs])
        out[name] = (vec.transform(texts) @ mat.T).toarray()
    return {k: _z(v) for k, v in out.items() if v is not None}


def top1(mats: dict[str, np.ndarray], weights: dict[str, float], expected: np.ndarray) -> float:
    fused = sum(w * mats[k] for k, w in weights.items() if w and k in mats)
    if isinstance(fused, int):
        return 0.0
    return float((np.argmax(fused, axis=1) == expected).mean())


GRID = {
    "e5_q": [1.0],
    "e5_mean": [0, 0.5, 1.0],
    "e5_b": [0, 0.25, 0.5],
    "use_q": [0, 0.25, 0.5],
    "bm25": [0, 0.2, 0.4, 0.6, 0.8],
    "char_q": [0, 0.1, 0.2],
    "char_all": [0, 0.2, 0.4, 0.6],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs=4)
    ap.add_argument("--every", type=int, default=3, help="use every Nth query (speed)")
    a = ap.parse_args()
    colls = {}
    for name, (fa, fq) in (("A", a.files[0:2]), ("B", a.files[2:4])):
        arts, qs = load(fa), load(fq)[:: a.every]
        ids = {x["id"]: i for i, x in enumerate(arts)}
        exp = np.array([ids.get(q["expected"], -1) for q in qs])
        colls[name] = (Path(fa).stem, scorers(arts, qs), exp)
    rows = []
    keys = list(GRID)
    for combo in itertools.product(*(GRID[k] for k in keys)):
        w = dict(zip(keys, combo, strict=True))
        rows.append((w, {n: top1(m, w, e) for n, (_, m, e) in colls.items()}))
    for stem, m, e in colls.values():
        single = {k: round(top1(m, {k: 1.0}, e), 4) for k in m}
        print(json.dumps({"collection": stem, "single_scorers": single}, ensure_ascii=False))
    current = {"e5_q": 1.0, "use_q": 0.5, "bm25": 0.2, "char_q": 0.1}
    print(json.dumps({"weights": "current", **{colls[n][0]: round(top1(colls[n][1], current, colls[n][2]), 4)
                                                for n in colls}}, ensure_ascii=False))
    for n in colls:
        other = "B" if n == "A" else "A"
        w, s = max(rows, key=lambda r: r[1][n])
        print(json.dumps({"chosen_on": colls[n][0], "weights": w, colls[n][0]: round(s[n], 4),
                          colls[other][0]: round(s[other], 4)}, ensure_ascii=False))
    w, s = max(rows, key=lambda r: sum(r[1].values()))
    print(json.dumps({"chosen_on": "mean of both", "weights": w, **{colls[n][0]: round(s[n], 4) for n in colls}},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()

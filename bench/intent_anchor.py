"""The anchor of the intent figures: TF-IDF + LinearSVC, out of scope by a decision threshold.

The threshold is set the same honest way as Dasan's (on a held-out third of the training file),
so both systems are compared on equal terms. Prints one JSON line with the eval-intents keys.
Usage: intent_anchor.py TRAIN.jsonl TEST.jsonl
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def best_in_scope(svm, x):
    s = svm.decision_function(x)
    is_oos = svm.classes_ == "oos"
    masked = np.where(is_oos[None, :], -np.inf, s)
    return svm.classes_[masked.argmax(1)], masked.max(1), is_oos[s.argmax(1)]


def main() -> None:
    tr, te = load(sys.argv[1]), load(sys.argv[2])
    t0 = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x = vec.fit_transform([r["text"] for r in tr])
    y = np.array([r["label"] for r in tr])
    held = np.random.default_rng(0).random(len(y)) < 1 / 3
    threshold = -np.inf
    if (y == "oos").sum() >= 5:
        _, best, argmax_oos = best_in_scope(LinearSVC().fit(x[~held], y[~held]), x[held])
        oos = y[held] == "oos"
        need = int(np.ceil(0.9 * oos.sum())) - int(argmax_oos[oos].sum())
        remaining = np.sort(best[oos][~argmax_oos[oos]])
        threshold = remaining[min(need, len(remaining)) - 1] + 1e-6 if need > 0 else -np.inf
    svm = LinearSVC().fit(x, y)
    train_s = time.perf_counter() - t0
    labels, best, argmax_oos = best_in_scope(svm, vec.transform([r["text"] for r in te]))
    pred = np.where(argmax_oos | (best < threshold), "oos", labels)
    gold = np.array([r["label"] for r in te])
    ins = gold != "oos"
    print(json.dumps({
        "system": "tfidf+linearsvc", "n": len(te),
        "in_scope_accuracy": round(float((pred[ins] == gold[ins]).mean()), 4),
        "oos_recall": round(float((pred[~ins] == "oos").mean()), 4) if (~ins).any() else None,
        "train_s": round(train_s, 2),
    }))


if __name__ == "__main__":
    main()

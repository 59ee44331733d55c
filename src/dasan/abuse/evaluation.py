"""`dasan protect eval`: train the abusive-language model on one file, judge it on another.

Rows `{"text", "label": "abusive"|"ok"}`. Prints n (test rows), f1, precision and recall of
`abusive` at the model's threshold, recall_at_p90 (the best recall at precision ≥ 0.90 over all
thresholds), train_s, and p95_ms (one message at a time, one thread).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from dasan.abuse.model import AbuseModel

LABELS = ("abusive", "ok")


class BadRows(ValueError):
    """A file that does not follow the format."""


def read_rows(path: Path) -> tuple[list[str], list[bool]]:
    """Texts and labels (True = abusive); a clear error names the bad line."""
    texts, labels = [], []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BadRows(f"{path}:{no}: not JSON ({exc})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or row.get("label") not in LABELS:
                raise BadRows(f'{path}:{no}: a row needs "text" (a string) and "label" ("abusive" or "ok")')
            texts.append(row["text"])
            labels.append(row["label"] == "abusive")
    if not texts:
        raise BadRows(f"{path}: no rows")
    return texts, labels


def recall_at_precision(y: np.ndarray, scores: np.ndarray, precision: float) -> float:
    """The best recall over thresholds whose precision is at least `precision`."""
    order = np.argsort(-scores, kind="stable")
    ys, ss = y[order], scores[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    last = np.r_[ss[1:] != ss[:-1], True]  # a threshold takes every tie
    ok = last & (tp / k >= precision)
    positives = int(y.sum())
    return float(tp[ok].max() / positives) if ok.any() and positives else 0.0


def evaluate(train: Path, test: Path) -> dict:
    """The figures for the model trained on `train`, judged on `test`."""
    from threadpoolctl import threadpool_limits  # heavy: only the evaluation pins threads

    texts, labels = read_rows(train)
    test_texts, test_labels = read_rows(test)
    started = time.perf_counter()
    model = AbuseModel.train(texts, labels)
    train_s = time.perf_counter() - started
    y = np.asarray(test_labels, dtype=bool)
    scores = model.scores(test_texts)
    pred = scores >= model.threshold
    tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    timings = []
    with threadpool_limits(1):
        for text in test_texts[:2000]:
            t0 = time.perf_counter()
            model.scores([text])
            timings.append((time.perf_counter() - t0) * 1000)
    return {"n": len(test_texts), "f1": round(f1, 4), "precision": round(precision, 4), "recall": round(recall, 4),
            "recall_at_p90": round(recall_at_precision(y, scores, 0.90), 4), "train_s": round(train_s, 1),
            "p95_ms": round(float(np.percentile(timings, 95)), 2)}

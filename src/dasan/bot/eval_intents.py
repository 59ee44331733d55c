"""`dasan bot eval-intents`: train on one JSONL file, evaluate on another (contract in PRODUCT.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from dasan.bot.intents import OOS, IntentClassifier


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("text"), str) or not isinstance(row.get("label"), str):
            raise ValueError(f"{path}:{n}: each line needs string fields text and label")
        rows.append(row)
    return rows


def evaluate(train: Path, test: Path) -> dict:
    tr, te = read_jsonl(train), read_jsonl(test)
    clf = IntentClassifier().fit([r["text"] for r in tr], [r["label"] for r in tr])
    # Latency: one utterance at a time, as the bot sees them.
    sample = te[:: max(1, len(te) // 300)]
    times = []
    for r in sample:
        t0 = time.perf_counter()
        clf.predict([r["text"]])
        times.append(time.perf_counter() - t0)
    pred = np.array([p.label for p in clf.predict([r["text"] for r in te])])
    gold = np.array([r["label"] for r in te])
    ins = gold != OOS
    out = {
        "n": len(te),
        "in_scope_accuracy": round(float(np.mean(pred[ins] == gold[ins])), 4) if ins.any() else None,
        "oos_recall": round(float(np.mean(pred[~ins] == OOS)), 4) if (~ins).any() else None,
        "oos_precision": round(float(np.mean(gold[pred == OOS] == OOS)), 4) if (pred == OOS).any() else None,
        "train_s": round(clf.train_s, 2),
        "p95_ms": round(float(np.percentile(times, 95)) * 1000, 3),
        "threshold": round(clf.threshold, 4) if np.isfinite(clf.threshold) else None,
    }
    return out

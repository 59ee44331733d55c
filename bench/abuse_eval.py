"""Abusive-language detection on splits of the development file, with the anchor in the same run.

Splits of ../shared/data/abuse/abuse_train.jsonl: a random 80/20 split (seed 0), and the two
cross-corpus splits (train on BEEP!, test on K-MHaS; and the reverse) — the held-out sets the
issue is judged on are other corpora, so the cross-corpus figures are the honest estimate.
For each: `dasan protect eval` (the shipped method) and the anchor the issue names (TF-IDF
character n-grams 1–4 + logistic regression), printed as JSON lines.

Usage: abuse_eval.py [path/to/abuse_train.jsonl]
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from dasan.abuse.evaluation import read_rows, recall_at_precision

SRC = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared/data/abuse/abuse_train.jsonl"
)


def anchor(train: Path, test: Path) -> dict:
    texts, labels = read_rows(train)
    tt, tl = read_rows(test)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True, min_df=2)
    lr = LogisticRegression(max_iter=3000, C=4).fit(vec.fit_transform(texts), labels)
    scores = lr.predict_proba(vec.transform(tt))[:, 1]
    y = np.asarray(tl)
    pred = scores >= 0.5
    tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {
        "f1": round(2 * p * r / max(p + r, 1e-9), 4),
        "precision": round(p, 4),
        "recall": round(r, 4),
        "recall_at_p90": round(recall_at_precision(y, scores, 0.9), 4),
    }


def main() -> None:
    rows = [json.loads(line) for line in SRC.open(encoding="utf-8") if line.strip()]
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    cut = int(0.8 * len(rows))
    splits = {
        "random 80/20": ([rows[i] for i in order[:cut]], [rows[i] for i in order[cut:]]),
        "beep -> kmhas": (
            [r for r in rows if r.get("source") == "beep"],
            [r for r in rows if r.get("source") == "kmhas"],
        ),
        "kmhas -> beep": (
            [r for r in rows if r.get("source") == "kmhas"],
            [r for r in rows if r.get("source") == "beep"],
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (train, test) in splits.items():
            paths = []
            for part, data in (("train", train), ("test", test)):
                path = Path(tmp) / f"{part}.jsonl"
                path.write_text(
                    "".join(
                        json.dumps({"text": r["text"], "label": r["label"]}, ensure_ascii=False) + "\n" for r in data
                    ),
                    encoding="utf-8",
                )
                paths.append(path)
            out = (
                subprocess.run(
                    [
                        "taskset",
                        "-c",
                        "0",
                        sys.executable,
                        "-m",
                        "dasan.cli",
                        "protect",
                        "eval",
                        "--train",
                        str(paths[0]),
                        "--test",
                        str(paths[1]),
                        "--json",
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            print(
                json.dumps(
                    {"split": name, "dasan": json.loads(out), "anchor_char14_lr": anchor(*paths)}, ensure_ascii=False
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()

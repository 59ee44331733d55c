"""Split a labelled JSONL file into train and test files, stratified by label, with a fixed seed.

Usage: split_jsonl.py IN.jsonl TRAIN_OUT.jsonl TEST_OUT.jsonl [--test-share 0.2] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("train_out")
    ap.add_argument("test_out")
    ap.add_argument("--test-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    by_label: dict[str, list[str]] = defaultdict(list)
    with open(a.src, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                by_label[json.loads(line)["label"]].append(line.rstrip("\n"))
    rng = random.Random(a.seed)
    with open(a.train_out, "w", encoding="utf-8") as tr, open(a.test_out, "w", encoding="utf-8") as te:
        for label in sorted(by_label):
            rows = by_label[label]
            rng.shuffle(rows)
            k = max(1, round(len(rows) * a.test_share))
            te.writelines(r + "\n" for r in rows[:k])
            tr.writelines(r + "\n" for r in rows[k:])


if __name__ == "__main__":
    main()

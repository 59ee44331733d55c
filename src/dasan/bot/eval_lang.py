"""`dasan lang eval`: accuracy and latency of language identification on a JSONL sample file."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from dasan.bot.language import LANGS, detect, warm_up


def evaluate(path: Path) -> dict:
    samples = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for s in samples:
        if s.get("lang") not in LANGS or not isinstance(s.get("text"), str):
            raise ValueError(f"each sample needs text and lang in {LANGS}: {s!r:.200}")
    warm_up()
    times, hits = [], {lang: [0, 0] for lang in LANGS}
    for s in samples:
        t0 = time.perf_counter()
        guess = detect(s["text"])
        times.append(time.perf_counter() - t0)
        hits[s["lang"]][1] += 1
        hits[s["lang"]][0] += guess == s["lang"]
    n = len(samples)
    correct = sum(h[0] for h in hits.values())
    return {
        "n": n,
        "accuracy": round(correct / n, 5) if n else 0.0,
        "per_lang": {k: round(h[0] / h[1], 5) for k, h in hits.items() if h[1]},
        "p50_ms": round(float(np.percentile(times, 50)) * 1000, 4) if n else 0.0,
        "p99_ms": round(float(np.percentile(times, 99)) * 1000, 4) if n else 0.0,
    }

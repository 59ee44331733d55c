"""The anchor of the language figures: lingua alone, restricted to the six service languages.

Usage: lang_anchor.py SAMPLES.jsonl   (prints one JSON line: n, accuracy, p99_ms)
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from lingua import Language, LanguageDetectorBuilder

LANGS = {"ko": Language.KOREAN, "en": Language.ENGLISH, "zh": Language.CHINESE, "ja": Language.JAPANESE,
         "vi": Language.VIETNAMESE, "mn": Language.MONGOLIAN}


def main() -> None:
    names = {v: k for k, v in LANGS.items()}
    detector = LanguageDetectorBuilder.from_languages(*LANGS.values()).with_preloaded_language_models().build()
    with open(sys.argv[1], encoding="utf-8") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    hits, times = 0, []
    for s in samples:
        t0 = time.perf_counter()
        found = detector.detect_language_of(s["text"])
        times.append(time.perf_counter() - t0)
        hits += names.get(found) == s["lang"]
    print(json.dumps({"system": "lingua", "n": len(samples), "accuracy": round(hits / len(samples), 5),
                      "p99_ms": round(float(np.percentile(times, 99)) * 1000, 3)}))


if __name__ == "__main__":
    main()

"""Short fragments cut from whole sentences, for `dasan lang eval` on very short messages.

For each sentence of a samples file (JSONL `{text, lang}`), one fragment of 1, 2 and 3 words
(consecutive words, punctuation stripped); in Chinese and Japanese, which are written without
spaces, a word is taken as two characters (the commonest word length). Deterministic (seeded).

Usage: lang_fragments.py SAMPLES.jsonl OUT_DIR   (writes words1.jsonl, words2.jsonl, words3.jsonl)
"""

from __future__ import annotations

import json
import random
import sys
import unicodedata
from pathlib import Path

UNSPACED = {"zh", "ja"}


def _clean(token: str) -> str:
    return "".join(ch for ch in token if unicodedata.category(ch)[0] in "LNM").strip()


def fragment(text: str, lang: str, words: int, rng: random.Random) -> str | None:
    if lang in UNSPACED:
        letters = [ch for ch in text if unicodedata.category(ch)[0] == "L"]
        n = 2 * words
        if len(letters) < n:
            return None
        i = rng.randrange(len(letters) - n + 1)
        chunk = letters[i:i + n]
        return " ".join("".join(chunk[j:j + 2]) for j in range(0, n, 2))  # words as two-character pairs
    tokens = [t for t in (_clean(t) for t in text.split()) if t and not t.isdigit()]
    if len(tokens) < words:
        return None
    i = rng.randrange(len(tokens) - words + 1)
    return " ".join(tokens[i:i + words])


def main() -> None:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    samples = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
    for words in (1, 2, 3):
        rng = random.Random(words)
        with (out / f"words{words}.jsonl").open("w", encoding="utf-8") as f:
            for s in samples:
                text = fragment(s["text"], s["lang"], words, rng)
                if text:
                    f.write(json.dumps({"text": text, "lang": s["lang"]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

"""`dasan privacy eval`: how well `pii.find` finds planted identifiers.

A planted identifier counts as found when one found span covers it whole (whatever kind the
detector named: masking hides it either way; the per-kind figure is the recall of that planted
kind). Precision is the share of found spans that overlap a planted identifier.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from dasan.privacy import pii


class BadSamples(ValueError):
    """A samples file that does not follow the format."""


def read_samples(path: Path) -> list[dict]:
    """Rows `{"text", "pii": [{"start", "end", "kind"}]}`; a clear error names the bad line."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text = row["text"]
                spans = [(int(p["start"]), int(p["end"]), str(p["kind"])) for p in row.get("pii", [])]
            except (ValueError, KeyError, TypeError) as exc:
                raise BadSamples(f"{path}:{no}: not a sample row ({exc})") from None
            if not isinstance(text, str):
                raise BadSamples(f"{path}:{no}: \"text\" must be a string")
            if any(not 0 <= a < b <= len(text) for a, b, _ in spans):
                raise BadSamples(f"{path}:{no}: a span lies outside the text")
            rows.append({"text": text, "pii": spans})
    if not rows:
        raise BadSamples(f"{path}: no samples")
    return rows


def evaluate(rows: Iterable[dict], *, country: str = "KR") -> dict:
    """`n, recall, precision, per_kind{kind: recall}` over the samples."""
    n = planted = covered = found_n = found_right = 0
    per_kind: dict[str, list[int]] = {}
    for row in rows:
        n += 1
        found = pii.find(row["text"], country=country)
        found_n += len(found)
        found_right += sum(any(f.start < b and a < f.end for a, b, _ in row["pii"]) for f in found)
        for a, b, kind in row["pii"]:
            hit = any(f.start <= a and b <= f.end for f in found)
            planted += 1
            covered += hit
            counts = per_kind.setdefault(kind, [0, 0])
            counts[0] += hit
            counts[1] += 1
    return {
        "n": n,
        "recall": round(covered / planted, 4) if planted else 1.0,
        "precision": round(found_right / found_n, 4) if found_n else 1.0,
        "per_kind": {k: round(h / t, 4) for k, (h, t) in sorted(per_kind.items())},
        "planted": planted,
        "found": found_n,
    }

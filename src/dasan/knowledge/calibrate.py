"""The bot's answer thresholds, measured on the live collection itself, per language.

The bot answers by itself only when the best article leads the next by a fused-score margin and
is close to the message in absolute terms (dense cosine). Where those two thresholds lie depends
on the collection: how many articles, how alike, how they are written. A fixed pair fitted on one
development file let the bot answer wrongly one time in four on a collection it was not fitted
on, so the thresholds are set from the articles being served, every time they change:

- **pseudo-queries that have an answer**: an article's title or one of its example questions is
  taken out of the article (leave-one-out) and asked; the article, still in the index through
  what it has left, should come first (in a collection of one-question articles, where nothing
  is left, the question is asked shortened to a run of its words);
- **pseudo-queries that have none**: the same kind of text asked with its whole article left out
  of the ranking, the situation of a citizen asking what the collection does not cover — any
  answer the bot gave would be wrong;
- **messages out of any collection's scope** (small talk and the like, `out_of_scope/*.txt`, for
  the languages that have them).

The thresholds kept are the lowest pair that keeps the answered pseudo-queries right at
`MIN_PRECISION` and lets at most `MAX_NEGATIVE_PASS` of those without an answer and
`MAX_OUTSIDE_PASS` of the out-of-scope messages through; the rates are counted with one imaginary
failure added, so a small collection gets strict thresholds. The three rates were chosen on the
welfare development collection and checked on paraKQC (bench/kb_calibration.py,
docs/performance.md).
A language with too few articles to measure (fewer than `MIN_TRIALS` pseudo-queries of a kind,
e.g. a handful of translations) borrows the thresholds of the best-measured language (the
scorers' scales are shared: the z-scores are over the whole collection, e5 is multilingual); with
none measured the bot never answers by itself (it offers choices or hands over).
Randomness is seeded: every process serving the same articles computes the same thresholds.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from dasan.knowledge.search import Doc, Result, SearchIndex

MIN_PRECISION = 0.95
MAX_NEGATIVE_PASS = 0.25  # questions on what the collection lacks: a related article is often close
MAX_OUTSIDE_PASS = 0.05  # small talk and the like
MIN_TRIALS = 20  # pseudo-queries of each kind below which a language borrows the best-measured one's
PSEUDO_CAP = 300  # pseudo-queries of each kind per language: enough for a 1 % step, ~10 s of searching


@dataclass(frozen=True)
class Decision:
    """Answer only when the best article leads by `margin` and its dense similarity is ≥ `cos`."""

    margin: float
    cos: float

    def answers(self, r: Result) -> bool:
        return bool(r.hits) and r.margin >= self.margin and r.top_cos >= self.cos


NEVER = Decision(margin=float("inf"), cos=float("inf"))


@dataclass(frozen=True)
class Trial:
    """One pseudo-query's outcome: its margin, its best cosine, and whether the top hit was right."""

    margin: float
    cos: float
    correct: bool


@dataclass(frozen=True)
class Calibration:
    decision: Decision
    positives: int
    negatives: int
    answered_rate: float  # of the pseudo-queries with an answer, at the chosen thresholds
    precision: float
    negative_pass: float

    @property
    def measured(self) -> bool:
        """Enough pseudo-queries of both kinds for the thresholds to say something."""
        return self.positives >= MIN_TRIALS and self.negatives >= MIN_TRIALS


def choose(pos: Sequence[Trial], neg: Sequence[Trial], outside: Sequence[Trial] = (), *,
           min_precision: float = MIN_PRECISION, max_negative_pass: float = MAX_NEGATIVE_PASS,
           max_outside_pass: float = MAX_OUTSIDE_PASS) -> Calibration:
    """The thresholds that answer the most pseudo-queries with an answer while right at
    `min_precision`, letting at most `max_negative_pass` of those without one through and at most
    `max_outside_pass` of the out-of-scope messages (each rate counted with one imaginary failure
    added). NEVER when no pair does."""
    pm = np.array([t.margin for t in pos], dtype=float)
    pc = np.array([t.cos for t in pos], dtype=float)
    ok = np.array([t.correct for t in pos], dtype=bool)
    nm = np.array([t.margin for t in neg], dtype=float)
    nc = np.array([t.cos for t in neg], dtype=float)
    om = np.array([t.margin for t in outside], dtype=float)
    oc = np.array([t.cos for t in outside], dtype=float)
    best: tuple[float, float, float, float, float] | None = None
    if pm.size:
        m_grid = np.unique(np.quantile(pm, np.linspace(0, 0.9, 46)))
        c_grid = np.unique(np.quantile(pc, np.linspace(0, 0.9, 46)))
        for mt in m_grid:
            m_ok, n_m, o_m = pm >= mt, nm >= mt, om >= mt
            for ct in c_grid:
                a = m_ok & (pc >= ct)
                n_a = int(a.sum())
                if not n_a:
                    continue
                right = int(ok[a].sum())
                if right / (n_a + 1) < min_precision:
                    continue
                passed = int((n_m & (nc >= ct)).sum())
                if (passed + 1) / (nm.size + 1) > max_negative_pass:
                    continue
                if om.size and (int((o_m & (oc >= ct)).sum()) + 1) / (om.size + 1) > max_outside_pass:
                    continue
                rate = n_a / pm.size
                if best is None or rate > best[0]:
                    best = (rate, float(mt), float(ct), right / n_a, passed / max(nm.size, 1))
    if best is None:
        return Calibration(decision=NEVER, positives=len(pos), negatives=len(neg), answered_rate=0.0,
                           precision=0.0, negative_pass=0.0)
    return Calibration(decision=Decision(margin=round(best[1], 4), cos=round(best[2], 4)), positives=len(pos),
                       negatives=len(neg), answered_rate=round(best[0], 4), precision=round(best[3], 4),
                       negative_pass=round(best[4], 4))


def _without(doc: Doc, unit: str) -> Doc:
    """The article with one of its texts (its title or an example question) taken out."""
    return replace(doc, title="" if doc.title.strip() == unit else doc.title,
                   questions=[q for q in doc.questions if q.strip() != unit])


def _askable(doc: Doc) -> list[str]:
    """The texts of an article that read like a citizen's question: title and example questions."""
    seen: dict[str, None] = {}
    for t in [doc.title, *doc.questions]:
        if t.strip():
            seen.setdefault(t.strip(), None)
    return list(seen)


def _shortened(text: str, rng: random.Random) -> str | None:
    """A citizen's shorter way of asking an article's only question: a run of its words, at least
    half of them and one fewer (None for a text of fewer than three words)."""
    words = text.split()
    if len(words) < 3:
        return None
    n = rng.randint(max(2, (len(words) + 1) // 2), len(words) - 1)
    start = rng.randint(0, len(words) - n)
    return " ".join(words[start:start + n])


def trials(index: SearchIndex, *, lang: str, cap: int = PSEUDO_CAP, seed: int = 0) -> tuple[list[Trial], list[Trial]]:
    """Pseudo-queries with and without an answer for one language of an index's articles."""
    docs = index.docs
    rng = random.Random(f"{seed}:{lang}")
    in_lang = np.array([d.lang == lang for d in docs], dtype=bool)
    mine = [i for i, d in enumerate(docs) if d.lang == lang and _askable(d)]
    # With an answer: the article keeps something once the pseudo-query's text is out of it.
    can = [i for i in mine if len(_askable(docs[i])) >= 2 or docs[i].body.strip()]
    picked = rng.sample(can, min(cap, len(can)))
    pos: list[Trial] = []
    for fold in (picked[0::2], picked[1::2]):  # half the articles lose a text at a time
        if not fold:
            continue
        asked = {i: rng.choice(_askable(docs[i])) for i in fold}
        variant = index.variant([_without(d, asked[i]) if i in asked else d for i, d in enumerate(docs)])
        for i, text in asked.items():
            r = variant.search(text, k=2, allowed=in_lang)
            pos.append(Trial(r.margin, r.top_cos, bool(r.hits) and r.hits[0].id == docs[i].id))
    if len(can) < MIN_TRIALS:
        # Articles that are one question each (nothing to leave out): the question shortened.
        for i in rng.sample(mine, min(cap, len(mine))):
            short = _shortened(rng.choice(_askable(docs[i])), rng)
            if short:
                r = index.search(short, k=2, allowed=in_lang)
                pos.append(Trial(r.margin, r.top_cos, bool(r.hits) and r.hits[0].id == docs[i].id))
    # Without one: the whole article out of the ranking (there must be others to rank).
    neg: list[Trial] = []
    if int(in_lang.sum()) >= 2:
        for i in rng.sample(mine, min(cap, len(mine))):
            allowed = in_lang.copy()
            allowed[i] = False
            r = index.search(rng.choice(_askable(docs[i])), k=2, allowed=allowed)
            neg.append(Trial(r.margin, r.top_cos, False))
    return pos, neg


@lru_cache(maxsize=8)
def out_of_scope(lang: str) -> tuple[str, ...]:
    """The bundled out-of-scope messages of a language (none for a language without a file)."""
    path = Path(__file__).with_name("out_of_scope") / f"{lang}.txt"
    if not path.is_file():
        return ()
    return tuple(t.strip() for t in path.read_text(encoding="utf-8").splitlines() if t.strip())


def outside_trials(index: SearchIndex, *, lang: str) -> list[Trial]:
    """The out-of-scope messages of a language asked against the language's articles."""
    allowed = np.array([d.lang == lang for d in index.docs], dtype=bool)
    if not allowed.any():
        return []
    out = []
    for text in out_of_scope(lang):
        r = index.search(text, k=2, allowed=allowed)
        out.append(Trial(r.margin, r.top_cos, False))
    return out


_MEASURED: dict[str, dict[str, Calibration]] = {}  # by the collection's fingerprint


def _fingerprint(index: SearchIndex, cap: int, seed: int) -> str:
    h = hashlib.sha256(f"{index.profile}|{cap}|{seed}|{MIN_PRECISION}|{MAX_NEGATIVE_PASS}|{MAX_OUTSIDE_PASS}".encode())
    for d in index.docs:
        h.update(json.dumps([d.id, d.lang, d.title, d.questions, d.keywords, d.body], ensure_ascii=False).encode())
    return h.hexdigest()


def calibrate_index(index: SearchIndex, *, cap: int = PSEUDO_CAP, seed: int = 0) -> dict[str, Calibration]:
    """Thresholds for every language of the index's articles (the same articles are measured once
    per process: the result depends on nothing else)."""
    key = _fingerprint(index, cap, seed)
    if key not in _MEASURED:
        if len(_MEASURED) >= 8:
            _MEASURED.pop(next(iter(_MEASURED)))
        _MEASURED[key] = {lang: choose(*trials(index, lang=lang, cap=cap, seed=seed),
                                       outside_trials(index, lang=lang))
                          for lang in sorted({d.lang for d in index.docs})}
    return dict(_MEASURED[key])

"""One citizen message: abusive or not, of which kind, and why — for the agent, never a verdict
that ends a contact by itself.

Korean is read by the trained model (`model.py`) and the word lists; the other five service
languages by the word lists (`lexicon.py`). The kind is the most severe listed word's
(sexual > threat > insult > profanity), or `abusive` when only the model found it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dasan.abuse import lexicon
from dasan.abuse.model import bundled

MODEL_LANGS = ("ko",)
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # sexual | threat | insult | profanity | abusive
    score: float  # the model's probability (1.0 when only a listed word decided)
    words: tuple[str, ...]  # the listed words found


def detect(text: str, lang: str) -> Verdict | None:
    """The verdict on a message written in `lang`, or None when it reads as not abusive."""
    if not text or not text.strip():
        return None
    if _HANGUL.search(text):
        lang = "ko"  # a Korean message in a contact that began in another language is read as Korean
        found = lexicon.hits(text, lang)
    elif lang == "ko":  # no Korean in it: whichever other language's words it holds (an SMS thread starts as ko)
        lang = ""
        found = sorted((h for other in lexicon.WORDS if other != "ko" for h in lexicon.hits(text, other)),
                       key=lambda h: lexicon.KINDS.index(h.kind))
    else:
        found = lexicon.hits(text, lang)
    score = 1.0
    if lang in MODEL_LANGS:
        model = bundled()
        score = float(model.scores([text[:2000]])[0])
        if not found and score < model.threshold:
            return None
    elif not found:
        return None
    return Verdict(kind=found[0].kind if found else "abusive", score=round(score, 3),
                   words=tuple(dict.fromkeys(h.word for h in found)))

"""The words a consultation is about: Kiwi's nouns, roots and foreign words (Korean-aware; other
scripts come out of Kiwi as foreign words), lower-cased, each once per record, in the order they come."""

from __future__ import annotations

import re

from dasan.knowledge.search import kiwi

_TAGS = ("NNG", "NNP", "XR", "SL", "SH")
_NOISE = re.compile(r"^[a-z]$")  # single Latin letters say nothing about a topic


def _words(tokens) -> list[str]:
    return list(dict.fromkeys(t.form.lower() for t in tokens if t.tag in _TAGS and not _NOISE.match(t.form.lower())))


def extract_many(texts: list[str]) -> list[list[str]]:
    """The content words of each text, in the order they first come (Kiwi's batch mode)."""
    return [_words(toks) for toks in kiwi().tokenize([t[:2000] for t in texts])]

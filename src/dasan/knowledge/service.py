"""Knowledge search (simple character-bigram scoring until the knowledge issue brings Kiwi + BM25)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.knowledge.models import Article

_WORD = re.compile(r"\w+", re.UNICODE)


def bigrams(text: str) -> Counter[str]:
    """Character bigrams inside words: robust to Korean particles without a morphological analyser."""
    grams: Counter[str] = Counter()
    for word in _WORD.findall(text.lower()):
        if len(word) == 1:
            grams[word] += 1
        grams.update(word[i : i + 2] for i in range(len(word) - 1))
    return grams


def score(query: Counter[str], doc: Counter[str]) -> float:
    """Share of the query's bigrams found in the document."""
    total = sum(query.values())
    if not total:
        return 0.0
    return sum(min(n, doc.get(g, 0)) for g, n in query.items()) / total


def search(*, session: Session, q: str, limit: int = 5) -> list[tuple[Article, float]]:
    """Published articles ranked by bigram overlap with the query (title and questions weigh double)."""
    query = bigrams(q)
    if not query:
        return []
    scored = []
    for art in session.scalars(select(Article).where(Article.status == "published")):
        head = bigrams(" ".join([art.title, *art.questions, art.keywords]))
        body = bigrams(art.body)
        s = 0.7 * score(query, head) + 0.3 * score(query, body)
        if s > 0.15:
            scored.append((art, s))
    scored.sort(key=lambda t: (-t[1], t[0].id))
    return scored[:limit]


def highlight_terms(q: str) -> list[str]:
    """The query words an agent's view highlights."""
    return [w for w in _WORD.findall(q) if len(w) >= 2]

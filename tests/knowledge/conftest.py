"""The demo articles' search index, shared by the knowledge tests (built once per module)."""

from __future__ import annotations

import pytest

from dasan.demo.data import ARTICLES
from dasan.knowledge.search import Doc, SearchIndex


def demo_docs() -> list[Doc]:
    return [Doc(id=str(i), title=t, questions=q, body=b) for i, (_, _, t, b, q) in enumerate(ARTICLES)]


@pytest.fixture(scope="module")
def index():
    ix = SearchIndex("accurate")
    ix.build(demo_docs())
    return ix

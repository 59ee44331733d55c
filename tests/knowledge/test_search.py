"""Hybrid search over the demo articles."""

from __future__ import annotations

import pytest

from dasan.demo.data import ARTICLES
from dasan.knowledge.search import Doc, SearchIndex, morphemes


def _docs():
    return [Doc(id=str(i), title=t, questions=q, body=b) for i, (_, _, t, b, q) in enumerate(ARTICLES)]


@pytest.fixture(scope="module")
def index():
    ix = SearchIndex("accurate")
    ix.build(_docs())
    return ix


def test_morphemes_lemmatise_predicates():
    assert "버리다" in morphemes("소파를 버리려면 어떻게 해요")
    assert "버리다" in morphemes("대형폐기물 버리는 방법")


@pytest.mark.parametrize(
    ("query", "title"),
    [("소파 버리고 싶은데 어떻게 하나요", "대형폐기물(가구·가전) 버리는 방법"),
     ("수돗물이 안 나와요", "단수·흐린 물 신고"),
     ("여권을 분실했어요", "여권 재발급과 분실 신고"),
     ("차를 견인해 갔어요 어디로 가요", "견인된 차량 찾기")],
)
def test_paraphrases_find_their_article(index, query, title):
    res = index.search(query)
    assert index.docs[int(res.hits[0].id)].title == title
    assert res.margin > 0


def test_publishing_an_article_is_found_without_a_full_rebuild(index):
    docs = _docs() + [Doc(id="new", title="반려견 등록 방법", questions=["강아지 등록은 어디서 하나요"])]
    index.build(docs)
    assert index.search("강아지 동물등록 하려면").hits[0].id == "new"
    index.build(_docs())
    assert all(h.id != "new" for h in index.search("강아지 동물등록 하려면").hits)


def test_filters_and_empty_queries(index):
    allowed = [d.title != "대형폐기물(가구·가전) 버리는 방법" for d in index.docs]
    import numpy as np

    res = index.search("대형폐기물 버리는 방법", allowed=np.array(allowed))
    assert all(index.docs[int(h.id)].title != "대형폐기물(가구·가전) 버리는 방법" for h in res.hits)
    assert index.search("   ").hits == []
    assert SearchIndex("fast").search("아무거나").hits == []  # an empty index
    with pytest.raises(ValueError, match="unknown search profile"):
        SearchIndex("magic")

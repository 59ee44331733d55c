"""Hybrid search over the demo articles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.knowledge.search import Doc, SearchIndex, _per_doc, morphemes

from .conftest import demo_docs


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
    docs = demo_docs() + [Doc(id="new", title="반려견 등록 방법", questions=["강아지 등록은 어디서 하나요"])]
    index.build(docs)
    assert index.search("강아지 동물등록 하려면").hits[0].id == "new"
    index.build(demo_docs())
    assert all(h.id != "new" for h in index.search("강아지 동물등록 하려면").hits)


def test_filters_and_empty_queries(index):
    allowed = [d.title != "대형폐기물(가구·가전) 버리는 방법" for d in index.docs]
    res = index.search("대형폐기물 버리는 방법", allowed=np.array(allowed))
    assert all(index.docs[int(h.id)].title != "대형폐기물(가구·가전) 버리는 방법" for h in res.hits)
    assert index.search("   ").hits == []
    assert SearchIndex("fast").search("아무거나").hits == []  # an empty index
    with pytest.raises(ValueError, match="unknown search profile"):
        SearchIndex("magic")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.floats(-1, 1)), max_size=30))
def test_unit_similarities_combine_per_article_like_the_plain_loop(units):
    units = sorted(units, key=lambda u: u[0])  # the index keeps an article's units together
    unit_doc = np.array([d for d, _ in units], dtype=np.int64)
    sims = np.array([s for _, s in units], dtype=np.float64)
    for how in ("max", "mean"):
        got = _per_doc(sims, unit_doc, 7, how)
        for doc in range(7):
            mine = [s for d, s in units if d == doc]
            want = (max(mine) if how == "max" else sum(mine) / len(mine)) if mine else -1.0
            assert got[doc] == pytest.approx(want)


def test_an_answer_at_the_end_of_a_long_body_is_found():
    long_body = ("전입신고는 주민센터에서 합니다. " * 20
                 + "반려견 동물등록은 구청 동물보호팀이나 동물병원에서 할 수 있습니다.")
    docs = [Doc(id="move", title="전입신고 방법", body=long_body),
            Doc(id="tax", title="자동차세 납부", body="자동차세는 6월과 12월에 냅니다."),
            Doc(id="bus", title="버스 노선 안내", body="노선은 버스정보시스템에서 봅니다.")]
    ix = SearchIndex("accurate")
    ix.build(docs)
    # The question is answered only by the end of a long body, far past what a title shows.
    assert ix.search("강아지 동물등록은 어디서 하나요").hits[0].id == "move"

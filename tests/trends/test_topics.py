"""Topics: the pure grouping (records with distinct vocabularies come apart, each topic named by
its own words, singletons in no topic) and the API (build a day's topics from Korean records,
rename, merge; clear refusals; nothing changes on a refused request)."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dasan.center import service as center_service
from dasan.conversations.models import Citizen, ConsultationRecord, Conversation, ConversationEvent, Message
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.trends import topics
from dasan.trends.models import TrendTopic
from tests.conftest import login

VOCAB = [[f"t{g}w{i}" for i in range(12)] for g in range(6)]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(4, 12), st.integers(0, 2**31 - 1))
def test_records_about_different_things_come_apart_and_are_named_by_their_words(groups, per_group, seed):
    rng = random.Random(seed)
    records, truth = [], {}
    for g in range(groups):
        for _ in range(per_group):
            rid = len(records)
            records.append((rid, VOCAB[g][:2] + rng.sample(VOCAB[g][2:], 2)))  # what it is about, in other words
            truth[rid] = g
    records.append((len(records), ["alone1", "alone2"]))  # like nothing else: in no topic
    rng.shuffle(records)
    found = topics.topics(records)
    assert len(found) == groups
    for t in found:
        assert len({truth[r] for r in t.record_ids}) == 1  # one topic, one thing
        g = truth[t.record_ids[0]]
        assert all(term in VOCAB[g] for term in t.terms)
        assert set(t.examples) <= set(t.record_ids)
    assert sorted(r for t in found for r in t.record_ids) == sorted(truth)
    assert [len(t.record_ids) for t in found] == sorted((len(t.record_ids) for t in found), reverse=True)


def test_nothing_shared_means_no_topic():
    assert topics.topics([(1, ["a"]), (2, ["b"]), (3, ["c"]), (4, [])]) == []
    assert topics.topics([]) == []


def test_a_large_period_is_sampled_and_the_rest_join_the_nearest_topic():
    rng = random.Random(3)
    docs = [VOCAB[i % 3][:2] + rng.sample(VOCAB[i % 3][2:], 2) for i in range(300)]
    labels = topics.labels_of(docs, sample=60)
    assert all(lab >= 0 for lab in labels)
    for g in range(3):
        assert len({labels[i] for i in range(g, 300, 3)}) == 1


THEMES = {
    "water": ["마포구 아파트 단수가 언제 끝나나요", "수돗물이 안 나와요 단수 공지 있나요", "단수 때문에 물이 안 나와요",
              "마포구 단수 복구 시간 알려주세요", "아침부터 수돗물 단수예요"],
    "parking": ["불법 주정차 신고하고 싶어요", "주정차 단속 과태료 이의신청 방법", "주정차 위반 과태료 납부",
                "골목 불법 주정차 차량 신고", "주정차 과태료 고지서를 받았어요"],
    "waste": ["대형 폐기물 스티커 어디서 사나요", "소파 대형 폐기물 버리는 방법", "냉장고 대형 폐기물 수거 신청",
              "대형 폐기물 배출 신고", "침대 매트리스 대형 폐기물 처리"],
}


def _records(factory, when) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    with session_scope(factory) as s:
        citizen = Citizen(display_name="시민")
        s.add(citizen)
        s.flush()
        for theme, texts in THEMES.items():
            for i, text in enumerate(texts * 2):
                conv = Conversation(citizen_id=citizen.id, channel="webchat", status="closed", created_at=when,
                                    closed_at=when, last_seq=1)
                s.add(conv)
                s.flush()
                s.add(Message(conversation_id=conv.id, seq=1, kind="inbound", body=text, channel="webchat"))
                s.add(ConsultationRecord(conversation_id=conv.id, citizen_id=citizen.id, channel="webchat",
                                         category="", summary="", resolution="solved", closed_at=when))
                if theme == "waste" and i < 3:
                    s.add(ConversationEvent(conversation_id=conv.id, kind="bot_answered", data={"article_id": 1}))
                out.setdefault(theme, []).append(conv.id)
    return out


def test_build_rename_and_merge_a_days_topics(client, seeded, factory):
    with factory() as s:
        center = center_service.get(s)
        today = center.today(clock.now())
        when = center.day_start(today) + timedelta(hours=10)
    if when > clock.now():
        when = clock.now() - timedelta(minutes=1)
    themes = _records(factory, when)
    h = {"X-CSRF-Token": login(client, "analyst1")}
    r = client.post("/api/v1/trends/topics", json={"period": "day", "day": today.isoformat()}, headers=h)
    assert r.status_code == 201, r.text
    built = r.json()
    theme_of = {c: theme for theme, ids in themes.items() for c in ids}
    by_theme: dict[str, dict] = {}
    for t in built:  # every topic is about one theme (its examples all are)
        (theme,) = {theme_of[c] for c in t["examples"]}
        by_theme.setdefault(theme, t)  # the largest topic of each theme
    assert set(by_theme) == set(THEMES)
    assert "단수" in by_theme["water"]["terms"] and "주정차" in by_theme["parking"]["terms"]
    waste_articles = [a for t in built if theme_of[t["examples"][0]] == "waste" for a in t["articles"]]
    assert {a["id"] for a in waste_articles} == {1}  # the article the bot answered waste questions with
    again = client.post("/api/v1/trends/topics", json={"period": "day", "day": today.isoformat()}, headers=h)
    assert again.status_code == 409 and again.json()["error"] == "topics_exist"
    later = (today + timedelta(days=2)).isoformat()
    future = client.post("/api/v1/trends/topics", json={"period": "day", "day": later}, headers=h)
    assert future.status_code == 422

    water, parking = by_theme["water"]["id"], by_theme["parking"]["id"]
    r = client.patch(f"/api/v1/trends/topics/{water}", json={"label": "  마포구   단수  "}, headers=h)
    assert r.json()["label"] == "마포구 단수"
    assert client.patch(f"/api/v1/trends/topics/{water}", json={"label": "   "}, headers=h).status_code == 422
    r = client.post(f"/api/v1/trends/topics/{parking}/merge", json={"into": water}, headers=h)
    merged = r.json()
    assert r.status_code == 200 and merged["size"] == by_theme["water"]["size"] + by_theme["parking"]["size"]
    assert client.post(f"/api/v1/trends/topics/{parking}/merge", json={"into": water},
                       headers=h).json()["error"] == "merged_already"
    assert client.post(f"/api/v1/trends/topics/{water}/merge", json={"into": water}, headers=h).status_code == 422
    listed = client.get(f"/api/v1/trends/topics?period=day&day={today.isoformat()}").json()
    assert next(t for t in listed if t["id"] == parking)["merged_into_id"] == water
    week = client.post("/api/v1/trends/topics", json={"period": "week", "day": today.isoformat()}, headers=h)
    assert week.status_code == 201 and week.json()[0]["start"] == (today - timedelta(days=today.weekday())).isoformat()
    r = client.post("/api/v1/trends/topics", json={"period": "day", "day": today.isoformat(), "replace": True},
                    headers=h)
    assert r.status_code == 201
    with factory() as s:  # the rebuilt day replaced the old topics, merged ones included
        n = s.scalar(select(func.count()).select_from(TrendTopic).where(TrendTopic.period == "day"))
    assert n == len(r.json())
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "agent1")}
    assert client.get(f"/api/v1/trends/topics?period=day&day={today.isoformat()}").status_code == 403

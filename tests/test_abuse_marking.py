"""A citizen's abusive message is marked for the agent when it is stored, on every text channel."""

from __future__ import annotations

from sqlalchemy import select

from dasan.conversations.models import ConversationEvent, Message
from dasan.db.engine import session_scope
from dasan.security.actions import do_create_api_token

from .conftest import login


def _token(factory) -> str:
    with session_scope(factory) as s:
        return do_create_api_token(session=s, channel="sms")


def _intake(client, token, text, mid):
    r = client.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                    json={"channel": "sms", "external_id": mid, "sender": {"phone": "010-5550-1234"}, "text": text,
                          "sent_at": "2026-11-21T09:00:00+09:00"})
    assert r.status_code == 202, r.text
    return r.json()


def test_an_abusive_text_is_marked_with_its_kind_and_a_question_is_not(client, seeded, factory):
    token = _token(factory)
    _intake(client, token, "쓰레기 수거 언제 해요?", "m-1")
    _intake(client, token, "야 이 병신아 전화 좀 받아라", "m-2")
    with factory() as s:
        msgs = {m.external_id: m for m in s.scalars(select(Message).where(Message.external_id.in_(["m-1", "m-2"])))}
        assert msgs["m-1"].abuse is None
        assert msgs["m-2"].abuse == "insult"
        flagged = s.scalars(select(ConversationEvent).where(ConversationEvent.kind == "abuse_flagged")).all()
        assert [e.data["message_id"] for e in flagged] == [msgs["m-2"].id]
        assert flagged[0].data["words"] == ["병신"] and 0 <= flagged[0].data["score"] <= 1
        conversation_id = msgs["m-2"].conversation_id
    login(client, "supervisor1")
    listed = client.get(f"/api/v1/conversations/{conversation_id}").json()["messages"]
    assert [m["abuse"] for m in listed if m["kind"] == "inbound"] == [None, "insult"]


def test_english_abuse_is_found_by_the_word_lists(client, seeded, factory):
    _intake(client, _token(factory), "You are a useless idiot, I will kill you", "m-en")
    with factory() as s:
        msg = s.scalars(select(Message).where(Message.external_id == "m-en")).one()
        assert msg.abuse == "threat"  # the most severe kind found is named

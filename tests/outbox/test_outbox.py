"""The outbox without a gateway: what gets queued, order, retries, recovery, delivery reports."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from dasan.conversations.actions import do_append_message
from dasan.conversations.models import Conversation, MsgKind
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.outbox.actions import do_claim_due, do_delivery_report, do_record_result, do_recover
from dasan.outbox.core import backoff_s, sms_coding, sms_parts
from dasan.outbox.models import OutboxItem
from dasan.security.actions import do_create_api_token

from ..conftest import login
from ..test_conversation_flow import _intake


@given(st.integers(1, 40))
def test_backoff_grows_and_is_capped(attempts):
    wait = backoff_s(attempts)
    ceiling = min(300.0, 2.0 * 2 ** (attempts - 1))
    assert ceiling / 2 <= wait <= ceiling <= 300


def test_sms_parts_and_coding():
    assert sms_coding("hello") == 0 and sms_coding("안녕") == 2
    assert sms_parts("a" * 160) == 1 and sms_parts("a" * 161) == 2 and sms_parts("a" * 306) == 2
    assert sms_parts("가" * 70) == 1 and sms_parts("가" * 71) == 2 and sms_parts("가" * 134) == 2
    assert sms_parts("가" * 135) == 3 and sms_parts("가" * 300) == 5


def _reply(factory, conv_id, text, kind=MsgKind.OUTBOUND):
    with session_scope(factory) as s:
        do_append_message(session=s, conv=s.get(Conversation, conv_id), kind=kind, body=text)


def _items(factory):
    with session_scope(factory) as s:
        return [(i.id, i.conversation_id, i.status, i.recipient, i.body) for i in s.scalars(
            select(OutboxItem).order_by(OutboxItem.id))]


def test_only_outbound_sms_is_queued_with_the_message(client, seeded):
    factory = seeded
    conv = _intake(client, factory, ext="o1", phone="010-7777-0001")["conversation_id"]
    _reply(factory, conv, "답변입니다")
    _reply(factory, conv, "내부 메모", kind=MsgKind.NOTE)
    _reply(factory, conv, "상담사가 연결되었습니다", kind=MsgKind.SYSTEM)
    items = _items(factory)
    # The recipient is the citizen's one phone identity, E.164.
    assert [(c, st, to, body) for _, c, st, to, body in items] == [(conv, "queued", "+821077770001", "답변입니다")]
    # A message rolled back takes its outbox row with it.
    try:
        with session_scope(factory) as s:
            do_append_message(session=s, conv=s.get(Conversation, conv), kind=MsgKind.OUTBOUND, body="취소될 답변")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert len(_items(factory)) == 1


def test_order_per_conversation_retries_and_failure_shown_to_the_agent(client, seeded, app):
    factory = seeded
    a = _intake(client, factory, ext="o2", phone="010-7777-0002")["conversation_id"]
    b = _intake(client, factory, ext="o3", phone="010-7777-0003")["conversation_id"]
    for text in ("A1", "A2", "A3"):
        _reply(factory, a, text)
    _reply(factory, b, "B1")
    now = clock.now()
    with session_scope(factory) as s:
        first = [(i.id, i.body) for i in do_claim_due(session=s, now=now)]
    assert [body for _, body in first] == ["A1", "B1"]  # one per conversation, oldest first
    a1, b1 = (i for i, _ in first)
    with session_scope(factory) as s:
        do_record_result(session=s, item_id=b1, ok=True)
        do_record_result(session=s, item_id=a1, ok=False, error="Kannel unreachable: ConnectError")
    with session_scope(factory) as s:
        # A1 waits for its backoff, and A2 waits for A1: nothing of A may overtake.
        assert do_claim_due(session=s, now=now) == []
    with session_scope(factory) as s:
        again = [i.body for i in do_claim_due(session=s, now=now + timedelta(minutes=6))]
    assert again == ["A1"]
    with session_scope(factory) as s:
        do_record_result(session=s, item_id=a1, ok=True)
        nxt = do_claim_due(session=s, now=now + timedelta(minutes=6))
        assert [i.body for i in nxt] == ["A2"]
        do_record_result(session=s, item_id=nxt[0].id, ok=False, error="Kannel answered 403: Authorization failed",
                         permanent=True)
    # The agent sees which reply did not go out, and why.
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    msgs = client.get(f"/api/v1/conversations/{a}", headers=h).json()["messages"]
    status = {m["body"]: (m["delivery_status"], m["delivery_error"]) for m in msgs if m["kind"] == "outbound"}
    assert status["A1"] == ("sent", "") and status["A2"][0] == "failed" and "403" in status["A2"][1]
    assert status["A3"] == ("queued", "")


def test_a_gateway_back_from_an_outage_releases_what_waits_on_a_backoff(client, seeded):
    factory = seeded
    convs = [_intake(client, factory, ext=f"g{i}", phone=f"010-7777-01{i:02d}")["conversation_id"] for i in range(3)]
    for c in convs:
        _reply(factory, c, f"답변 {c}")
    now = clock.now()
    with session_scope(factory) as s:
        ids = [i.id for i in do_claim_due(session=s, now=now)]
        for i in ids:  # the gateway is down: each waits on its backoff
            do_record_result(session=s, item_id=i, ok=False, error="Kannel unreachable", now=now)
    later = now + timedelta(seconds=1)
    with session_scope(factory) as s:
        assert do_claim_due(session=s, now=later) == []
        s.get(OutboxItem, ids[0]).next_attempt_at = later  # its retry comes first, and succeeds
        probe = do_claim_due(session=s, now=later)
        assert [i.id for i in probe] == [ids[0]]
        do_record_result(session=s, item_id=ids[0], ok=True, now=later)
    with session_scope(factory) as s:  # the others go at once instead of up to minutes later
        assert sorted(i.id for i in do_claim_due(session=s, now=later)) == ids[1:]


def test_without_any_later_report_a_hand_over_waits_the_full_window(client, seeded):
    factory = seeded
    conv = _intake(client, factory, ext="o6", phone="010-7777-0006")["conversation_id"]
    _reply(factory, conv, "R")
    now = clock.now()
    with session_scope(factory) as s:
        do_claim_due(session=s, now=now)
    with session_scope(factory) as s:
        assert do_recover(session=s, now=now + timedelta(seconds=599)) == 0
        assert do_recover(session=s, now=now + timedelta(seconds=601)) == 1


def test_abandoned_hand_over_is_resent_unless_a_report_came(client, seeded):
    factory = seeded
    conv = _intake(client, factory, ext="o4", phone="010-7777-0004")["conversation_id"]
    _reply(factory, conv, "R1")
    now = clock.now()
    with session_scope(factory) as s:
        (item,) = do_claim_due(session=s, now=now)  # the process dies before recording the answer
    with session_scope(factory) as s:
        assert do_recover(session=s, now=now + timedelta(seconds=5)) == 0  # too early to tell
        # No report for anything handed over later: the gateway may have it, its reports late.
        assert do_recover(session=s, now=now + timedelta(seconds=31)) == 0
    # A reply handed over later gets its report: had the gateway taken R1, R1's would be here.
    other = _intake(client, factory, ext="o5", phone="010-7777-0005")["conversation_id"]
    _reply(factory, other, "later")
    with session_scope(factory) as s:
        (later,) = do_claim_due(session=s, now=now + timedelta(seconds=10))
        do_record_result(session=s, item_id=later.id, ok=True, now=now + timedelta(seconds=10))
        do_delivery_report(session=s, item_id=later.id, kind=8)
    with session_scope(factory) as s:
        assert do_recover(session=s, now=now + timedelta(seconds=31)) == 1
    assert _items(factory)[0][2] == "queued"
    with session_scope(factory) as s:
        (item,) = do_claim_due(session=s, now=now + timedelta(seconds=31))
    with session_scope(factory) as s:  # this time the gateway's report arrives first
        do_delivery_report(session=s, item_id=item.id, kind=8)
    with session_scope(factory) as s:
        assert do_recover(session=s, now=now + timedelta(minutes=15)) == 0  # reported: never again
        do_delivery_report(session=s, item_id=item.id, kind=1)
    assert _items(factory)[0][2] == "delivered"


def test_kannel_endpoints_check_the_token_and_store_each_message_once(client, seeded):
    factory = seeded
    with session_scope(factory) as s:
        token = do_create_api_token(session=s, channel="sms")
        web = do_create_api_token(session=s, channel="email")
    q = {"from": "01088889999", "to": "120", "text": "주차 문의", "id": "kannel-uuid-1"}
    r = client.get("/channels/sms/kannel/mo", params={**q, "token": token})
    assert r.status_code == 200 and r.text == ""
    assert client.get("/channels/sms/kannel/mo", params={**q, "token": token}).status_code == 200  # redelivery
    from dasan.conversations.models import Message

    with session_scope(factory) as s:
        assert len(s.scalars(select(Message).where(Message.external_id == "kannel:kannel-uuid-1")).all()) == 1
    assert client.get("/channels/sms/kannel/mo", params=q).status_code == 401
    assert client.get("/channels/sms/kannel/mo", params={**q, "token": "nope"}).status_code == 401
    assert client.get("/channels/sms/kannel/mo", params={**q, "token": web}).status_code == 403
    r = client.get("/channels/sms/kannel/mo", params={**q, "id": "", "token": token})
    assert r.status_code == 422
    assert client.get("/channels/sms/kannel/dlr", params={"token": token, "id": 999, "type": 1}).status_code == 404
    assert client.get("/channels/sms/kannel/dlr", params={"token": token, "id": "x", "type": 1}).status_code == 422


def test_opt_out_keywords_are_honoured(client, seeded):
    from dasan.channels.sms import opt_keyword

    assert opt_keyword(" stop ") == "out" and opt_keyword("수신 거부") == "out" and opt_keyword("수신동의") == "in"
    assert opt_keyword("stop the noise please") is None
    factory = seeded
    with session_scope(factory) as s:
        token = do_create_api_token(session=s, channel="sms")

    def mo(text, mid):
        r = client.get("/channels/sms/kannel/mo", params={"token": token, "from": "01033334444", "to": "120",
                                                           "text": text, "id": mid})
        assert r.status_code == 200

    mo("주차 문의드립니다", "k1")
    mo("수신거부", "k2")
    conv = _items(factory)[0][1]
    _reply(factory, conv, "답변드립니다")  # after the opt-out: not sent, and the agent sees why
    items = _items(factory)
    assert [(st, body[:6]) for _, _, st, _, body in items] == [("queued", "[120 다"), ("failed", "답변드립니다")]
    mo("수신동의", "k3")
    _reply(factory, conv, "다시 답변드립니다")
    # A message that is only the keyword, from someone with no open contact, closes itself.
    r = client.get("/channels/sms/kannel/mo", params={"token": token, "from": "01099990000", "to": "120",
                                                       "text": "STOP", "id": "k9"})
    assert r.status_code == 200
    with session_scope(factory) as s:
        from dasan.conversations.models import Message

        lone = s.get(Conversation, s.scalar(select(Message.conversation_id).where(Message.external_id == "kannel:k9")))
        assert lone.status == "closed" and lone.agent_id is None
    assert [st for _, _, st, _, _ in _items(factory)][-2:] == ["queued", "queued"]
    with session_scope(factory) as s:
        failed = s.scalar(select(OutboxItem).where(OutboxItem.status == "failed"))
        assert "opted out" in failed.last_error

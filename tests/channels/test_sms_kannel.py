"""SMS through a real Kannel (bearerbox + smsbox + fakesmsc on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import time
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from dasan.conversations.models import Conversation, Message
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.outbox.models import OutboxItem
from dasan.security.actions import do_create_api_token

from ..conftest import Server, free_port, login, settings_from_env
from .kannel import Kannel, joined, received, require_kannel, ucs2

PHONE = "01055501234"


def wait_for(pred, timeout: float = 30, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def sms_stack_with(server_env: dict, tmp_path, **extra_env: str):
    """A Dasan server and a Kannel that talk to each other; yields (server, kannel, db)."""
    require_kannel()
    db = make_sessionmaker(make_engine(settings_from_env(server_env)))
    with session_scope(db) as s:
        token = do_create_api_token(session=s, channel="sms")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    kannel = Kannel(tmp_path / "kannel", url, token)
    env = {**server_env, **kannel.env(), "DASAN_KANNEL_TOKEN": token, "DASAN_PUBLIC_URL": url, **extra_env}
    server = Server(env, port=port, log_path=tmp_path / "server.log").start()
    kannel.start()
    try:
        yield server, kannel, db
    finally:
        kannel.close()
        server.stop()


@pytest.fixture
def sms_stack(server_env, tmp_path):
    with sms_stack_with(server_env, tmp_path) as stack:
        yield stack


def test_korean_sms_round_trip_with_delivery_report(sms_stack):
    server, kannel, db = sms_stack
    question = "안녕하세요, 대형폐기물 스티커는 어디서 사나요?"
    log = kannel.phones(f"{PHONE} 120 ucs2 {ucs2(question)}")

    def inbound():
        with session_scope(db) as s:
            return s.execute(select(Message.conversation_id, Message.body).where(Message.kind == "inbound")).first()

    conv_id, body = wait_for(inbound, what="the SMS to reach Dasan")
    assert body == question  # UCS-2 decoded correctly end to end
    with session_scope(db) as s:
        conv = s.get(Conversation, conv_id)
        assert conv.channel == "sms" and conv.dialled_number == "120"

    # An agent answers with 300 Korean characters: five UCS-2 parts, joined on the handset.
    sentence = "대형폐기물은 구청 홈페이지나 동 주민센터에서 신고하고 수수료를 내신 뒤 스티커를 붙여 배출하면 됩니다. "
    reply = (sentence * 6)[:299] + "."  # 300 characters (a stored message is trimmed of spaces)
    with httpx.Client(base_url=server.url, timeout=30) as c:
        h = _accept_as(c, "agent1", conv_id)
        c.post(f"/api/v1/conversations/{conv_id}/messages", headers=h,
               json={"text": reply, "client_msg_id": "r1"}).raise_for_status()
        texts = wait_for(lambda: joined(received(log)).get(PHONE), what="the reply on the phone")
        assert texts == [reply]
        parts = [p for p in received(log) if p[0] == PHONE]
        assert len(parts) == 5 and all(p[1].startswith("050003") for p in parts)

        def delivered():
            msgs = c.get(f"/api/v1/conversations/{conv_id}").json()["messages"]
            return [m for m in msgs if m["kind"] == "outbound" and m["delivery_status"] == "delivered"]

        wait_for(delivered, what="the delivery report")
    with session_scope(db) as s:
        item = s.scalar(select(OutboxItem))
        assert item.recipient == f"+82{PHONE[1:]}" and item.attempts == 1 and item.delivered_at is not None
    # Kannel can only send its token (and the SMS) in the query string: the access log has the
    # request, not the token, the number or the words.
    server_log = server.log_path.read_text(errors="replace")
    assert "/channels/sms/kannel/mo?token=***&from=***&to=***&text=***&id=" in server_log
    assert kannel.token not in server_log and PHONE not in server_log and quote(question)[:18] not in server_log


def test_replies_wait_while_kannel_is_down_and_go_out_once_in_order(sms_stack):
    server, kannel, db = sms_stack
    log = kannel.phones(f"{PHONE} 120 text hello")
    conv_id = wait_for(lambda: _conv(db), what="the SMS")
    kannel.stop()  # the gateway goes away
    with httpx.Client(base_url=server.url, timeout=30) as c:
        h = _accept_as(c, "agent2", conv_id)
        for i in range(5):
            c.post(f"/api/v1/conversations/{conv_id}/messages", headers=h,
                   json={"text": f"답변 {i}번입니다", "client_msg_id": f"m{i}"}).raise_for_status()

        def failed_attempts():
            with session_scope(db) as s:
                return s.scalar(select(func.max(OutboxItem.attempts)))

        wait_for(lambda: (failed_attempts() or 0) >= 2, what="retries while Kannel is down")
        msgs = c.get(f"/api/v1/conversations/{conv_id}").json()["messages"]
        assert {m["delivery_status"] for m in msgs if m["kind"] == "outbound"} <= {"queued", "sending"}
        assert any("Kannel unreachable" in m["delivery_error"] for m in msgs if m["kind"] == "outbound")
    kannel.start()
    kannel.phones()  # the phones reconnect to the SMSC
    texts = wait_for(lambda: (lambda t: t if len(t) >= 5 else None)(
        [p[2] for f in kannel.fakes for p in received(f[1]) if p[0] == PHONE]), timeout=60, what="the replies")
    time.sleep(1.5)  # anything sent twice would show up now
    texts = [p[2] for f in kannel.fakes for p in received(f[1]) if p[0] == PHONE]
    assert texts == [f"답변 {i}번입니다" for i in range(5)]
    assert log.exists()


def _accept_as(c: httpx.Client, username: str, conv_id: int) -> dict:
    """Log in as an agent, become available, wait for the contact's offer and accept it."""
    h = {"X-CSRF-Token": login(c, username)}
    c.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h).raise_for_status()
    wait_for(lambda: any(x["id"] == conv_id and x["status"] == "offered"
                         for x in c.get("/api/v1/agent/state").json()["conversations"]), what="the offer")
    c.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).raise_for_status()
    return h


def _conv(db):
    with session_scope(db) as s:
        return s.scalar(select(Conversation.id).where(Conversation.channel == "sms"))


def test_mms_by_mm7_reaches_an_agent_whose_reply_goes_back_by_sms(sms_stack):
    import base64

    from ..attachments.test_attachments import photo_with_gps
    from .mm7msg import deliver_req

    server, kannel, db = sms_stack
    log = kannel.phones()  # the phones are connected, sending nothing
    body, ctype = deliver_req(tid="mmsc-e2e-1", sender=f"+82{PHONE[1:]}/TYPE=PLMN", subject="포트홀 신고",
                              text="시청 앞 도로입니다", files=[("IMG_1.jpg", "image/jpeg", photo_with_gps())])
    auth = base64.b64encode(f"mmsc:{server.env['DASAN_KANNEL_TOKEN']}".encode()).decode()
    r = httpx.post(f"{server.url}/channels/mms/mm7", content=body, timeout=30,
                   headers={"Content-Type": ctype, "Authorization": f"Basic {auth}"})
    assert r.status_code == 200 and "<StatusCode>1000</StatusCode>" in r.text
    conv_id = wait_for(lambda: _conv(db), what="the MMS")
    reply = "사진 잘 받았습니다. 도로 보수 담당 부서에 전달하겠습니다."
    with httpx.Client(base_url=server.url, timeout=30) as c:
        h = _accept_as(c, "agent1", conv_id)
        msgs = c.get(f"/api/v1/conversations/{conv_id}").json()["messages"]
        assert msgs[0]["attachments"][0]["content_type"] == "image/jpeg"
        c.post(f"/api/v1/conversations/{conv_id}/messages", headers=h,
               json={"text": reply, "client_msg_id": "r1"}).raise_for_status()
    assert wait_for(lambda: joined(received(log)).get(PHONE), what="the reply on the phone") == [reply]

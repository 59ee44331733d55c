"""The signed webhook channel: every refusal stores nothing; a replay is stored once; replies go
out signed to the platform's callback URL through the outbox."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
from sqlalchemy import func, select

from dasan.channels.signing import sign, verify
from dasan.channels.webhook import do_create_source
from dasan.conversations.models import Conversation, Message
from dasan.db.engine import session_scope

from ..conftest import login

BODY = {"message_id": "kk-1", "sender": {"id": "user-77", "name": "김시민"}, "text": "불법 주정차 신고하고 싶어요"}


def _post(client, platform, secret, payload, *, ts=None, raw=None, sig=None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    ts = int(time.time()) if ts is None else ts
    headers = {"Content-Type": "application/json", "X-Dasan-Timestamp": str(ts),
               "X-Dasan-Signature": sig or sign(secret, ts, body)}
    return client.post(f"/channels/webhook/{platform}", content=body, headers=headers)


def _stored(factory) -> int:
    with session_scope(factory) as s:
        return s.scalar(select(func.count()).select_from(Message))


def test_signature_rules():
    body = b'{"a":1}'
    assert verify("s", "100", sign("s", 100, body), body, now=100) is None
    assert verify("s", "100", sign("t", 100, body), body, now=100) == "bad signature"
    assert verify("s", "100", sign("s", 100, body), body + b" ", now=100) == "bad signature"
    assert "stale" in verify("s", "100", sign("s", 100, body), body, now=401)
    assert verify("s", None, "x", body, now=100) and verify("s", "abc", "x", body, now=100)


def test_every_bad_request_gets_a_clear_4xx_and_stores_nothing(client, seeded):
    factory = seeded
    with session_scope(factory) as s:
        secret = do_create_source(session=s, platform="kakao")
    cases = [
        (_post(client, "kakao", secret, BODY, sig="sha256=" + "0" * 64), 401, "bad_signature"),
        (_post(client, "kakao", "wrong-secret", BODY), 401, "bad_signature"),
        (_post(client, "kakao", secret, BODY, ts=int(time.time()) - 3600), 401, "stale"),
        (_post(client, "kakao", secret, None, raw=b'{"message_id": "x", '), 400, "malformed_json"),
        (_post(client, "kakao", secret, None, raw=b"x" * (64 * 1024 + 1)), 413, "too_large"),
        (_post(client, "kakao", secret, {"sender": {"id": "u"}, "text": "no id"}), 422, "invalid"),
        (_post(client, "kakao", secret, {**BODY, "sender": {"id": "u", "lang": "xx"}}), 422, "invalid"),
        (_post(client, "kakao", secret, {**BODY, "sent_at": "2026-11-22T10:00:00"}), 422, "invalid"),
        (_post(client, "nope", secret, BODY), 404, "not_found"),
        (client.post("/channels/webhook/kakao", json=BODY), 401, "unsigned"),
    ]
    for r, status, code in cases:
        assert (r.status_code, r.json()["error"]) == (status, code), r.text
        assert r.json()["message"]
    assert _stored(factory) == 0


def test_a_replayed_message_is_stored_once_and_the_reply_deadline_shown(client, seeded):
    factory = seeded
    with session_scope(factory) as s:
        secret = do_create_source(session=s, platform="line", reply_window_h=24)
    first = _post(client, "line", secret, BODY)
    again = _post(client, "line", secret, BODY)  # the platform delivers it twice
    assert first.status_code == 202 and again.status_code == 202
    assert again.json()["duplicate"] is True and again.json()["message_id"] == first.json()["message_id"]
    assert _stored(factory) == 1
    conv_id = first.json()["conversation_id"]
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    conv = client.get(f"/api/v1/conversations/{conv_id}", headers=h).json()
    assert conv["channel"] == "sns-line" and conv["reply_by"] is not None
    with session_scope(factory) as s:
        c = s.get(Conversation, conv_id)
        hours = (c.reply_by - c.created_at).total_seconds() / 3600
        assert 23.9 < hours < 24.1


@pytest.fixture
def callback_server():
    got: list[tuple[dict, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/reply", got
    server.shutdown()


def test_agent_reply_goes_out_signed_to_the_platform(client, seeded, app, callback_server):
    url, got = callback_server
    factory = seeded
    with session_scope(factory) as s:
        secret = do_create_source(session=s, platform="insta", callback_url=url)
    conv_id = _post(client, "insta", secret, BODY).json()["conversation_id"]
    from dasan.conversations.actions import do_append_message
    from dasan.conversations.models import MsgKind

    with session_scope(factory) as s:
        do_append_message(session=s, conv=s.get(Conversation, conv_id), kind=MsgKind.OUTBOUND,
                          body="신고는 120 앱에서 하실 수 있습니다.")
    deadline = time.time() + 10
    while not got and time.time() < deadline:
        app.state.outbox.run_once()
        time.sleep(0.1)
    headers, body = got[0]
    assert verify(secret, headers["x-dasan-timestamp"], headers["x-dasan-signature"], body, now=time.time()) is None
    sent = json.loads(body)
    assert sent["recipient"] == "user-77" and sent["text"] == "신고는 120 앱에서 하실 수 있습니다."
    assert len(got) == 1


def test_reply_deadline_warns_once_before_and_once_after_unless_answered(client, seeded):
    from datetime import timedelta

    from dasan.channels.webhook import do_escalate_reply_deadlines
    from dasan.conversations.actions import do_append_message
    from dasan.conversations.models import ConversationEvent, MsgKind
    from dasan.core import clock

    factory = seeded
    with session_scope(factory) as s:
        secret = do_create_source(session=s, platform="fb")
    conv_id = _post(client, "fb", secret, BODY).json()["conversation_id"]
    other = _post(client, "fb", secret, {**BODY, "message_id": "kk-2", "sender": {"id": "user-88"}}).json()

    def run(hours):
        with session_scope(factory) as s:
            return do_escalate_reply_deadlines(session=s, now=clock.now() + timedelta(hours=hours))

    with session_scope(factory) as s:  # the other citizen gets an answer in time
        do_append_message(session=s, conv=s.get(Conversation, other["conversation_id"]), kind=MsgKind.OUTBOUND,
                          body="답변드립니다")
    assert run(10) == 0  # far from the deadline
    assert run(22.5) == 1 and run(23) == 0  # warned once, 90 minutes before
    assert run(24.5) == 1 and run(30) == 0  # and once when it passed
    with session_scope(factory) as s:
        kinds = s.scalars(select(ConversationEvent.kind).where(ConversationEvent.conversation_id == conv_id)).all()
        assert kinds.count("reply_deadline_near") == 1 and kinds.count("reply_deadline_passed") == 1


def test_a_secret_is_rotated_without_downtime(client, seeded):
    """Issue 18: the admin rotates a platform's secret; both secrets work during the overlap, then
    only the new one; the source shows when it was last used; replies carry both signatures."""
    from datetime import timedelta

    from dasan.channels.models import WebhookSource
    from dasan.channels.webhook import WebhookReplySender
    from dasan.core import clock

    factory = seeded
    with session_scope(factory) as s:
        old = do_create_source(session=s, platform="kakao", callback_url="http://127.0.0.1:9/replies")
        source_id = s.scalar(select(WebhookSource.id).where(WebhookSource.platform == "kakao"))
    h = {"X-CSRF-Token": login(client, "admin")}
    assert client.get("/api/v1/admin/webhooks").json()[0]["last_used_at"] is None
    assert _post(client, "kakao", old, BODY).status_code == 202
    r = client.post(f"/api/v1/admin/webhooks/{source_id}/rotate", headers=h, json={"overlap_hours": 2})
    assert r.status_code == 201
    new = r.json()["secret"]
    assert new != old
    listed = client.get("/api/v1/admin/webhooks").json()[0]
    assert listed["last_used_at"] is not None and listed["previous_until"] is not None
    assert _post(client, "kakao", old, {**BODY, "message_id": "kk-2"}).status_code == 202  # the overlap
    assert _post(client, "kakao", new, {**BODY, "message_id": "kk-3"}).status_code == 202
    # our replies meanwhile: signed with the new secret, and with the old one beside it
    sent: list[dict] = []

    class Capture:
        def post(self, url, content, headers):
            sent.append(headers)
            raise __import__("httpx").ConnectError("captured")

    class Item:
        id, channel, recipient, body = 1, "sns-kakao", "user-77", "답변입니다"

    WebhookReplySender(factory, client=Capture()).send(Item())  # type: ignore[arg-type]
    ts = int(sent[0]["X-Dasan-Timestamp"])
    reply = json.dumps({"message_id": "dasan-1", "recipient": "user-77", "text": "답변입니다"},
                       ensure_ascii=False).encode()
    assert sent[0]["X-Dasan-Signature"] == sign(new, ts, reply)
    assert sent[0]["X-Dasan-Signature-Previous"] == sign(old, ts, reply)
    clock.advance(timedelta(hours=2, minutes=1))  # the overlap is over (signatures stay fresh: real time)
    refused = _post(client, "kakao", old, {**BODY, "message_id": "kk-4"})
    assert refused.status_code == 401 and refused.json()["error"] == "bad_signature"
    assert _post(client, "kakao", new, {**BODY, "message_id": "kk-5"}).status_code == 202

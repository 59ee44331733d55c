"""The generic intake endpoint, exactly as PRODUCT.md describes it."""

from __future__ import annotations

from sqlalchemy import func, select

from dasan.conversations.models import Conversation, Message
from dasan.db.engine import session_scope
from dasan.security.actions import do_create_api_token


def _token(factory, channel="sms") -> str:
    with session_scope(factory) as s:
        return do_create_api_token(session=s, channel=channel)


def _body(i=1, phone="010-1234-5678", **over):
    body = {"channel": "sms", "external_id": f"ext-{i}", "sender": {"phone": phone, "name": "홍길동"},
            "text": "대형폐기물 버리는 방법 알려주세요", "sent_at": "2026-11-21T09:00:00+09:00"}
    body.update(over)
    return body


def _count(factory, model):
    with session_scope(factory) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_intake_accepts_after_commit_and_is_idempotent(client, factory):
    token = _token(factory)
    h = {"Authorization": f"Bearer {token}"}
    r1 = client.post("/api/v1/intake/messages", json=_body(), headers=h)
    assert r1.status_code == 202
    ids = r1.json()
    assert ids["duplicate"] is False and ids["seq"] == 1
    r2 = client.post("/api/v1/intake/messages", json=_body(), headers=h)
    assert r2.status_code == 202
    assert r2.json() == {**ids, "duplicate": True}
    assert _count(factory, Message) == 1
    with session_scope(factory) as s:
        conv = s.get(Conversation, ids["conversation_id"])
        assert conv.status == "queued" and conv.channel == "sms"


def test_same_phone_continues_the_open_conversation(client, factory):
    h = {"Authorization": f"Bearer {_token(factory)}"}
    a = client.post("/api/v1/intake/messages", json=_body(1), headers=h).json()
    b = client.post("/api/v1/intake/messages", json=_body(2, phone="01012345678", text="추가 질문"), headers=h).json()
    assert a["conversation_id"] == b["conversation_id"] and b["seq"] == 2


def test_intake_needs_a_valid_token_for_that_channel(client, factory):
    r = client.post("/api/v1/intake/messages", json=_body())
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    r = client.post("/api/v1/intake/messages", json=_body(), headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["message"] == "unknown, expired or revoked token"
    email_token = _token(factory, "email")
    r = client.post("/api/v1/intake/messages", json=_body(), headers={"Authorization": f"Bearer {email_token}"})
    assert r.status_code == 403
    assert r.json() == {"error": "wrong_channel", "message": "this token is for channel 'email', not 'sms'"}
    assert _count(factory, Message) == 0


def test_bad_input_gets_a_clear_error_and_changes_nothing(client, factory):
    h = {"Authorization": f"Bearer {_token(factory)}"}
    cases = [
        (_body(sender={"name": "no identity"}), "sender: Value error, sender needs at least one of id, phone, email"),
        (_body(sent_at="2026-11-21T09:00:00"), "Value error, sent_at needs a time zone (ISO 8601 with offset)"),
        (_body(text="   "), "Value error, a message needs text or attachments"),
        (_body(text="가" * 4001), "text: String should have at most 4000 characters"),
        (_body(channel="SMS!"), "channel: String should match pattern"),
    ]
    for body, message in cases:
        r = client.post("/api/v1/intake/messages", json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["error"] == "invalid"
        assert message in r.json()["message"], r.json()
    r = client.post("/api/v1/intake/messages", content=b"{not json", headers={**h, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "invalid"
    assert _count(factory, Message) == 0
    assert _count(factory, Conversation) == 0


def test_many_concurrent_integration_calls_never_deadlock(server_env, servers):
    """More simultaneous requests than the server has worker threads: the access check's
    transaction must not hold a connection (or SQLite's writer lock) while its request waits for a
    thread (regression: requests failed after a 30 s lock timeout)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from dasan.db.engine import make_engine, make_sessionmaker

    from .conftest import settings_from_env

    db = make_sessionmaker(make_engine(settings_from_env(server_env)))
    with session_scope(db) as s:
        token = do_create_api_token(session=s, channel="sms")
    # The ceiling of intake in flight above this test's 100 at once: it is about threads (anyio's
    # 40), not backpressure (tests/channels/test_admission.py).
    base = servers({**server_env, "DASAN_INTAKE_MAX_IN_FLIGHT": "200"}).url

    def post(i: int) -> int:
        with httpx.Client(timeout=60) as c:
            return c.post(f"{base}/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                          json=_body(i, phone=f"010-6000-{i:04d}")).status_code

    with ThreadPoolExecutor(100) as ex:
        codes = list(ex.map(post, range(200)))
    assert codes.count(202) == 200, sorted(set(codes))
    with session_scope(db) as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 200

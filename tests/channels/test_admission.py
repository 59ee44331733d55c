"""Backpressure: past the ceiling of intake requests in flight, each adapter says "try later" at
once in its own protocol and stores nothing; whatever was acknowledged is stored exactly once."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import httpx
from sqlalchemy import func, select

from dasan.channels.email import InboundHandler
from dasan.conversations.models import Message
from dasan.db.engine import session_scope
from dasan.security.actions import do_create_api_token

from ..conftest import run_async, settings_from_env
from .mm7msg import deliver_req


def _message(tag: str, i: int) -> dict:
    return {"channel": "sms", "external_id": f"{tag}-{i}", "sender": {"phone": f"010-5551-{1000 + i}"},
            "text": "단수 문의", "sent_at": "2026-11-21T09:00:00+09:00"}


def _count(factory) -> int:
    with session_scope(factory) as s:
        return s.scalar(select(func.count()).select_from(Message))


def test_past_the_ceiling_every_adapter_says_try_later_at_once_and_stores_nothing(app, client, factory):
    with session_scope(factory) as s:
        sms, mms = do_create_api_token(session=s, channel="sms"), do_create_api_token(session=s, channel="sms")
    admission = app.state.admission
    held = 0
    while admission.try_enter("test"):  # what many slow requests in flight would hold
        held += 1
    assert held == app.state.settings.intake_max_in_flight
    try:
        r = client.post("/api/v1/intake/messages", json=_message("busy", 1), headers={"Authorization": f"Bearer {sms}"})
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.json()["error"] == "busy" and "again" in r.json()["message"]
        # Kannel's smsbox retries any answer but 200/202 (http-request-retry)
        r = client.get("/channels/sms/kannel/mo", params={"token": sms, "from": "01055519999", "text": "x", "id": "k9"})
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        # the MMSC gets an MM7 fault with a server-side status: send it again
        body, ctype = deliver_req(tid="busy-1", sender="01055519999", text="x", files=[])
        r = client.post("/channels/mms/mm7", content=body,
                        headers={"Content-Type": ctype, "Authorization": f"Bearer {mms}"})
        assert r.status_code == 503 and "<StatusCode>3000</StatusCode>" in r.text and "env:Server" in r.text
        # a sending mail server gets SMTP's "try again later"
        handler = InboundHandler(factory, admission=admission)
        envelope = SimpleNamespace(content=b"From: a@example.org\r\nMessage-ID: <m1@example.org>\r\n\r\nhello")
        assert run_async(handler.handle_DATA(None, None, envelope)).startswith("451 4.3.2")
        assert _count(factory) == 0  # nothing was read or written
        # not intake: answered as usual
        assert client.get("/healthz").status_code == 200
    finally:
        for _ in range(held):
            admission.leave()
    r = client.post("/api/v1/intake/messages", json=_message("busy", 1), headers={"Authorization": f"Bearer {sms}"})
    assert r.status_code == 202 and admission.in_flight == 0


def test_a_burst_past_capacity_gets_202_or_503_and_every_acknowledged_message_is_stored_once(server_env, servers):
    env = {**server_env, "DASAN_INTAKE_MAX_IN_FLIGHT": "4"}
    factory_settings = settings_from_env(env)
    from dasan.db.engine import make_engine, make_sessionmaker

    engine = make_engine(factory_settings)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as s:
        token = do_create_api_token(session=s, channel="sms")
    server = servers(env)
    before = _count(factory)

    async def burst():
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as c:
            async def one(i):
                r = await c.post("/api/v1/intake/messages", json=_message("burst", i),
                                 headers={"Authorization": f"Bearer {token}"})
                return i, r.status_code, r.headers.get("retry-after"), r.json()
            return await asyncio.gather(*(one(i) for i in range(300)))

    results = run_async(burst())
    statuses = {code for _, code, _, _ in results}
    assert statuses <= {202, 503} and 503 in statuses and 202 in statuses
    assert all(ra == "1" for _, code, ra, _ in results if code == 503)
    acked = {body["message_id"] for _, code, _, body in results if code == 202}
    with session_scope(factory) as s:
        stored = set(s.scalars(select(Message.id).where(Message.external_id.like("burst-%"))))
    assert acked <= stored  # nothing acknowledged is lost
    assert _count(factory) - before == len(stored) == len(acked)  # and nothing refused was stored
    engine.dispose()

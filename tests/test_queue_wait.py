"""The expected wait per queue, from live state, for voice menus and other integrations."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from dasan.db.engine import session_scope
from dasan.routing.models import AgentStatus
from dasan.security.actions import do_create_api_token

from .conftest import login
from .test_conversation_flow import _intake


def _token(factory, channel="voice"):
    with session_scope(factory) as s:
        return {"Authorization": f"Bearer {do_create_api_token(session=s, channel=channel)}"}


def test_expected_wait_follows_the_queue_and_its_agents(client, seeded):
    factory = seeded
    h = _token(factory)
    r = client.get("/api/v1/queues/general/wait", headers=h)
    assert r.status_code == 200
    assert r.json()["waiting"] == 0 and r.json()["expected_wait_s"] is None  # nobody logged in
    for name in ("agent1", "agent2"):
        client.cookies.clear()
        csrf = login(client, name)
        client.post("/api/v1/agent/presence", json={"presence": "break"}, headers={"X-CSRF-Token": csrf})
        client.post("/api/v1/agent/presence", json={"presence": "available"}, headers={"X-CSRF-Token": csrf})
    with session_scope(factory) as s:
        s.execute(update(AgentStatus).values(max_chats=2))
    # Two agents, two contacts each: four slots; no records yet, so the 180 s default handle time.
    # (A contact being offered still counts as waiting.)
    _intake(client, factory, ext="w1", phone="010-8000-0001")
    body = client.get("/api/v1/queues/general/wait", headers=h).json()
    assert body["serving_capacity"] == 4 and body["mean_handle_s"] == 180.0
    assert body["position"] == body["waiting"] + 1
    assert body["expected_wait_s"] == pytest.approx((body["position"] - 1 / 3) * 180 / 4)
    # The English line counts only agents with the English skill: none is logged in.
    en_wait = client.get("/api/v1/queues/lang-en/wait", headers=h).json()
    assert en_wait["serving_capacity"] == 0 and en_wait["expected_wait_s"] is None
    assert client.get("/api/v1/queues/nope/wait", headers=h).status_code == 404
    assert client.get("/api/v1/queues/general/wait").status_code == 401

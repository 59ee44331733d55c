"""Assignment under concurrency: two server processes on PostgreSQL + Redis dispatch the same queues.

Each contact must reach exactly one agent, no agent may ever hold more than its capacity, and a
contact offered to an agent who does not answer must be re-offered to someone else.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select, update

from dasan.conversations.models import Conversation, ConversationEvent, ConvStatus
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.orgs.models import User
from dasan.routing.models import AgentStatus
from dasan.security.actions import do_create_api_token

from .conftest import REDIS_URL, login, require_service, settings_from_env

CONTACTS = 90
RESPONSIVE = [f"agent{i}" for i in range(1, 11)]  # ten agents who accept, alternate processes
SILENT = ["agent11", "agent12"]  # they go available and never answer an offer


def _agent_loop(base_url: str, username: str, stop: threading.Event, errors: list[str]) -> None:
    """Accept whatever is offered, hold it briefly, end it and write the record."""
    rng = random.Random(username)
    with httpx.Client(base_url=base_url, timeout=30) as c:
        csrf = login(c, username)
        h = {"X-CSRF-Token": csrf}
        c.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h).raise_for_status()
        while not stop.is_set():
            state = c.get("/api/v1/agent/state").json()
            for conv in state["conversations"]:
                if conv["status"] == "offered":
                    r = c.post(f"/api/v1/conversations/{conv['id']}/accept", headers=h)
                    if r.status_code != 200:
                        errors.append(f"{username} could not accept {conv['id']}: {r.status_code} {r.text}")
                elif conv["status"] == "active" and rng.random() < 0.5:
                    r = c.post(f"/api/v1/conversations/{conv['id']}/wrapup", headers=h,
                               json={"category": "기타", "summary": "동시성 시험", "resolution": "solved"})
                    if r.status_code != 200:
                        errors.append(f"{username} could not close {conv['id']}: {r.status_code} {r.text}")
            time.sleep(0.05)


def _silent_agent(base_url: str, username: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        csrf = login(c, username)
        c.post("/api/v1/agent/presence", json={"presence": "available"},
               headers={"X-CSRF-Token": csrf}).raise_for_status()


@pytest.mark.multiprocess
def test_each_contact_reaches_one_agent_within_capacity_across_two_processes(server_env, servers, settings):
    if not settings.database_url:
        pytest.skip("two processes need PostgreSQL: this run is on SQLite (the PostgreSQL run covers it)")
    require_service("Redis", "127.0.0.1", 6379)
    env = {**server_env, "DASAN_REDIS_URL": REDIS_URL, "DASAN_OFFER_TIMEOUT_S": "1.5"}
    db = make_sessionmaker(make_engine(settings_from_env(env)))
    with session_scope(db) as s:
        # Capacities 1–3, so the limit binds differently for different agents.
        for i, name in enumerate(RESPONSIVE + SILENT):
            uid = s.scalar(select(User.id).where(User.username == name))
            s.execute(update(AgentStatus).where(AgentStatus.user_id == uid).values(max_chats=1 + i % 3))
            if s.scalar(select(AgentStatus.user_id).where(AgentStatus.user_id == uid)) is None:
                s.add(AgentStatus(user_id=uid, presence="offline", max_chats=1 + i % 3))
        token = do_create_api_token(session=s, channel="sms")
        capacity = dict(s.execute(select(User.id, AgentStatus.max_chats).join(AgentStatus,
                                                                            AgentStatus.user_id == User.id)).all())
    a, b = servers(env), servers(env)
    urls = [a.url, b.url]

    # The silent agents are ready first, so they are the longest idle and get the first offers.
    for i, name in enumerate(SILENT):
        _silent_agent(urls[i % 2], name)

    # Watch the database the whole time: no agent ever over capacity, nobody holds a contact twice.
    violations: list[str] = []
    stop_watch = threading.Event()

    def watch() -> None:
        while not stop_watch.is_set():
            with session_scope(db) as s:
                held = Counter()
                for offered_to, agent, status in s.execute(
                    select(Conversation.offered_to_id, Conversation.agent_id, Conversation.status).where(
                        Conversation.status.in_([ConvStatus.OFFERED, ConvStatus.ACTIVE])
                    )
                ):
                    holder = offered_to if status == ConvStatus.OFFERED else agent
                    if holder is None or (offered_to is not None and agent is not None):
                        violations.append(f"contact in {status} with offered_to={offered_to} agent={agent}")
                    held[holder] += 1
                for uid, n in held.items():
                    if n > capacity.get(uid, 0):
                        violations.append(f"agent {uid} holds {n} > capacity {capacity.get(uid)}")
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    # Contacts arrive on both processes at once.
    with httpx.Client(timeout=30) as c:
        for i in range(CONTACTS):
            r = c.post(f"{urls[i % 2]}/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                       json={"channel": "sms", "external_id": f"mp-{i}", "sender": {"phone": f"010-5555-{i:04d}"},
                             "text": f"동시성 문의 {i}", "sent_at": "2026-11-22T09:00:00+09:00"})
            assert r.status_code == 202, r.text
    stop_agents = threading.Event()
    errors: list[str] = []
    threads = [threading.Thread(target=_agent_loop, args=(urls[i % 2], name, stop_agents, errors))
               for i, name in enumerate(RESPONSIVE)]
    for t in threads:
        t.start()
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            with session_scope(db) as s:
                left = s.scalar(select(func.count()).select_from(Conversation).where(
                    Conversation.status != ConvStatus.CLOSED))
            if left == 0:
                break
            time.sleep(0.3)
    finally:
        stop_agents.set()
        for t in threads:
            t.join()
        stop_watch.set()
        watcher.join()
    assert not violations, violations[:5]
    assert not errors, errors[:5]
    with session_scope(db) as s:
        statuses = Counter(s.scalars(select(Conversation.status)).all())
        assert statuses == {ConvStatus.CLOSED: CONTACTS}, statuses
        events = s.execute(select(ConversationEvent.conversation_id, ConversationEvent.kind,
                                  ConversationEvent.data)).all()
        silent_ids = set(s.scalars(select(User.id).where(User.username.in_(SILENT))))
        silent_presence = set(s.scalars(select(AgentStatus.presence).where(AgentStatus.user_id.in_(silent_ids))))
    accepted = Counter(cid for cid, kind, _ in events if kind == "accepted")
    assert len(accepted) == CONTACTS
    assert all(n == 1 for n in accepted.values()), [c for c, n in accepted.items() if n != 1]
    # The silent agents were offered contacts, the offers expired, and those contacts were
    # offered again to someone else and answered.
    to_silent = {cid for cid, kind, data in events if kind == "offered" and data.get("agent_id") in silent_ids}
    expired = {cid for cid, kind, _ in events if kind == "offer_expired"}
    assert to_silent and to_silent <= expired
    assert all(accepted[cid] == 1 for cid in to_silent)
    assert silent_presence == {"break"}  # "agent not responding" takes them out of rotation

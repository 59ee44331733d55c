"""Three processes behind Debian's HAProxy (deploy/haproxy.cfg) on PostgreSQL + Redis, and one of
them killed under load: every acknowledged intake message is stored exactly once, and a citizen's
chat reconnects through HAProxy to another process and resumes, in order, without loss or
duplicates."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import func, select

from dasan.conversations.models import Conversation, ConversationEvent, ConvStatus, Message
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.orgs.models import User
from dasan.security.actions import do_create_api_token

from .conftest import REDIS_URL, _port_open, free_port, login, require_service, run_async, settings_from_env

ROOT = Path(__file__).resolve().parents[1]
INTAKE = 2000
CHAT = 200


def haproxy_config(port: int, backends: list[int]) -> str:
    """deploy/haproxy.cfg with this test's ports (and logs off)."""
    text = (ROOT / "deploy" / "haproxy.cfg").read_text()
    text = re.sub(r"bind 127\.0\.0\.1:\d+", f"bind 127.0.0.1:{port}", text)
    text = re.sub(r"^    server dasan.*\n", "", text, flags=re.M)
    text = re.sub(r"^    log stdout.*\n", "", text, flags=re.M)
    return text + "".join(f"    server dasan{i} 127.0.0.1:{p} check\n" for i, p in enumerate(backends, 1))


@pytest.fixture
def haproxy(tmp_path):
    """Start HAProxy in front of the given ports; stopped at the end of the test."""
    procs: list[subprocess.Popen] = []

    def start(backends: list[int]) -> str:
        if shutil.which("haproxy") is None:
            pytest.fail("haproxy is not installed (scripts/setup installs Debian's package)")
        port = free_port()
        cfg = tmp_path / "haproxy.cfg"
        cfg.write_text(haproxy_config(port, backends))
        proc = subprocess.Popen(["haproxy", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                                stderr=open(tmp_path / "haproxy.log", "wb"))
        procs.append(proc)
        deadline = time.time() + 10
        while not _port_open("127.0.0.1", port):
            assert proc.poll() is None, (tmp_path / "haproxy.log").read_text()
            assert time.time() < deadline, "haproxy did not start"
            time.sleep(0.05)
        return f"127.0.0.1:{port}"

    yield start
    for p in procs:
        p.terminate()
        p.wait(10)


def _wait_ready(base: str, n_ok: int = 20) -> None:
    """Until HAProxy's health checks have every backend up: n_ok readyz answers in a row."""
    deadline, ok = time.time() + 30, 0
    while ok < n_ok:
        assert time.time() < deadline, "the processes did not become ready behind haproxy"
        try:
            ok = ok + 1 if httpx.get(f"http://{base}/readyz", timeout=5).status_code == 200 else 0
        except httpx.HTTPError:
            ok = 0
        time.sleep(0.05)


async def _intake(base: str, token: str, kill) -> dict[int, int]:
    """2,000 messages, 32 at a time, as a gateway sends them: what is not acknowledged (the
    process died under it, or 503) is sent again with the same id. Returns external index → id."""
    acked: dict[int, int] = {}
    sem = asyncio.Semaphore(32)
    async with httpx.AsyncClient(base_url=f"http://{base}", timeout=30) as c:
        async def one(i: int) -> None:
            body = {"channel": "sms", "external_id": f"scale-{i}", "sender": {"phone": f"010-7{i:07d}"},
                    "text": f"단수 문의 {i}", "sent_at": "2026-11-21T09:00:00+09:00"}
            async with sem:
                for _ in range(50):
                    try:
                        r = await c.post("/api/v1/intake/messages", json=body,
                                         headers={"Authorization": f"Bearer {token}"})
                    except httpx.HTTPError:
                        await asyncio.sleep(0.2)
                        continue
                    if r.status_code == 202:
                        acked[i] = r.json()["message_id"]
                        return
                    assert r.status_code in (502, 503, 504), r.text  # the dead process, or busy
                    await asyncio.sleep(0.2)
            raise AssertionError(f"message {i} was never acknowledged")

        async def killer() -> None:
            while len(acked) < INTAKE // 3:
                await asyncio.sleep(0.05)
            kill()

        await asyncio.gather(killer(), *(one(i) for i in range(INTAKE)))
    return acked


async def _chat(base: str, kill) -> tuple[int, list[int]]:
    """A citizen sends 200 messages; a process dies mid-way; the chat reconnects (through
    HAProxy, to a live process), resumes from its last seq and sends again what was not acked."""
    visitor = "scaleout-visitor-0001"
    acked: dict[str, int] = {}
    conv_id = None
    i = 0
    killed = False
    while i < CHAT:
        try:
            async with websockets.connect(f"ws://{base}/ws/chat", open_timeout=10) as ws:
                await ws.send(json.dumps({"type": "hello", "visitor": visitor, "lang": "ko",
                                          "after_seq": max(acked.values(), default=0)}))
                welcome = json.loads(await ws.recv())
                assert welcome["type"] == "welcome"
                conv_id = welcome["conversation_id"] or conv_id
                while i < CHAT:
                    if i == CHAT // 2 and not killed:
                        killed = True
                        kill()
                    cid = f"c-{i}"
                    await ws.send(json.dumps({"type": "send", "client_msg_id": cid, "text": f"메시지 {i}"}))
                    while True:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                        if frame["type"] == "ack" and frame["client_msg_id"] == cid:
                            acked[cid] = frame["seq"]
                            conv_id = frame["conversation_id"]
                            break
                    i += 1
        except (websockets.ConnectionClosed, OSError, TimeoutError):
            await asyncio.sleep(0.3)  # the process under this socket died: connect again
    assert conv_id is not None
    return conv_id, [acked[f"c-{k}"] for k in range(CHAT)]


@pytest.mark.multiprocess
def test_a_process_killed_under_load_loses_nothing_behind_haproxy(server_env, servers, settings, haproxy):
    if not settings.database_url:
        pytest.skip("several processes need PostgreSQL: this run is on SQLite (the PostgreSQL run covers it)")
    require_service("Redis", "127.0.0.1", 6379)
    env = {**server_env, "DASAN_REDIS_URL": REDIS_URL}
    engine = make_engine(settings_from_env(env))
    db = make_sessionmaker(engine)
    with session_scope(db) as s:
        token = do_create_api_token(session=s, channel="sms")
        scrape = do_create_api_token(session=s, channel="metrics")
    procs = [servers(env) for _ in range(3)]
    base = haproxy([p.port for p in procs])
    _wait_ready(base)

    acked = run_async(_intake(base, token, procs[1].kill))
    assert procs[1].proc.poll() is not None  # it really died under the load
    assert len(acked) == INTAKE
    with session_scope(db) as s:
        rows = s.execute(select(Message.external_id, Message.id).where(Message.external_id.like("scale-%"))).all()
    stored = dict(rows)
    assert len(rows) == INTAKE  # each exactly once (a resend of a stored one was a duplicate, not a row)
    assert {stored[f"scale-{i}"] for i in range(INTAKE)} == set(acked.values())

    procs[1] = servers(env)  # the operator (systemd) restarts it; then the chat's own process dies
    _wait_ready(base)
    killed: list[int] = []

    def kill_the_chats_process() -> None:
        # Each process counts its open websockets (/metrics): the one holding the chat is killed.
        for k, p in enumerate(procs):
            text = httpx.get(p.url + "/metrics", headers={"Authorization": f"Bearer {scrape}"}).text
            if re.search(r'^dasan_websocket_connections\{path="/ws/chat"\} 1\.0$', text, re.M):
                p.kill()
                killed.append(k)
                return
        raise AssertionError("no process holds the chat's websocket")

    conv_id, seqs = run_async(_chat(base, kill_the_chats_process))
    assert len(killed) == 1
    with session_scope(db) as s:
        bodies = list(s.scalars(select(Message.body).where(Message.conversation_id == conv_id,
                                                           Message.kind == "inbound").order_by(Message.seq)))
        n = s.scalar(select(func.count()).select_from(Message).where(Message.conversation_id == conv_id,
                                                                     Message.kind == "inbound"))
    assert bodies == [f"메시지 {k}" for k in range(CHAT)] and n == CHAT  # in order, no loss, no duplicate
    assert seqs == sorted(seqs)
    engine.dispose()


@pytest.mark.multiprocess
def test_no_contact_stays_offered_to_an_agent_whose_process_died(server_env, servers, settings, haproxy):
    """A process offers a contact to an agent and is killed before the agent answers: the offer
    lives in the database, not in the dead process, so a surviving process expires it and the
    contact reaches an agent working through HAProxy."""
    if not settings.database_url:
        pytest.skip("several processes need PostgreSQL: this run is on SQLite (the PostgreSQL run covers it)")
    require_service("Redis", "127.0.0.1", 6379)
    offer_s = 2.0
    env = {**server_env, "DASAN_REDIS_URL": REDIS_URL, "DASAN_OFFER_TIMEOUT_S": str(offer_s)}
    engine = make_engine(settings_from_env(env))
    db = make_sessionmaker(engine)
    with session_scope(db) as s:
        token = do_create_api_token(session=s, channel="sms")
        ids = dict(s.execute(select(User.username, User.id).where(User.username.in_(["agent11", "agent1"]))).all())
    procs = [servers(env) for _ in range(3)]
    base = haproxy([p.port for p in procs])
    _wait_ready(base)
    doomed = procs[2]
    # agent11 works on the doomed process (their browser's session there) and is the only one ready.
    with httpx.Client(base_url=doomed.url, timeout=30) as c:
        csrf = login(c, "agent11")
        c.post("/api/v1/agent/presence", json={"presence": "available"}, headers={"X-CSRF-Token": csrf}
               ).raise_for_status()
        r = c.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                   json={"channel": "sms", "external_id": "dead-offer-1", "sender": {"phone": "010-7777-0001"},
                         "text": "수도가 안 나와요", "sent_at": "2026-11-21T09:00:00+09:00"})
        assert r.status_code == 202, r.text
        conv_id = r.json()["conversation_id"]
        deadline = time.time() + 10
        while True:
            state = c.get("/api/v1/agent/state").json()
            if any(cv["id"] == conv_id and cv["status"] == "offered" for cv in state["conversations"]):
                break
            assert time.time() < deadline, "the contact was never offered to agent11"
            time.sleep(0.02)
    doomed.kill()  # with the offer out and unanswered
    killed_at = time.time()

    # agent1 works through HAProxy (so on a surviving process) and accepts what is offered.
    accepted_at = None
    with httpx.Client(base_url=f"http://{base}", timeout=30) as c:
        csrf = login(c, "agent1")
        h = {"X-CSRF-Token": csrf}
        c.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h).raise_for_status()
        deadline = time.time() + offer_s + 20
        while accepted_at is None and time.time() < deadline:
            for cv in c.get("/api/v1/agent/state").json()["conversations"]:
                if cv["id"] == conv_id and cv["status"] == "offered":
                    c.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).raise_for_status()
                    accepted_at = time.time()
            time.sleep(0.05)
    assert accepted_at is not None, "the contact stayed with the dead process's offer"
    assert accepted_at - killed_at < offer_s + 15
    with session_scope(db) as s:
        conv = s.get(Conversation, conv_id)
        assert conv.status == ConvStatus.ACTIVE and conv.agent_id == ids["agent1"] and conv.offered_to_id is None
        kinds = [(k, d.get("agent_id") or actor) for k, d, actor in s.execute(
            select(ConversationEvent.kind, ConversationEvent.data, ConversationEvent.actor_id).where(
                ConversationEvent.conversation_id == conv_id).order_by(ConversationEvent.id))]
        stuck = s.scalar(select(func.count()).select_from(Conversation).where(
            Conversation.status == ConvStatus.OFFERED, Conversation.offered_to_id == ids["agent11"]))
    assert ("offered", ids["agent11"]) in kinds and ("offer_expired", ids["agent11"]) in kinds
    assert kinds.index(("offer_expired", ids["agent11"])) < kinds.index(("accepted", ids["agent1"]))
    assert stuck == 0
    engine.dispose()

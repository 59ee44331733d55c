"""Faults outside Dasan. PostgreSQL going away and coming back: requests during the outage get a
clear 503 at once, the server recovers by itself, and nothing acknowledged is lost. Redis
restarting during a chat: nothing crashes, and the agent still sees every message within 5 s."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import websockets
from sqlalchemy import select

from dasan.conversations.models import Message
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.security.actions import do_create_api_token

from .conftest import _port_open, free_port, login, run_async, settings_from_env


class Cuttable:
    """A TCP relay in front of a server that can be cut (every connection dropped, new ones
    refused) and restored: what an application sees of its database restarting."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self._socks: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            socks, self._socks = self._socks, set()
        if listener is not None:
            listener.close()
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile: this pair does not survive it
                    client.close()
                    upstream.close()
                    return
                self._socks |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.mark.multiprocess
def test_postgresql_going_away_gives_503s_and_the_server_recovers_by_itself(server_env, servers, settings):
    if not settings.database_url:
        pytest.skip("a PostgreSQL outage: this run is on SQLite (the PostgreSQL run covers it)")
    url = urlsplit(settings.database_url)
    relay = Cuttable((url.hostname or "127.0.0.1", url.port or 5432))
    through = urlunsplit(url._replace(netloc=f"{url.username}@127.0.0.1:{relay.port}"))
    env = {**server_env, "DASAN_DATABASE_URL": through}
    engine = make_engine(settings_from_env(server_env))
    db = make_sessionmaker(engine)
    with session_scope(db) as s:
        token = do_create_api_token(session=s, channel="sms")
    server = servers(env)
    results: list[tuple[float, int, float, dict]] = []  # (sent at, status, seconds, body)
    stop = threading.Event()

    def gateway() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            i = 0
            while not stop.is_set():
                body = {"channel": "sms", "external_id": f"pg-{i}", "sender": {"phone": f"010-6{i:07d}"},
                        "text": f"문의 {i}", "sent_at": "2026-11-21T09:00:00+09:00"}
                t0 = time.monotonic()
                r = c.post("/api/v1/intake/messages", json=body, headers={"Authorization": f"Bearer {token}"})
                results.append((t0, r.status_code, time.monotonic() - t0, r.json()))
                if r.status_code == 202:
                    i += 1  # as a gateway does: what was not acknowledged is sent again, same id
                time.sleep(0.02)

    t = threading.Thread(target=gateway)
    t.start()
    time.sleep(2)
    cut_at = time.monotonic()
    relay.cut()
    time.sleep(4)
    restored_at = time.monotonic()
    relay.restore()
    time.sleep(5)
    stop.set()
    t.join(30)

    # (a request begun just before the restore may reach the database after it)
    during = [(st, dt, b) for t0, st, dt, b in results if cut_at + 0.5 < t0 < restored_at - 0.5]
    after = [st for t0, st, _, _ in results if t0 > restored_at + 3]
    assert during and all(st == 503 for st, _, _ in during), [(round(t0 - cut_at, 2), st) for t0, st, _, _ in results
                                                               if st != 503 and cut_at + 0.5 < t0 < restored_at - 0.5]
    assert all(b["error"] == "unavailable" and b["message"] for _, _, b in during)
    assert max(dt for _, dt, _ in during) < 2.5  # answered at once, not after a hang
    assert after and set(after) == {202}  # recovered without a restart
    assert server.proc.poll() is None
    acked = {b["message_id"] for _, st, _, b in results if st == 202}
    with session_scope(db) as s:
        stored = set(s.scalars(select(Message.id).where(Message.external_id.like("pg-%"))))
    assert acked == stored  # nothing acknowledged lost; a resend after an unclear outcome stored once
    relay.cut()
    engine.dispose()


def _redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not _port_open("127.0.0.1", port):
        assert proc.poll() is None and time.time() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return proc


@pytest.mark.multiprocess
def test_redis_restarting_during_a_chat_the_agent_still_gets_every_message_within_5_s(
        server_env, servers, settings, tmp_path):
    if not settings.database_url:
        pytest.skip("two processes need PostgreSQL: this run is on SQLite (the PostgreSQL run covers it)")
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed")
    port = free_port()
    redis_proc = _redis(port)
    env = {**server_env, "DASAN_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    a, b = servers(env), servers(env)  # the agent on one process, the citizen on the other
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    live: set[str] = set()  # seen as a live event (not by a resync's fetch)

    async def run() -> None:
        nonlocal redis_proc
        with httpx.Client(base_url=a.url, timeout=30) as form:  # the real login form (conftest.login)
            token = login(form, "agent1")
            session_cookies = form.cookies
        async with httpx.AsyncClient(base_url=a.url, timeout=30, cookies=session_cookies) as agent:
            h = {"X-CSRF-Token": token}
            cookie = "; ".join(f"{k}={v}" for k, v in agent.cookies.items())
            staff = await websockets.connect(f"ws://127.0.0.1:{a.port}/ws/staff",
                                             additional_headers={"Cookie": cookie, "Origin": a.url})
            (await agent.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)).raise_for_status()
            citizen = await websockets.connect(f"ws://127.0.0.1:{b.port}/ws/chat")
            await citizen.send(json.dumps({"type": "hello", "visitor": "redis-restart-visitor", "lang": "ko",
                                           "after_seq": 0}))

            async def say(text: str) -> int:
                await citizen.send(json.dumps({"type": "send", "client_msg_id": text, "text": text}))
                sent[text] = time.monotonic()
                while True:
                    frame = json.loads(await asyncio.wait_for(citizen.recv(), 10))
                    if frame["type"] == "ack" and frame["client_msg_id"] == text:
                        return frame["conversation_id"]

            conv_id = await say("상담 요청합니다")
            deadline = time.monotonic() + 20
            while True:  # offered to the only available agent: accept it
                state = (await agent.get("/api/v1/agent/state")).json()
                if any(c["id"] == conv_id and c["status"] == "offered" for c in state["conversations"]):
                    break
                assert time.monotonic() < deadline, "the contact was not offered to the agent"
                await asyncio.sleep(0.1)
            (await agent.post(f"/api/v1/conversations/{conv_id}/accept", headers=h)).raise_for_status()

            async def fetch() -> None:  # what the agent's page does on "resync"
                detail = (await agent.get(f"/api/v1/conversations/{conv_id}")).json()
                for m in detail["messages"]:
                    seen.setdefault(m["body"], time.monotonic())

            async def watch() -> None:
                async for raw in staff:
                    frame = json.loads(raw)
                    if frame["type"] == "resync":
                        await fetch()
                    elif frame["type"] == "message.created" and frame["data"].get("conversation_id") == conv_id:
                        seen.setdefault(frame["data"]["body"], time.monotonic())
                        live.add(frame["data"]["body"])

            watcher = asyncio.create_task(watch())
            for k in range(1, 21):
                if k == 7:
                    redis_proc.kill()
                    redis_proc.wait()
                if k == 13:
                    redis_proc = _redis(port)
                await say(f"메시지 {k}")
                await asyncio.sleep(0.3)
            await asyncio.sleep(5)
            watcher.cancel()
            await staff.close()
            await citizen.close()

    try:
        run_async(run())
    finally:
        redis_proc.kill()
    late = {t: round(seen[t] - s, 2) if t in seen else None for t, s in sent.items()
            if t not in seen or seen[t] - s > 5}
    assert not late, late  # every message reached the agent, none later than 5 s
    # across processes through Redis while it was up, before and after the restart
    assert {f"메시지 {k}" for k in (1, 2, 3, 4, 5, 6, 18, 19, 20)} <= live, sorted(live)
    assert a.proc.poll() is None and b.proc.poll() is None  # nothing crashed

"""Faults outside Dasan: PostgreSQL going away and coming back. Requests during the outage get a
clear 503 at once, the server recovers by itself, and nothing acknowledged is lost."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import select

from dasan.conversations.models import Message
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.security.actions import do_create_api_token

from .conftest import free_port, settings_from_env


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

    during = [(st, dt, b) for t0, st, dt, b in results if cut_at + 0.5 < t0 < restored_at]
    after = [st for t0, st, _, _ in results if t0 > restored_at + 3]
    assert during and all(st == 503 for st, _, _ in during), {st for st, _, _ in during}
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

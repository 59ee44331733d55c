"""Nothing lost: 200 chat messages while the server is SIGKILLed and restarted (twice)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import websockets
from sqlalchemy import select

from dasan.conversations.models import Message
from dasan.db.engine import make_engine, make_sessionmaker, session_scope

from .conftest import run_async, settings_from_env

N = 200
KILL_AT = (60, 140)  # kill after this many acknowledgements


async def _chat(url: str, on_kill) -> tuple[dict[str, int], int]:
    visitor = uuid.uuid4().hex * 2
    ids = [f"msg-{i:03d}-{uuid.uuid4().hex[:6]}" for i in range(N)]
    pending = list(ids)
    acked: dict[str, int] = {}
    kills = 0
    last_seq = 0
    deadline = asyncio.get_running_loop().time() + 180  # a broken server fails the test, not hangs it
    while pending:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(pending)} messages still unacknowledged after 180 s")
        try:
            async with websockets.connect(url.replace("http", "ws") + "/ws/chat", open_timeout=5) as ws:
                await ws.send(json.dumps({"type": "hello", "visitor": visitor, "after_seq": last_seq}))
                while json.loads(await ws.recv())["type"] != "welcome":
                    pass
                # Send (or resend) everything unacknowledged, in order, without waiting: the
                # server handles one connection's frames in arrival order.
                for mid in list(pending):
                    await ws.send(json.dumps({"type": "send", "client_msg_id": mid, "text": f"문의 {mid}"}))
                while pending:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if frame["type"] == "ack":
                        acked[frame["client_msg_id"]] = frame["seq"]
                        if frame["client_msg_id"] in pending:
                            pending.remove(frame["client_msg_id"])
                        last_seq = max(last_seq, frame["seq"])
                        if kills < len(KILL_AT) and len(acked) >= KILL_AT[kills]:
                            kills += 1
                            await asyncio.to_thread(on_kill)
                    elif frame["type"] == "error":
                        raise AssertionError(frame)
        except (TimeoutError, websockets.ConnectionClosed, OSError):
            await asyncio.sleep(0.2)
    return acked, kills, ids


@pytest.mark.multiprocess
def test_sigkill_loses_and_duplicates_nothing(server_env, servers):
    server = servers(server_env)

    def kill_and_restart():
        server.kill()  # SIGKILL: no shutdown hooks, no flush
        server.start()

    acked, kills, ids = run_async(_chat(server.url, kill_and_restart))
    assert kills == 2
    assert set(acked) == set(ids)
    engine = make_engine(settings_from_env(server_env))
    with session_scope(make_sessionmaker(engine)) as s:
        rows = s.execute(select(Message.client_msg_id, Message.seq).where(Message.kind == "inbound")
                         .order_by(Message.seq)).all()
    engine.dispose()
    stored = [cid for cid, _ in rows]
    assert stored == ids  # each exactly once, in the order sent
    assert {cid: seq for cid, seq in rows} == acked  # every ack names the stored row

"""The conference bridge: Janus's AudioBridge plugin mixes three-party calls (a citizen, the agent
and an interpreter). Each party joins a room as a *plain RTP* participant — no WebRTC on this
side: the controller tells Janus where the party's audio comes from (an rtpengine port or a
phone's own RTP address) and learns the port Janus mixes for that party, which it then gives the
party by SDP. Janus mixes in C; Python only sends a few JSON requests per conference.

Rooms are made only with the plugin's admin key (which the controller holds) and each has a
random PIN, so no browser that reaches Janus's websocket can create, list or join them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import websockets
from websockets.typing import Subprotocol

log = logging.getLogger(__name__)
PLUGIN = "janus.plugin.audiobridge"
KEEPALIVE_S = 20.0


class BridgeError(Exception):
    """Janus refused a request or did not answer."""


@dataclass(frozen=True)
class Member:
    """A party in a room: the Janus handle it joined on, and where Janus takes its audio."""

    handle: int
    ip: str
    port: int


@dataclass(frozen=True)
class Room:
    id: int
    pin: str


class Bridge:
    """A client of Janus's AudioBridge over its websocket API (one session, reconnected on need)."""

    def __init__(self, url: str, admin_key: str = "", timeout_s: float = 5.0) -> None:
        self.url = url
        self.admin_key = admin_key
        self.timeout_s = timeout_s
        self._ws: Any = None
        self._session = 0
        self._waiting: dict[str, asyncio.Future[dict]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> None:
        async with self._lock:
            if self._ws is not None:
                return
            try:
                connecting = websockets.connect(self.url, subprotocols=[Subprotocol("janus-protocol")], max_size=2**20)
                self._ws = await asyncio.wait_for(connecting, self.timeout_s)
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                raise BridgeError(f"Janus does not answer at {self.url}: {exc}") from None
            self._reader = asyncio.ensure_future(self._read())
            try:
                reply = await self._send({"janus": "create"})
            except BridgeError:
                await self.close()
                raise
            self._session = int(reply["data"]["id"])
            self._keepalive = asyncio.ensure_future(self._keep_alive())

    async def close(self) -> None:
        for task in (self._keepalive, self._reader):
            if task is not None:
                task.cancel()
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(BridgeError("the connection to Janus closed"))
        self._waiting.clear()

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                msg = json.loads(raw)
                fut = self._waiting.get(msg.get("transaction", ""))
                if fut is None or fut.done():
                    continue
                # An "ack" answers a keepalive; for a plugin request that answers later, the
                # answer is the "event" that follows with the same transaction.
                if msg.get("janus") != "ack" or getattr(fut, "ack_is_answer", False):
                    fut.set_result(msg)
        except Exception as exc:  # the socket closed: everyone waiting is told
            log.warning("Janus connection lost: %s", exc)
        finally:
            self._ws = None
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(BridgeError("the connection to Janus closed"))

    async def _keep_alive(self) -> None:
        while self._ws is not None:
            await asyncio.sleep(KEEPALIVE_S)
            with contextlib.suppress(BridgeError):
                await self._send({"janus": "keepalive", "session_id": self._session}, ack_is_answer=True)

    async def _send(self, msg: dict, *, ack_is_answer: bool = False) -> dict:
        if self._ws is None:
            raise BridgeError("not connected to Janus")
        transaction = secrets.token_hex(8)
        fut: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
        fut.ack_is_answer = ack_is_answer  # type: ignore[attr-defined]
        self._waiting[transaction] = fut
        try:
            await self._ws.send(json.dumps({**msg, "transaction": transaction}))
            reply = await asyncio.wait_for(fut, self.timeout_s)
        except (TimeoutError, websockets.WebSocketException) as exc:
            raise BridgeError(f"Janus did not answer {msg.get('janus')}: {exc}") from None
        finally:
            self._waiting.pop(transaction, None)
        if reply.get("janus") == "error":
            raise BridgeError(f"Janus: {reply.get('error', {}).get('reason', reply)}")
        return reply

    async def _attach(self) -> int:
        await self._connect()
        reply = await self._send({"janus": "attach", "session_id": self._session, "plugin": PLUGIN})
        return int(reply["data"]["id"])

    async def _plugin(self, handle: int, body: dict) -> dict:
        reply = await self._send({"janus": "message", "session_id": self._session, "handle_id": handle, "body": body})
        data = reply.get("plugindata", {}).get("data", {})
        if "error" in data:
            raise BridgeError(f"AudioBridge: {data['error']}")
        return data

    async def create_room(self) -> tuple[Room, int]:
        """A new private room at 8 kHz (telephone audio): (room, the handle that made it)."""
        handle = await self._attach()
        room = Room(id=secrets.randbelow(2**52) + 1, pin=secrets.token_hex(8))
        body: dict[str, Any] = {"request": "create", "room": room.id, "pin": room.pin, "is_private": True,
                                "sampling_rate": 8000, "audiolevel_event": False, "record": False,
                                "allow_rtp_participants": True, "permanent": False}
        if self.admin_key:
            body["admin_key"] = self.admin_key
        await self._plugin(handle, body)
        return room, handle

    async def join(self, room: Room, display: str, ip: str, port: int) -> Member:
        """Add a party whose audio comes from (and goes back to) ip:port, as A-law RTP."""
        handle = await self._attach()
        data = await self._plugin(handle, {"request": "join", "room": room.id, "pin": room.pin, "display": display,
                                           "codec": "pcma", "rtp": {"ip": ip, "port": port, "payload_type": 8}})
        rtp = data.get("rtp") or {}
        if data.get("audiobridge") != "joined" or not rtp.get("port"):
            raise BridgeError(f"AudioBridge did not take {display}: {data}")
        return Member(handle=handle, ip=str(rtp.get("ip") or "127.0.0.1"), port=int(rtp["port"]))

    async def leave(self, handle: int) -> None:
        with contextlib.suppress(BridgeError):
            await self._send({"janus": "detach", "session_id": self._session, "handle_id": handle})

    async def destroy(self, room: Room, handle: int) -> None:
        body: dict[str, Any] = {"request": "destroy", "room": room.id}
        if self.admin_key:
            body["admin_key"] = self.admin_key
        with contextlib.suppress(BridgeError):
            await self._plugin(handle, body)
        await self.leave(handle)


def rtp_sdp(ip: str, port: int) -> str:
    """The SDP that points a phone (or an rtpengine side) at a room member's port: A-law only."""
    return (f"v=0\r\no=dasan 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n")

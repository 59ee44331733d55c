"""A client for rtpengine's ng control protocol (bencode over UDP): offer/answer, play and stop
media, recording, query, delete. Every media operation of a call goes through here; the audio
itself never passes through Python."""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Any

from dasan.voice import bencode


class NgError(RuntimeError):
    """rtpengine answered with an error (or not at all)."""


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiting: dict[bytes, asyncio.Future[dict[str, Any]]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        cookie, _, body = data.partition(b" ")
        fut = self.waiting.pop(cookie, None)
        if fut is None or fut.done():
            return
        try:
            reply = bencode.decode(body)
        except bencode.BencodeError as exc:
            fut.set_exception(NgError(str(exc)))
            return
        fut.set_result(reply if isinstance(reply, dict) else {})


class NgClient:
    """One UDP socket to rtpengine; commands are matched to replies by cookie. Cookies carry a
    random per-client prefix: rtpengine caches replies by cookie, and a restarted controller
    reusing `1`, `2` … would be answered from that cache."""

    def __init__(self, addr: tuple[str, int], *, timeout_s: float = 2.0) -> None:
        self.addr = addr
        self.timeout_s = timeout_s
        self._prefix = os.urandom(6).hex().encode()
        self._seq = itertools.count(1)
        self._proto: _Protocol | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_datagram_endpoint(_Protocol, local_addr=("127.0.0.1", 0))
        self._proto = proto

    async def stop(self) -> None:
        if self._proto and self._proto.transport:
            self._proto.transport.close()
        self._proto = None

    async def command(self, command: str, **params: Any) -> dict[str, Any]:
        """Send one command (`call_id` → `call-id` etc.) and return the reply; raises `NgError`
        on an error reply or when rtpengine does not answer (one retry)."""
        if self._proto is None or self._proto.transport is None:
            raise NgError("the ng client is not started")
        msg: dict[str, Any] = {"command": command}
        for k, v in params.items():
            if v is not None:
                msg[k.replace("_", "-")] = v
        cookie = b"%s_%d" % (self._prefix, next(self._seq))
        payload = cookie + b" " + bencode.encode(msg)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._proto.waiting[cookie] = fut
        try:
            for attempt in range(2):
                self._proto.transport.sendto(payload, self.addr)
                try:
                    reply = await asyncio.wait_for(asyncio.shield(fut), self.timeout_s / 2)
                    break
                except TimeoutError:
                    if attempt == 1:
                        raise NgError(f"rtpengine did not answer '{command}'") from None
        finally:
            self._proto.waiting.pop(cookie, None)
        result = reply.get("result", b"")
        if result == b"error":
            reason = reply.get("error-reason", b"").decode(errors="replace")
            raise NgError(f"rtpengine refused '{command}': {reason}")
        return reply

    async def ping(self) -> bool:
        """True when rtpengine answers."""
        try:
            return (await self.command("ping")).get("result") == b"pong"
        except NgError:
            return False

"""Deliver events to the websocket connections of this process, and across processes with Redis.

`publish()` may be called from any thread (request handlers run in a thread pool); delivery
happens on the event loop. With Redis, every process (the publisher included) receives each
event exactly once from the Redis channel, so a citizen on one process and an agent on another
see the same events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

from dasan.events.schemas import Audience, Envelope, Event

log = logging.getLogger(__name__)
CHANNEL = "dasan:events"


@dataclass(eq=False)
class Connection:
    """One open websocket: who is on the other end, and its outgoing queue."""

    user_id: int | None = None
    role: str | None = None
    citizen_conversation_ids: set[int] = field(default_factory=set)
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    # Set when the client stopped reading and events were dropped: the socket is closed once the
    # queue drains, and the client resumes from the database.
    overflowed: bool = False

    def permitted(self, audience: Audience) -> bool:
        """The recipient rule: explicit user, role, or the citizen who owns the conversation."""
        if self.user_id is not None and self.user_id in audience.user_ids:
            return True
        if self.role is not None and self.role in audience.roles:
            return True
        cid = audience.citizen_conversation_id
        return cid is not None and cid in self.citizen_conversation_ids


class Hub:
    """The connections of this process."""

    def __init__(self) -> None:
        self.connections: set[Connection] = set()

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)

    def deliver(self, envelope: Envelope) -> None:
        """Queue the event on every permitted connection (runs on the event loop)."""
        payload = json.dumps(envelope.event, ensure_ascii=False)
        for conn in list(self.connections):
            if conn.permitted(envelope.audience):
                try:
                    conn.queue.put_nowait(payload)
                except asyncio.QueueFull:
                    log.warning("event queue full; closing a slow connection")
                    self.connections.discard(conn)
                    conn.overflowed = True


class LocalBus:
    """In-process bus: the default, one server process."""

    def __init__(self) -> None:
        self.hub = Hub()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self.loop = None

    async def ping(self) -> None:
        """Nothing to reach: the in-process bus is always there."""

    def publish(self, audience: Audience, event: Event) -> None:
        """Thread-safe: hand the event to the event loop."""
        self._dispatch(Envelope(audience=audience, event=event.model_dump(mode="json")))

    def _dispatch(self, envelope: Envelope) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return  # no server loop (CLI, tests without a server): nobody is connected
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.hub.deliver(envelope)
        else:
            loop.call_soon_threadsafe(self.hub.deliver, envelope)


class RedisBus(LocalBus):
    """Redis pub/sub bus: every process subscribes and delivers to its own connections."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis  # heavy: only with DASAN_REDIS_URL
        import redis.asyncio as aredis  # heavy: only with DASAN_REDIS_URL

        self.url = url
        self._sync = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self._async = aredis.Redis.from_url(url, socket_connect_timeout=1)
        self._errors = (redis.RedisError, OSError)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        await super().start()
        self._task = asyncio.create_task(self._listen())
        # Subscribe before serving, so no event published after start-up is missed.
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._async.aclose()
        self._sync.close()
        await super().stop()

    def publish(self, audience: Audience, event: Event) -> None:
        envelope = Envelope(audience=audience, event=event.model_dump(mode="json"))
        try:
            self._sync.publish(CHANNEL, envelope.model_dump_json())
        except self._errors:
            # Redis is away (restarting): the change is committed, so the request goes on. This
            # process's own clients get the event now; every process tells its clients to resync
            # when its subscription comes back (below), so nobody keeps a stale view.
            log.warning("redis unavailable: event delivered in this process only")
            super().publish(audience, event)

    async def ping(self) -> None:
        """Raises when Redis does not answer (readiness)."""
        await self._async.ping()

    def _resync_all(self) -> None:
        for conn in list(self.hub.connections):
            with contextlib.suppress(asyncio.QueueFull):
                conn.queue.put_nowait(json.dumps({"type": "resync"}))

    async def _listen(self) -> None:
        lost = False
        while True:
            try:
                pubsub = self._async.pubsub()
                await pubsub.subscribe(CHANNEL)
                self._ready.set()
                if lost:
                    # Back after an outage: events published meanwhile never reached this process.
                    lost = False
                    self._resync_all()
                async for item in pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    try:
                        envelope = Envelope.model_validate_json(item["data"])
                    except ValueError:
                        log.exception("malformed event on %s", CHANNEL)
                        continue
                    self.hub.deliver(envelope)
            except asyncio.CancelledError:
                raise
            except Exception:  # connection lost: clients resume from the database meanwhile
                log.warning("redis subscription lost; retrying", exc_info=True)
                # Tell every client to resync now (events may have been missed), and again once
                # the subscription is back.
                lost = True
                self._resync_all()
                await asyncio.sleep(0.5)


Bus = LocalBus | RedisBus


def make_bus(redis_url: str | None) -> LocalBus:
    """The in-process bus by default, Redis when a URL is configured."""
    return RedisBus(redis_url) if redis_url else LocalBus()

"""The per-process outbox worker: claims due rows, hands them to their gateway, records the answer.

Any number of processes can run one; rows are claimed with conditional updates. Hand-overs run in
worker threads outside any transaction (a slow gateway never holds a database lock)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio
from sqlalchemy.orm import Session, sessionmaker

from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.outbox.actions import do_claim_due, do_record_result, do_recover, on_new_items

log = logging.getLogger(__name__)


class OutboxWorker:
    def __init__(self, factory: sessionmaker[Session], senders: dict, *, interval_s: float,
                 recover_after_s: float = 30.0) -> None:
        self.factory = factory
        self.senders = senders
        self.interval_s = interval_s
        self.recover_after_s = recover_after_s
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def run_once(self) -> int:
        """Recover abandoned hand-overs, then send what is due until nothing is. Returns hand-overs."""
        with session_scope(self.factory) as s:
            do_recover(session=s, now=clock.now(), after_s=self.recover_after_s)
        done = 0
        while True:
            with session_scope(self.factory) as s:
                batch = [(i.id, i.channel, i) for i in do_claim_due(session=s, now=clock.now())]
            if not batch:
                return done
            for item_id, channel, item in batch:
                sender = self.senders.get(channel) or (self.senders.get("sns") if channel.startswith("sns-") else None)
                if sender is None:
                    result_ok, error, permanent = False, f"no sender for channel {channel}", True
                else:
                    r = sender.send(item)
                    result_ok, error, permanent = r.ok, r.error, r.permanent
                with session_scope(self.factory) as s:
                    do_record_result(session=s, item_id=item_id, ok=result_ok, error=error, permanent=permanent)
                done += 1

    def kick(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())
        self._unhook = on_new_items(self.kick)

    async def stop(self) -> None:
        if getattr(self, "_unhook", None):
            self._unhook()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._loop = None

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)
            self._wake.clear()
            try:
                await anyio.to_thread.run_sync(self.run_once)
            except Exception:  # keep going; the next round retries
                log.exception("outbox round failed")

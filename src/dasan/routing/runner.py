"""The per-process dispatcher: offers waiting contacts and expires unanswered offers.

Each server process runs one; they coordinate through the database (row locks and conditional
updates), so any number of processes can run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio
from sqlalchemy.orm import Session, sessionmaker

from dasan.db.engine import session_scope
from dasan.routing.actions import do_dispatch_round, do_expire_offers

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, factory: sessionmaker[Session], *, offer_timeout_s: float, interval_s: float,
                 bot_enabled: bool = True) -> None:
        self.factory = factory
        self.offer_timeout_s = offer_timeout_s
        self.interval_s = interval_s
        self.bot_enabled = bot_enabled
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def run_once(self) -> int:
        """Expire stale offers, then offer contacts until nothing more can move. Returns offers made."""
        with session_scope(self.factory) as session:
            do_expire_offers(session=session)
        made = 0
        for _ in range(20):  # a round may skip agents another process filled meanwhile: go again
            with session_scope(self.factory) as session:
                n = len(do_dispatch_round(session=session, offer_timeout_s=self.offer_timeout_s,
                                          bot_enabled=self.bot_enabled))
            if n == 0:
                break
            made += n
        return made

    def kick(self) -> None:
        """Ask for a dispatch soon; safe from any thread."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
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
            except Exception:  # keep dispatching; the next round retries
                log.exception("dispatch round failed")

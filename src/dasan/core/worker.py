"""A per-process background loop: `run_once` in a worker thread every `interval_s`, or sooner
when `kick()`ed (safe from any thread). The dispatcher and the outbox worker are two of these."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio

from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.observability import metrics

log = logging.getLogger(__name__)


class PeriodicWorker:
    interval_s: float
    name = "background round"

    def __init__(self) -> None:
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def run_once(self) -> int:
        raise NotImplementedError

    def kick(self) -> None:
        """Ask for a round soon; safe from any thread."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task:
            if self._wake is not None:
                self._wake.set()  # a loop that lost its cancellation (below) sees `_stopping` at once
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._loop = None

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
            # arrives as the event is set (a kick from a commit at shutdown), and stop() then
            # waited for ever. The flag ends the loop even so.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await self._wake.wait()
            if self._stopping:
                return
            self._wake.clear()
            try:
                with metrics.timed(metrics.WORKER_ROUND_SECONDS, worker=self.name):
                    await anyio.to_thread.run_sync(self.run_once)
            except Exception:  # keep going; the next round retries
                log.exception("%s failed", self.name)


async def every(seconds: float, factory, action, *, what: str) -> None:
    """Background task: `action(session=…, now=…)` in a transaction of its own, in a worker thread,
    every `seconds`, for ever; a failure is logged and the next round runs as usual."""

    def run():
        with session_scope(factory) as s:
            return action(session=s, now=clock.now())

    while True:
        await asyncio.sleep(seconds)
        try:
            await anyio.to_thread.run_sync(run)
        except Exception:
            log.exception("%s failed", what)

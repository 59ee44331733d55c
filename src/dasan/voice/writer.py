"""The call controller's database writer: every step of every call (arrival, queue, answer, hold,
hang-up …) is a small transaction, and at a surge of 30 new calls a second they arrive faster
than one transaction each can be committed (SQLite has one writer and an fsync per commit;
PostgreSQL's round trips add up). The writer groups whatever steps are waiting into one
transaction, each step in a savepoint of its own — a step that fails is rolled back alone and
its caller gets the error — and commits once for all of them; each step's caller is answered
only after that commit. A batch whose commit fails (a deadlock victim on PostgreSQL) is run
again step by step, each in its own transaction, so one conflict never loses the others.

Threads of its own (one for SQLite, a few for PostgreSQL) so the controller's writes never wait
behind its reads or the event loop's default pool."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from dasan.db.engine import session_scope

log = logging.getLogger(__name__)
MAX_BATCH = 64
RETRIES = 3


@dataclass
class _Step:
    fn: Callable[..., Any]
    kw: dict[str, Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class Writer:
    def __init__(self, factory: sessionmaker[Session], *, threads: int = 1) -> None:
        self.factory = factory
        self._queue: queue.SimpleQueue[_Step | None] = queue.SimpleQueue()
        self._count = max(1, threads)
        self._threads: list[threading.Thread] = []
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._threads = [threading.Thread(target=self._work, name=f"voice-writer-{i}", daemon=True)
                             for i in range(self._count)]
            for t in self._threads:
                t.start()

    def stop(self) -> None:
        if self._started:
            for _ in self._threads:
                self._queue.put(None)
            for t in self._threads:
                t.join(10)
            self._started = False

    def run(self, fn: Callable[..., Any], **kw: Any) -> asyncio.Future[Any]:
        """Queue one step (`fn(session=…, **kw)`); the future resolves after its commit."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Step(fn, kw, future, loop))
        return future

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # this thread's stop: after the batch
                    break
                batch.append(nxt)
            try:
                self._together(batch)
            except DBAPIError as exc:
                log.warning("a batch of %d call steps did not commit (%s); running them one by one",
                            len(batch), type(exc.orig).__name__ if exc.orig else exc)
                for step in batch:
                    self._alone(step)
            except Exception as exc:  # never lose a step's caller
                for step in batch:
                    _settle(step, error=exc)

    def _together(self, batch: list[_Step]) -> None:
        outcomes: list[tuple[_Step, Any, BaseException | None]] = []
        with session_scope(self.factory) as session:
            for step in batch:
                try:
                    with session.begin_nested():
                        outcomes.append((step, step.fn(session=session, **step.kw), None))
                except DBAPIError:
                    raise  # the database refused: the whole batch is run again step by step
                except Exception as exc:
                    outcomes.append((step, None, exc))
        for step, result, error in outcomes:
            _settle(step, result=result, error=error)

    def _alone(self, step: _Step) -> None:
        for attempt in range(RETRIES):
            try:
                with session_scope(self.factory) as session:
                    result = step.fn(session=session, **step.kw)
            except DBAPIError as exc:
                if attempt + 1 < RETRIES:
                    continue
                _settle(step, error=exc)
                return
            except Exception as exc:
                _settle(step, error=exc)
                return
            _settle(step, result=result)
            return


def _settle(step: _Step, *, result: Any = None, error: BaseException | None = None) -> None:
    def done() -> None:
        if step.future.done():
            return
        if error is not None:
            step.future.set_exception(error)
        else:
            step.future.set_result(result)

    try:
        step.loop.call_soon_threadsafe(done)
    except RuntimeError:  # the loop closed (the app is stopping)
        pass

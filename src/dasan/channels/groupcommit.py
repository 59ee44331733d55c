"""Group commit: many requests' writes in one transaction, each acknowledged only after it commits.

A request hands a job (a function of a session) to the writer and waits for its future. The
writer thread takes every job waiting — up to `max_batch` — runs each in a SAVEPOINT of one
transaction, commits once, and only then resolves the futures. So a burst costs one commit (one
fsync on SQLite, one round trip on PostgreSQL) per batch instead of one per message, and one
thread does the writing instead of dozens taking turns at the GIL and the writer lock.

What the guarantees become, one job at a time:
- its result is given only after the transaction that holds its rows committed (never before);
- a job that raises is rolled back to its savepoint — with the events it queued — and its future
  carries the exception; the other jobs of the batch are not affected;
- if the commit itself fails (the database went away), every job of the batch gets that error
  and none was acknowledged; the caller answers "try again" and the sender sends it again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from dasan.core.errors import DasanError
from dasan.events.actions import drop_pending_since, pending_mark
from dasan.observability import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Session], Any]


class WriterStopped(DasanError):
    """The writer has stopped (the process is shutting down): the sender should try again."""

    status = 503
    code = "unavailable"


class GroupCommit:
    """Writer threads (one by default) that run submitted jobs in shared transactions."""

    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 128, name: str = "intake",
                 writers: int = 1) -> None:
        self.factory = factory
        self.max_batch = max_batch
        self.name = name
        # SQLite writes one transaction at a time whatever the threads; on PostgreSQL a few writers
        # overlap their round trips (each batch is still one transaction of its own).
        self.writers = writers
        self._queue: queue.SimpleQueue[tuple[Job, Future] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        with self._lock:
            if self._threads or self._closed:
                return
            for k in range(self.writers):
                thread = threading.Thread(target=self._run, name=f"dasan-{self.name}-writer-{k}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 10) -> None:
        """Finish what was submitted, then end the threads; later jobs are refused."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)

    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        """Run `job(session)` in the next batch; the future resolves after that batch commits.
        The writers start on first use (an app used without its lifespan, as in tests)."""
        fut: Future[T] = Future()
        if not self._threads:
            self.start()
        if self._closed:
            fut.set_exception(WriterStopped(f"the {self.name} writer has stopped"))
            return fut
        self._queue.put((job, fut))
        return fut

    def _take(self) -> list[tuple[Job, Future]] | None:
        first = self._queue.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._queue.put(None)  # seen after this batch
                break
            batch.append(item)
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            try:
                self.run_batch(batch)
            except Exception:  # never let the writer die: every future was already settled
                log.exception("%s writer: batch failed", self.name)

    def run_batch(self, batch: list[tuple[Job, Future]]) -> None:
        """Run the jobs in one transaction; settle every future (exposed for tests)."""
        done: list[tuple[Future, Any]] = []
        session = self.factory()
        try:
            for job, fut in batch:
                if not fut.set_running_or_notify_cancel():
                    continue
                mark = pending_mark(session)
                savepoint = session.begin_nested()
                try:
                    result = job(session)
                except Exception as e:  # this job's refusal: undo its rows and its events only
                    if savepoint.is_active:
                        savepoint.rollback()
                    drop_pending_since(session, mark)
                    fut.set_exception(e)
                    continue
                if savepoint.is_active:
                    savepoint.commit()
                done.append((fut, result))
            session.commit()
        except Exception as e:  # the transaction is lost: nothing of it was acknowledged
            session.rollback()
            for fut, _ in done:
                fut.set_exception(e)
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(e)
            raise
        finally:
            session.close()
        metrics.GROUP_COMMIT_BATCH.labels(writer=self.name).observe(len(batch))
        for fut, result in done:
            fut.set_result(result)

"""Engine and session factory; one transaction per request or per unit of work."""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from dasan.config import Settings


def _sqlite_engine(url: str, *, pool_size: int, max_overflow: int, pragmas: tuple[str, ...]) -> Engine:
    """A SQLite engine whose connections run `pragmas` and wait up to 30 s for a lock."""
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=pool_size,
                           max_overflow=max_overflow)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - driver hook
        # Take control of transactions: pysqlite's implicit BEGIN is DEFERRED, and two deferred
        # transactions that both upgrade to writers deadlock without waiting on busy_timeout.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in (*pragmas, "busy_timeout=30000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    return engine


def make_engine(settings: Settings) -> Engine:
    """Create the engine; SQLite gets WAL, full sync and immediate write transactions."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # FULL: an acknowledged message survives power loss, not only a process crash.
        engine = _sqlite_engine(url, pool_size=48, max_overflow=16,
                                pragmas=("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"))

        # One writer at a time in this process, queued fairly on a lock: SQLite's own busy handler
        # polls with growing sleeps, which under many threads gives multi-second tail latencies.
        # The lock belongs to the DBAPI connection that took it and is released when that
        # connection's transaction ends in any way (commit, rollback, or return to the pool).
        writer = threading.Lock()
        holder: list[object] = [None]

        def _release(dbapi_conn) -> None:
            if holder[0] is not None and holder[0] is dbapi_conn:
                holder[0] = None
                writer.release()

        holder_thread: list[int | None] = [None]

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # pragma: no cover - driver hook
            if not writer.acquire(timeout=30):

                frame = sys._current_frames().get(holder_thread[0] or 0)
                where = "".join(traceback.format_stack(frame)) if frame else "(holder thread gone)"
                logging.getLogger(__name__).error("writer lock held too long by thread %s, now at:\n%s",
                                                  holder_thread[0], where)
                raise sqlite3.OperationalError("database is locked (waited 30 s for the writer lock)")
            holder[0] = conn.connection.dbapi_connection
            holder_thread[0] = threading.get_ident()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(holder[0])
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_end(conn):  # pragma: no cover - driver hook
            _release(conn.connection.dbapi_connection)

        @event.listens_for(engine, "checkin")
        @event.listens_for(engine, "reset")
        def _on_checkin(dbapi_conn, *_):  # pragma: no cover - driver hook
            _release(dbapi_conn)

        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def make_read_engine(settings: Settings, engine: Engine) -> Engine:
    """An engine for read-only work that may take a while (wallboard, reports). On SQLite its
    connections are `query_only` and begin DEFERRED read transactions without the writer lock, so
    they read a consistent WAL snapshot while writers carry on; on PostgreSQL it is `engine` itself
    (readers never block writers there)."""
    url = settings.resolved_database_url
    if not url.startswith("sqlite"):
        return engine
    reader = _sqlite_engine(url, pool_size=4, max_overflow=4, pragmas=("query_only=ON",))

    @event.listens_for(reader, "begin")
    def _on_begin(conn):  # pragma: no cover - driver hook
        conn.exec_driver_sql("BEGIN")

    return reader


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (events are built from them)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (a conditional update's verdict)."""
    return cast(CursorResult[Any], result).rowcount

"""After-commit wake-ups (core/commit.py): a handler runs once per signal after the outermost
commit, never after a rollback and never when only a savepoint is released."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from dasan.core.commit import OUTBOX, ROUTING, install, on_commit


def _factory(tmp_path):
    factory = sessionmaker(create_engine(f"sqlite:///{tmp_path / 'hooks.sqlite3'}"))
    calls: Counter[str] = Counter()
    install(factory, {ROUTING: lambda: calls.update([ROUTING]), OUTBOX: lambda: calls.update([OUTBOX])})
    return factory, calls


def test_signals_run_once_after_the_outer_commit(tmp_path):
    factory, calls = _factory(tmp_path)
    with factory() as s:
        s.execute(text("SELECT 1"))
        with s.begin_nested():
            on_commit(s, ROUTING)
        assert calls == Counter()  # a savepoint released: nothing is visible to others yet
        on_commit(s, ROUTING)
        on_commit(s, OUTBOX)
        assert calls == Counter()
        s.commit()
    assert calls == Counter({ROUTING: 1, OUTBOX: 1})


def test_a_rollback_drops_the_signals(tmp_path):
    factory, calls = _factory(tmp_path)
    with factory() as s:
        s.execute(text("SELECT 1"))
        on_commit(s, ROUTING)
        s.rollback()
        s.execute(text("SELECT 1"))
        s.commit()  # a later transaction of the same session does not inherit them
    assert calls == Counter()


def test_a_signal_without_a_handler_is_ignored(tmp_path):
    factory, calls = _factory(tmp_path)
    with factory() as s:
        s.execute(text("SELECT 1"))
        on_commit(s, "nobody-listens")
        s.commit()
    assert calls == Counter()

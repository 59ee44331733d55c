"""Wake-ups that must wait for a commit: an action names what it changed (`on_commit(session,
"routing")`), and whoever installed a handler for that name on the session factory runs it after
the outermost commit — never after a rollback, never before the data is visible to the worker it
wakes. The app installs the dispatcher's and the outbox worker's kicks (`app.py`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_KEY = "dasan_after_commit"
ROUTING = "routing"  # contacts or agents changed: the dispatcher runs a round
OUTBOX = "outbox"  # outbound messages were queued: the outbox worker sends them
VOICE = "voice"  # a call's contact was offered to an agent: the call controller rings them


def on_commit(session: Session, signal: str) -> None:
    """Ask for `signal`'s handler to run once this session's transaction commits."""
    session.info.setdefault(_KEY, set()).add(signal)


def install(factory: sessionmaker[Session], handlers: Mapping[str, Callable[[], None]]) -> None:
    """Run `handlers` for the signals raised in a transaction of `factory`'s sessions, after it commits."""

    def _after_commit(session: Session) -> None:
        if session.in_nested_transaction():  # a SAVEPOINT released: not visible to others yet
            return
        for signal in sorted(session.info.pop(_KEY, ())):
            handler = handlers.get(signal)
            if handler is not None:
                handler()

    def _after_transaction_end(session: Session, transaction) -> None:
        if transaction.parent is None and not transaction.nested:
            session.info.pop(_KEY, None)

    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_transaction_end", _after_transaction_end)

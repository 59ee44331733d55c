"""Send events only after the transaction that caused them commits."""

from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from dasan.events.bus import LocalBus
from dasan.events.schemas import Audience, Event

_PENDING = "dasan_pending_events"


def send_event_on_commit(session: Session, audience: Audience, event: Event) -> None:
    """Queue an event; it goes out only if and when the session's transaction commits."""
    session.info.setdefault(_PENDING, []).append((audience, event))


def pending_mark(session: Session) -> int:
    """Where the session's queue of events stands now (for `drop_pending_since`)."""
    return len(session.info.get(_PENDING, ()))


def drop_pending_since(session: Session, mark: int) -> None:
    """Forget the events queued since `mark`: the SAVEPOINT that made them was rolled back."""
    pending = session.info.get(_PENDING)
    if pending is not None:
        del pending[mark:]


def install(factory: sessionmaker[Session], bus: LocalBus) -> None:
    """Wire a session factory to a bus: publish pending events after commit, drop them on rollback."""

    def _after_commit(session: Session) -> None:
        # SQLAlchemy also fires after_commit when a SAVEPOINT is released; only the outermost
        # commit makes the changes visible, so only then do the events go out.
        if session.in_nested_transaction():
            return
        pending = session.info.pop(_PENDING, [])
        for audience, ev in pending:
            bus.publish(audience, ev)

    def _after_transaction_end(session: Session, transaction) -> None:
        # The outermost transaction ended without a commit (rollback/close): drop its events.
        if transaction.parent is None and not transaction.nested:
            session.info.pop(_PENDING, None)

    sa_event.listen(factory, "after_commit", _after_commit)
    sa_event.listen(factory, "after_transaction_end", _after_transaction_end)

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


def install(factory: sessionmaker[Session], bus: LocalBus) -> None:
    """Wire a session factory to a bus: publish pending events after commit, drop them on rollback."""

    def _after_commit(session: Session) -> None:
        pending = session.info.pop(_PENDING, [])
        for audience, ev in pending:
            bus.publish(audience, ev)

    def _after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    sa_event.listen(factory, "after_commit", _after_commit)
    sa_event.listen(factory, "after_soft_rollback", lambda s, _t: _after_rollback(s))

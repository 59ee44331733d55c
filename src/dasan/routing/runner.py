"""The per-process dispatcher: offers waiting contacts and expires unanswered offers.

Each server process runs one; they coordinate through the database (row locks and conditional
updates), so any number of processes can run side by side.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dasan.core.worker import PeriodicWorker
from dasan.db.engine import session_scope
from dasan.routing.dispatch import do_dispatch_round, do_expire_offers
from dasan.routing.presence import do_end_timed_breaks


class Dispatcher(PeriodicWorker):
    name = "dispatch round"

    def __init__(self, factory: sessionmaker[Session], *, offer_timeout_s: float, interval_s: float,
                 bot_enabled: bool = True) -> None:
        super().__init__()
        self.factory = factory
        self.offer_timeout_s = offer_timeout_s
        self.interval_s = interval_s
        self.bot_enabled = bot_enabled

    def run_once(self) -> int:
        """Expire stale offers, then offer contacts until nothing more can move. Returns offers made."""
        with session_scope(self.factory) as session:
            do_expire_offers(session=session)
            do_end_timed_breaks(session=session)
        made = 0
        for _ in range(20):  # a round may skip agents another process filled meanwhile: go again
            with session_scope(self.factory) as session:
                n = len(do_dispatch_round(session=session, offer_timeout_s=self.offer_timeout_s,
                                          bot_enabled=self.bot_enabled))
            if n == 0:
                break
            made += n
        return made

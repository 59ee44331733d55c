"""The per-process outbox worker: claims due rows, hands them to their gateway, records the answer.

Any number of processes can run one; rows are claimed with conditional updates. Hand-overs run in
worker threads outside any transaction (a slow gateway never holds a database lock)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dasan.core import clock
from dasan.core.worker import PeriodicWorker
from dasan.db.engine import session_scope
from dasan.outbox.actions import do_claim_due, do_record_result, do_recover
from dasan.outbox.senders import Result


class OutboxWorker(PeriodicWorker):
    name = "outbox round"

    def __init__(self, factory: sessionmaker[Session], senders: dict, *, interval_s: float,
                 recover_after_s: float = 600.0) -> None:
        super().__init__()
        self.factory = factory
        self.senders = senders
        self.interval_s = interval_s
        self.recover_after_s = recover_after_s

    def run_once(self) -> int:
        """Recover abandoned hand-overs, then send what is due until nothing is. Returns hand-overs."""
        with session_scope(self.factory) as s:
            do_recover(session=s, now=clock.now(), after_s=min(30.0, self.recover_after_s),
                       max_wait_s=self.recover_after_s)
        done = 0
        while True:
            with session_scope(self.factory) as s:
                batch = [(i.id, i.channel, i) for i in do_claim_due(session=s, now=clock.now())]
            if not batch:
                return done
            for item_id, channel, item in batch:
                sender = self.senders.get(channel) or (self.senders.get("sns") if channel.startswith("sns-") else None)
                r = sender.send(item) if sender else Result(False, f"no sender for channel {channel}", permanent=True)
                with session_scope(self.factory) as s:
                    do_record_result(session=s, item_id=item_id, ok=r.ok, error=r.error, permanent=r.permanent)
                done += 1


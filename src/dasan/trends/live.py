"""Emerging issues as they happen: each process runs the detector (`detect.py`) over the
consultation records as they close. It reads the citizen's first messages, the agent's summary,
the category, and the district of a case opened from the contact. A new alert is written once
(`trend_alerts.key`; a second process that raises the same alert meets the row and stays quiet)
with the knowledge article its words find, and the supervisors and analysts are told at once.

A record is fed at its closing time, which is when its category and summary become known. The
history is the last `history_days` (7 by default: a week of hours of the day, read at start in
the worker's thread; Kiwi reads ~2,000 records a second)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dasan.cases.models import Case
from dasan.center import service as center_service
from dasan.conversations.actions import SUPERVISING_ROLES
from dasan.conversations.models import ConsultationRecord
from dasan.core import clock
from dasan.core.worker import PeriodicWorker
from dasan.db.engine import session_scope
from dasan.events.actions import send_event_on_commit
from dasan.events.schemas import Audience, TrendAlerted
from dasan.orgs.models import Organisation, Role
from dasan.trends import service
from dasan.trends.detect import Alert, Detector, Params, Record
from dasan.trends.models import TrendAlert
from dasan.trends.records import features_of

log = logging.getLogger(__name__)
BATCH = 2000
ANNOUNCE_WITHIN = timedelta(minutes=30)  # an alert found while reading old history is stored, not announced
AUDIENCE = [*SUPERVISING_ROLES, Role.ANALYST.value]


class LiveTrends(PeriodicWorker):
    name = "emerging issues"

    def __init__(self, factory: sessionmaker[Session], knowledge=None, *, interval_s: float = 60.0,
                 history_days: int = 7) -> None:
        super().__init__()
        self.factory = factory
        self.knowledge = knowledge
        self.interval_s = interval_s
        self.history_days = history_days
        self.detector = Detector(lambda r: self._features[r.id], Params(history_days=history_days))
        self._features: dict[str, frozenset[str]] = {}
        self.cursor: int | None = None  # the last consultation record fed

    def _batch(self, session: Session) -> list[Record]:
        q = select(ConsultationRecord).order_by(ConsultationRecord.id).limit(BATCH)
        if self.cursor is None:
            since = clock.now() - timedelta(days=self.history_days, hours=4)
            q = q.where(ConsultationRecord.closed_at >= since)
        else:
            q = q.where(ConsultationRecord.id > self.cursor)
        rows = list(session.scalars(q))
        if not rows:
            return []
        conv_ids = [r.conversation_id for r in rows]
        said = service.said(session, conv_ids)
        districts = dict(session.execute(
            select(Case.conversation_id, Organisation.name).join(Organisation, Organisation.id == Case.organisation_id)
            .where(Case.conversation_id.in_(conv_ids), Organisation.kind == "district")).all())
        center = center_service.get(session)  # hours of the day are the center's (DST included)
        return [Record(id=str(r.id), at=center.local(r.closed_at), text=" ".join([*said[r.conversation_id], r.summary]),
                       category=r.category, district=districts.get(r.conversation_id, ""), channel=r.channel)
                for r in rows]

    def run_once(self) -> int:
        raised: list[Alert] = []
        while True:
            with self.factory() as session:
                batch = self._batch(session)
            if not batch:
                break
            self._features.update(features_of(batch))
            for rec in sorted(batch, key=lambda r: r.at):
                last = self.detector.last
                if last is not None and rec.at < last:  # committed a moment after a later one
                    rec = Record(id=rec.id, at=last, text=rec.text, category=rec.category, district=rec.district,
                                 channel=rec.channel)
                raised += self.detector.feed(rec)
            self.cursor = max([int(r.id) for r in batch] + [self.cursor or 0])
            self._forget_old_features()
        for alert in raised:
            self._store(alert)
        return len(raised)

    def _forget_old_features(self) -> None:
        live = {r.id for w in self.detector.windows for _a, r, _f in w.items}
        if len(self._features) > 4 * max(len(live), 1000):
            self._features = {k: v for k, v in self._features.items() if k in live}

    def _suggest(self, alert: Alert) -> tuple[int | None, str]:
        if self.knowledge is None:
            return None, ""
        try:
            found, _ = self.knowledge.search(" ".join(alert.terms[:4]), k=1)
        except Exception:  # a suggestion is a help, never a reason to lose the alert
            log.exception("no article suggestion for %s", alert.label)
            return None, ""
        return (found[0].article.id, found[0].article.title) if found else (None, "")

    def _store(self, alert: Alert) -> None:
        """Write the alert and tell at once; the suggested article follows (the knowledge index may
        still be building in this process, which must not delay the news)."""
        key = f"{alert.trigger}|{alert.record_ids[0]}"[:200]
        announce = clock.now() - alert.detected_at <= ANNOUNCE_WITHIN
        try:
            with session_scope(self.factory) as session:
                row = TrendAlert(key=key, label=alert.label[:300], terms=alert.terms, district=alert.district[:80],
                                 first_seen=alert.first_seen, detected_at=alert.detected_at, count=alert.count,
                                 record_ids=[int(r) for r in alert.record_ids], article_id=None, article_title="")
                session.add(row)
                session.flush()
                if announce:
                    send_event_on_commit(session, Audience(roles=AUDIENCE), TrendAlerted(data=alert_data(row)))
                row_id = row.id
        except IntegrityError:
            return  # another process stored (and announced) it
        article_id, title = self._suggest(alert)
        if article_id is None:
            return
        with session_scope(self.factory) as session:
            row = session.get_one(TrendAlert, row_id)
            row.article_id, row.article_title = article_id, title[:300]
            if announce:
                send_event_on_commit(session, Audience(roles=AUDIENCE),
                                     TrendAlerted(data={**alert_data(row), "updated": True}))


def alert_data(row: TrendAlert) -> dict:
    return {"id": row.id, "label": row.label, "terms": row.terms, "district": row.district,
            "first_seen": row.first_seen.isoformat(), "detected_at": row.detected_at.isoformat(), "count": row.count,
            "record_ids": row.record_ids, "article": {"id": row.article_id, "title": row.article_title}
            if row.article_id else None}

"""Reading the rows the interval report needs from the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.models import ConsultationRecord, Conversation, Resolution
from dasan.core import clock
from dasan.core.csvfile import to_csv
from dasan.reports.core import ContactRow, intervals, staffed_segments
from dasan.routing.models import PresenceLog, Queue


def interval_report(*, session: Session, day: date, interval_min: int, queue: str | None = None) -> dict:
    """The day's 30-minute (or other) interval report with totals; `queue` narrows contacts (agent
    time and occupancy always cover every agent)."""
    if interval_min not in (15, 30, 60):
        raise ValueError("interval_min must be 15, 30 or 60")
    center = center_service.get(session)
    start, end = center.day_bounds(day)
    now = clock.now()
    specs = list(session.scalars(select(Queue).order_by(Queue.id)))
    sl = {q.code: float(q.sl_seconds) for q in specs}
    if queue is not None and queue not in sl:
        raise LookupError(f"unknown queue '{queue}'")
    q = (
        select(Conversation.queue_code, Conversation.queued_at, Conversation.answered_at, Conversation.ended_at,
               Conversation.agent_id, ConsultationRecord.resolution, ConsultationRecord.handle_s,
               ConsultationRecord.closed_at)
        .outerjoin(ConsultationRecord, ConsultationRecord.conversation_id == Conversation.id)
        .where(Conversation.queued_at.is_not(None))
        .where(or_(Conversation.queued_at.between(start - timedelta(days=1), end),
                   Conversation.answered_at.between(start, end)))
    )
    contacts: list[ContactRow] = []
    busy: dict[int, list[tuple[float, float]]] = {}
    horizon = min(now, end).timestamp()
    for code, queued_at, answered_at, ended_at, agent_id, resolution, handle_s, closed_at in session.execute(q):
        if queued_at is None:
            continue  # the query takes queued contacts only; the check is for the type
        if queue is None or code == queue:
            contacts.append(ContactRow(queue=code, queued_at=queued_at.timestamp(),
                                       answered_at=answered_at.timestamp() if answered_at else None,
                                       abandoned=resolution == Resolution.ABANDONED,
                                       handle_s=handle_s if answered_at and closed_at else None))
        if answered_at is not None and agent_id is not None:
            until = (closed_at or ended_at)
            busy.setdefault(agent_id, []).append((answered_at.timestamp(),
                                                  until.timestamp() if until else horizon))
    # Each agent's state at the start of the day, then its changes during the day.
    changes: dict[int, list[tuple[float, str]]] = {}
    last_before = select(func.max(PresenceLog.id)).where(PresenceLog.at < start).group_by(PresenceLog.user_id)
    for uid, presence in session.execute(
        select(PresenceLog.user_id, PresenceLog.presence).where(PresenceLog.id.in_(last_before))
    ):
        changes[uid] = [(start.timestamp(), presence)]
    for uid, presence, at in session.execute(
        select(PresenceLog.user_id, PresenceLog.presence, PresenceLog.at)
        .where(PresenceLog.at >= start, PresenceLog.at < end).order_by(PresenceLog.at, PresenceLog.id)
    ):
        changes.setdefault(uid, []).append((at.timestamp(), presence))
    staffed = {uid: staffed_segments(ch, horizon) for uid, ch in changes.items()}
    rows, totals = intervals(contacts, start=start.timestamp(), end=end.timestamp(), interval_s=interval_min * 60,
                             sl_seconds=sl, busy=busy, staffed=staffed)

    def iso(ts: float) -> str:
        return datetime.fromtimestamp(ts, center.tz).isoformat()

    def row(b) -> dict:
        d = b.as_dict()
        d["start"], d["end"] = iso(b.start), iso(b.end)
        return d

    return {"day": day.isoformat(), "interval_min": interval_min, "queue": queue,
            "queues": [{"code": q.code, "name": q.name, "name_en": q.name_en, "sl_seconds": q.sl_seconds}
                       for q in specs],
            "totals": row(totals), "intervals": [row(b) for b in rows]}


CSV_COLUMNS = ["start", "end", "offered", "answered", "answered_in_t", "abandoned", "service_level", "answer_rate",
               "abandon_rate", "asa_s", "aht_s", "occupancy", "staffed_agents"]


def report_csv(report: dict) -> str:
    """The interval rows and a totals row, as CSV."""
    return to_csv(CSV_COLUMNS, [*report["intervals"], {**report["totals"], "start": "total", "end": ""}])

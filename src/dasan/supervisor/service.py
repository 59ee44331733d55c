"""The live snapshot the supervisor page shows (computed from stored state, so any process can)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.models import OPEN_STATUSES, Citizen, ConsultationRecord, Conversation, ConvStatus, Resolution
from dasan.conversations.service import citizen_name
from dasan.core import clock
from dasan.orgs.models import Role, User
from dasan.routing.models import AgentStatus, Queue


def queue_day(*, session: Session, since: datetime) -> dict[str, dict]:
    """Per queue since `since`: offered, answered, answered within the queue's target, abandoned,
    and the service level (answered in time ÷ offered; an abandoned contact is not in time).
    Aggregated in SQL (the wallboard asks every second; a busy day has tens of thousands of rows)."""
    abandoned = and_(Conversation.answered_at.is_(None), ConsultationRecord.resolution == Resolution.ABANDONED)
    rows = session.execute(
        select(Conversation.queue_code, func.count(Conversation.id), func.count(Conversation.answered_at),
               func.sum(case((Conversation.wait_s <= func.coalesce(Queue.sl_seconds, 15), 1), else_=0)),
               func.sum(case((abandoned, 1), else_=0)))
        .outerjoin(ConsultationRecord, ConsultationRecord.conversation_id == Conversation.id)
        .outerjoin(Queue, Queue.code == Conversation.queue_code)
        .where(Conversation.queued_at >= since)
        .group_by(Conversation.queue_code)
    ).all()
    out: dict[str, dict] = {}
    for code, offered, answered, in_t, gave_up in rows:
        out[code] = {"offered": int(offered), "answered": int(answered), "answered_in_t": int(in_t or 0),
                     "abandoned": int(gave_up or 0),
                     "service_level": round(int(in_t or 0) / int(offered), 4) if offered else None}
    return out


def snapshot(*, session: Session) -> dict:
    """Queues (waiting, longest wait), agents (state, current contacts) and the latest records."""
    now = clock.now()
    specs = list(session.scalars(select(Queue).order_by(Queue.id)))
    queues: dict[str, dict[str, Any]] = {
        q.code: {"code": q.code, "name": q.name, "name_en": q.name_en, "waiting": 0, "offered": 0, "active": 0,
                 "longest_wait_s": 0.0, "sl_seconds": q.sl_seconds, "reserved_callbacks": 0}
        for q in specs}
    empty_day = {"offered": 0, "answered": 0, "answered_in_t": 0, "abandoned": 0, "service_level": None}
    center = center_service.get(session)
    since = center.day_start(center.today(now))  # the wallboard's day is the center's day
    day = queue_day(session=session, since=since)
    open_convs = session.execute(
        select(Conversation, Citizen).join(Citizen, Citizen.id == Conversation.citizen_id)
        .where(Conversation.status.in_(OPEN_STATUSES)).order_by(Conversation.id)
    ).all()
    by_agent: dict[int, list[dict]] = {}
    with_bot = 0
    for conv, citizen in open_convs:
        if conv.status == ConvStatus.BOT:
            with_bot += 1  # not in any queue: the bot is answering
            continue
        q = queues.setdefault(conv.queue_code, {"code": conv.queue_code, "name": conv.queue_code, "name_en": "",
                                                "waiting": 0, "offered": 0, "active": 0, "longest_wait_s": 0.0,
                                                "reserved_callbacks": 0})
        if conv.callback_at is not None and conv.callback_at > now and conv.status == ConvStatus.QUEUED:
            q["reserved_callbacks"] += 1  # rejoins the line at its reserved time
            continue
        if conv.status in (ConvStatus.QUEUED, ConvStatus.OFFERED):
            q["waiting" if conv.status == ConvStatus.QUEUED else "offered"] += 1
            waited = (now - (conv.queued_at or conv.created_at)).total_seconds()
            q["longest_wait_s"] = max(q["longest_wait_s"], round(waited, 1))
        else:
            q["active"] += 1
        holder = conv.agent_id or conv.offered_to_id
        if holder:
            by_agent.setdefault(holder, []).append(
                {"id": conv.id, "status": conv.status, "citizen": citizen_name(citizen), "channel": conv.channel})
    agents: list[dict[str, Any]] = []
    for user, status in session.execute(
        select(User, AgentStatus).outerjoin(AgentStatus, AgentStatus.user_id == User.id)
        .where(User.role.in_([Role.AGENT.value, Role.SUPERVISOR.value]), User.active.is_(True))
        .order_by(User.display_name)
    ).all():
        agents.append({
            "id": user.id, "name": user.display_name, "role": user.role,
            "presence": status.presence if status else "offline",
            "since": status.since.isoformat() if status else None,
            "contacts": by_agent.get(user.id, []),
        })
    recent = session.execute(
        select(ConsultationRecord, Citizen, User.display_name)
        .join(Citizen, Citizen.id == ConsultationRecord.citizen_id)
        .outerjoin(User, User.id == ConsultationRecord.agent_id)
        .order_by(ConsultationRecord.id.desc()).limit(20)
    ).all()
    today = session.scalar(select(func.count(ConsultationRecord.id)).where(
        ConsultationRecord.closed_at >= since))
    for code, q in queues.items():
        q["today"] = day.get(code, dict(empty_day))
    presence_counts: dict[str, int] = {}
    for a in agents:
        presence_counts[a["presence"]] = presence_counts.get(a["presence"], 0) + 1
    return {
        "at": now.isoformat(),
        "queues": list(queues.values()),
        "agents_by_state": presence_counts,
        "agents": agents,
        "records_today": int(today or 0),
        "with_bot": with_bot,
        "recent_records": [
            {"id": r.id, "conversation_id": r.conversation_id, "citizen_id": r.citizen_id, "citizen": citizen_name(c),
             "agent": name or "", "category": r.category, "summary": r.summary, "resolution": r.resolution,
             "closed_at": r.closed_at.isoformat()}
            for r, c, name in recent
        ],
    }

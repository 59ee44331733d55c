"""The live snapshot the supervisor page shows (computed from stored state, so any process can)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dasan.conversations.models import OPEN_STATUSES, Citizen, ConsultationRecord, Conversation, ConvStatus, Queue
from dasan.conversations.service import citizen_name
from dasan.core import clock
from dasan.orgs.models import AgentStatus, Role, User


def snapshot(*, session: Session) -> dict:
    """Queues (waiting, longest wait), agents (state, current contacts) and the latest records."""
    now = clock.now()
    queues = {q.code: {"code": q.code, "name": q.name, "name_en": q.name_en, "waiting": 0, "offered": 0,
                       "active": 0, "longest_wait_s": 0.0} for q in session.scalars(select(Queue).order_by(Queue.id))}
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
                                                "waiting": 0, "offered": 0, "active": 0, "longest_wait_s": 0.0})
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
    agents = []
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
        ConsultationRecord.closed_at >= now.replace(hour=0, minute=0, second=0, microsecond=0)))
    return {
        "at": now.isoformat(),
        "queues": list(queues.values()),
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

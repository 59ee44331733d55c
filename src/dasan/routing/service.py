"""Routing reads: agents' load and availability, queue rules, place in line and the expected
wait, the offers a waiting contact has."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dasan.conversations.models import ConsultationRecord, Conversation, ConvStatus
from dasan.core import clock
from dasan.core.errors import NotFound
from dasan.orgs.models import Role, User
from dasan.routing.core import expected_wait_s
from dasan.routing.engine import Agent, QueueSpec, pool_key, skill_pools
from dasan.routing.models import AgentSkill, AgentStatus, Presence, Queue, Skill

HOLDING = (ConvStatus.OFFERED, ConvStatus.ACTIVE)


ROUTABLE_ROLES = (Role.AGENT.value, Role.SUPERVISOR.value)


def agent_load(session: Session, user_id: int) -> int:
    """Contacts offered to or held by an agent (a call counts as a full load)."""
    return agent_loads(session, [user_id]).get(user_id, 0)


def available_agents(session: Session) -> list[Agent]:
    """Agents who may be offered contacts now, with their load (offered + active) and skills."""
    rows = session.execute(
        select(AgentStatus.user_id, AgentStatus.max_chats, AgentStatus.idle_since)
        .join(User, User.id == AgentStatus.user_id)
        .where(AgentStatus.presence == Presence.AVAILABLE, User.active.is_(True), User.role.in_(ROUTABLE_ROLES))
    ).all()
    if not rows:
        return []
    ids = [r.user_id for r in rows]
    loads = agent_loads(session, ids)
    skills: dict[int, dict[str, int]] = {}
    for uid, code, level in session.execute(
        select(AgentSkill.user_id, Skill.code, AgentSkill.proficiency).join(Skill, Skill.id == AgentSkill.skill_id)
        .where(AgentSkill.user_id.in_(ids))
    ):
        skills.setdefault(uid, {})[code] = int(level or 1)
    return [
        Agent(id=r.user_id, skills=skill_pools(skills.get(r.user_id, {})), load=loads.get(r.user_id, 0),
              capacity=r.max_chats, idle_since=r.idle_since.timestamp())
        for r in rows
    ]


# A call fills its agent: one call per agent (chats the agent already holds go on), so a voice
# contact weighs more than any chat capacity.
VOICE_LOAD = 100


def contact_load(channel: str) -> int:
    """How much of an agent's capacity a contact on `channel` takes."""
    return VOICE_LOAD if channel == "voice" else 1


def agent_loads(session: Session, ids: list[int]) -> dict[int, int]:
    loads: dict[int, int] = {}
    for col, status in ((Conversation.offered_to_id, ConvStatus.OFFERED), (Conversation.agent_id, ConvStatus.ACTIVE)):
        for uid, channel, n in session.execute(
            select(col, Conversation.channel, func.count()).where(col.in_(ids), Conversation.status == status)
            .group_by(col, Conversation.channel)
        ):
            if uid is not None:
                loads[uid] = loads.get(uid, 0) + n * contact_load(channel)
    return loads


def queue_specs(session: Session) -> dict[str, QueueSpec]:
    """The routing rules of every queue, as the engine takes them."""
    return {
        q.code: QueueSpec(q.code, skill=pool_key(q.skill_code, q.skill_min_level), priority=q.priority,
                          aging_per_s=q.aging_per_s,
                          overflow_after_s=q.overflow_after_s, overflow_skill=q.overflow_skill,
                          callback_after_s=q.callback_after_s, bot_after_s=q.bot_after_s)
        for q in session.scalars(select(Queue))
    }


def queue_wait(*, session: Session, queue_code: str, position: int, channel: str | None = None) -> dict:
    """The expected wait for the contact at `position` in a queue, from live state: the contacts the
    agents who can take this queue may hold at once (logged in: available or wrapping up; one
    each for calls) and the mean handle time of the queue's last 100 records of the channel
    (all queues' when it has fewer than 10)."""
    queue = session.scalar(select(Queue).where(Queue.code == queue_code))
    if queue is None:
        raise NotFound(f"unknown queue '{queue_code}'")
    per_agent = func.count(AgentStatus.user_id) if channel == "voice" else func.sum(AgentStatus.max_chats)
    serving = (
        select(func.coalesce(per_agent, 0))
        .join(User, User.id == AgentStatus.user_id)
        .where(AgentStatus.presence.in_([Presence.AVAILABLE, Presence.ACW]), User.active.is_(True),
               User.role.in_(ROUTABLE_ROLES))
    )
    if queue.skill_code:
        skilled = select(AgentSkill.user_id).join(Skill, Skill.id == AgentSkill.skill_id).where(
            Skill.code == queue.skill_code, AgentSkill.proficiency >= queue.skill_min_level)
        serving = serving.where(AgentStatus.user_id.in_(skilled))
    capacity = int(session.execute(serving).scalar_one())

    def mean_handle(restrict: bool) -> tuple[float | None, int]:
        q = select(ConsultationRecord.handle_s).where(ConsultationRecord.handle_s > 0)
        if channel is not None:
            q = q.where(ConsultationRecord.channel == channel)
        if restrict:
            q = q.join(Conversation, Conversation.id == ConsultationRecord.conversation_id).where(
                Conversation.queue_code == queue_code)
        recent = q.order_by(ConsultationRecord.id.desc()).limit(100).subquery()
        row = session.execute(select(func.avg(recent.c.handle_s), func.count())).one()
        return (float(row[0]) if row[0] is not None else None), int(row[1])

    aht, n = mean_handle(True)
    if n < 10:
        aht, _ = mean_handle(False)
    aht = aht or 180.0
    return {"queue": queue_code, "position": position, "serving_capacity": capacity, "mean_handle_s": round(aht, 1),
            "expected_wait_s": expected_wait_s(position=position, serving_agents=capacity, mean_handle_s=aht)}


def queue_exists(*, session: Session, code: str) -> bool:
    return session.scalar(select(Queue.id).where(Queue.code == code)) is not None


def waiting_in(session: Session, queue_code: str) -> int:
    """Contacts waiting in a queue (queued or being offered)."""
    return int(session.scalar(select(func.count(Conversation.id)).where(
        Conversation.queue_code == queue_code, Conversation.status.in_([ConvStatus.QUEUED, ConvStatus.OFFERED]),
        or_(Conversation.callback_at.is_(None), Conversation.callback_at <= clock.now()))) or 0)


def wait_estimate(*, session: Session, conv: Conversation, position: int) -> float | None:
    """The expected wait told to the citizen at `position` in their queue (labelled an estimate);
    None when nobody can serve it (or its queue was removed)."""
    try:
        return queue_wait(session=session, queue_code=conv.queue_code, position=position,
                          channel="voice" if conv.channel == "voice" else None)["expected_wait_s"]
    except NotFound:
        return None


def offers_of(conv: Conversation) -> set[str]:
    return {o for o in (conv.offers_made or "").split(",") if o}


def offers_open(conv: Conversation) -> set[str]:
    """Offers the citizen can still take."""
    made = offers_of(conv)
    open_ = set()
    if "callback" in made and conv.callback_number is None:
        open_.add("callback")
    if "bot" in made and "bot_accepted" not in made:
        open_.add("bot")
    return open_ if conv.status == ConvStatus.QUEUED else set()

"""Offering contacts to agents, accepting, transferring, ending, agent presence."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.actions import (
    SUPERVISING_ROLES,
    citizen_text,
    do_append_message,
    do_record_event,
    notify_citizen_status,
    notify_conversation,
)
from dasan.conversations.models import ConsultationRecord, Conversation, ConvStatus, MsgKind, Queue
from dasan.core import clock
from dasan.core import phone as phone_rules
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.events.actions import send_event_on_commit
from dasan.events.schemas import Audience, PresenceChanged
from dasan.i18n.dates import local_datetime
from dasan.orgs.models import AgentSkill, AgentStatus, Presence, PresenceLog, Role, Skill, User
from dasan.routing.core import expected_wait_s
from dasan.routing.engine import Agent, Contact, QueueSpec, Router, pool_key, skill_pools

HOLDING = (ConvStatus.OFFERED, ConvStatus.ACTIVE)
ROUTABLE_ROLES = (Role.AGENT.value, Role.SUPERVISOR.value)


def get_status(session: Session, user_id: int, *, lock: bool = False) -> AgentStatus:
    """The agent's status row, created on first use."""
    q = select(AgentStatus).where(AgentStatus.user_id == user_id)
    if lock:
        q = q.with_for_update()
    row = session.scalar(q)
    if row is None:
        row = AgentStatus(user_id=user_id, presence=Presence.OFFLINE)
        session.add(row)
        session.flush()
    return row


def agent_load(session: Session, user_id: int) -> int:
    """Contacts offered to or held by an agent."""
    offered = select(func.count()).where(
        Conversation.offered_to_id == user_id, Conversation.status == ConvStatus.OFFERED
    )
    active = select(func.count()).where(Conversation.agent_id == user_id, Conversation.status == ConvStatus.ACTIVE)
    return int(session.scalar(offered) or 0) + int(session.scalar(active) or 0)


def _available_agents(session: Session) -> list[Agent]:
    """Agents who may be offered contacts now, with their load (offered + active) and skills."""
    rows = session.execute(
        select(AgentStatus.user_id, AgentStatus.max_chats, AgentStatus.idle_since)
        .join(User, User.id == AgentStatus.user_id)
        .where(AgentStatus.presence == Presence.AVAILABLE, User.active.is_(True), User.role.in_(ROUTABLE_ROLES))
    ).all()
    if not rows:
        return []
    ids = [r.user_id for r in rows]
    loads = _loads(session, ids)
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


def _loads(session: Session, ids: list[int]) -> dict[int, int]:
    loads: dict[int, int] = {}
    for col, status in ((Conversation.offered_to_id, ConvStatus.OFFERED), (Conversation.agent_id, ConvStatus.ACTIVE)):
        for uid, n in session.execute(
            select(col, func.count()).where(col.in_(ids), Conversation.status == status).group_by(col)
        ):
            loads[uid] = loads.get(uid, 0) + n
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


OFFER_CHANNELS = ("webchat",)  # channels whose client can show and take the offers


def do_dispatch_round(*, session: Session, offer_timeout_s: float, limit: int = 500,
                      bot_enabled: bool = True) -> list[Conversation]:
    """One round of the live dispatcher: build the routing engine's state from the database
    (available agents with their load, waiting contacts in arrival order), let the engine decide
    (`Router.dispatch`, the code the simulator runs), and make each offer with a conditional update.

    Other processes may be dispatching at the same time. Waiting contacts are read with
    `FOR UPDATE SKIP LOCKED`, so two rounds never hold the same contact; the chosen agents' status
    rows are locked in id order (no deadlock) and their load recounted under the lock, so an agent
    another round filled meanwhile is skipped. Returns the contacts offered."""
    specs = queue_specs(session)
    agents = _available_agents(session)
    q = (select(Conversation.id, Conversation.queue_code, Conversation.queued_at, Conversation.created_at,
                Conversation.callback_number, Conversation.offers_made, Conversation.channel,
                Conversation.callback_at)
         .where(Conversation.status == ConvStatus.QUEUED)
         .where(or_(Conversation.callback_at.is_(None), Conversation.callback_at <= clock.now())))
    if not any(a.has_room() for a in agents):
        # Every agent is full (a long queue at peak): only the waiting who can be made an offer
        # (callback, bot) concern this round, not the whole line.
        q = q.where(Conversation.channel.in_(OFFER_CHANNELS))
    rows = list(session.execute(q.order_by(Conversation.queued_at, Conversation.id).limit(limit)
                                .with_for_update(skip_locked=True)))
    if not rows:
        return []
    router = Router.create(list(specs.values()))
    for agent in agents:
        router.add_agent(agent)
    waiting: list[tuple[Contact, str]] = []
    for r in rows:
        if r.queue_code not in specs:
            continue  # a queue deleted under a waiting contact: left for a supervisor to move
        # A reserved callback joins the line at its time (ahead of those who came later).
        contact = Contact(id=r.id, queue=r.queue_code,
                          arrived=(r.callback_at or r.queued_at or r.created_at).timestamp(),
                          callback=r.callback_number is not None,
                          offered=frozenset(o for o in (r.offers_made or "").split(",") if o))
        router.enqueue(contact)
        if r.channel in OFFER_CHANNELS:
            waiting.append((contact, r.offers_made or ""))
    now_ts = clock.now().timestamp()
    decisions = router.dispatch(now_ts)
    # Those still waiting may have crossed a callback or bot threshold (the engine decides).
    for contact, before in waiting:
        if contact.assigned_to is None:
            due = [o for o in router.offers_due(contact, now_ts) if o != "bot" or bot_enabled]
            if due:
                do_make_offers(session=session, conversation_id=contact.id, offers=due, before=before)
    if not decisions:
        return []
    chosen = sorted({agent.id for _, agent in decisions})
    statuses = {
        st.user_id: st
        for st in session.scalars(
            select(AgentStatus).where(AgentStatus.user_id.in_(chosen)).order_by(AgentStatus.user_id).with_for_update()
        )
    }
    loads = _loads(session, chosen)
    expires = clock.now() + timedelta(seconds=offer_timeout_s)
    offered: list[Conversation] = []
    for contact, agent in decisions:
        status = statuses.get(agent.id)
        if status is None or status.presence != Presence.AVAILABLE or loads.get(agent.id, 0) >= status.max_chats:
            continue  # another process changed this agent meanwhile; the next round re-reads
        moved = session.execute(
            update(Conversation)
            .where(Conversation.id == contact.id, Conversation.status == ConvStatus.QUEUED)
            .values(status=ConvStatus.OFFERED, offered_to_id=agent.id, offer_expires_at=expires)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            continue
        loads[agent.id] = loads.get(agent.id, 0) + 1
        conv = session.get(Conversation, contact.id)
        session.refresh(conv)
        do_record_event(session=session, conv=conv, kind="offered", data={"agent_id": agent.id})
        notify_conversation(session, conv)
        offered.append(conv)
    return offered


def _take_offer(session: Session, user: User, conversation_id: int, **values) -> Conversation:
    """Move a contact offered to `user` on, atomically: only one of accept / decline / expiry wins."""
    moved = session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == ConvStatus.OFFERED,
            Conversation.offered_to_id == user.id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(f"conversation {conversation_id} not found")
    session.refresh(conv)
    if moved != 1:
        raise Conflict("this contact is no longer offered to you", code="offer_gone")
    return conv


def do_accept(*, session: Session, user: User, conversation_id: int) -> Conversation:
    """The agent takes an offered contact; only the agent it was offered to can."""
    now = clock.now()
    conv = _take_offer(session, user, conversation_id,
                       status=ConvStatus.ACTIVE, agent_id=user.id, offered_to_id=None, offer_expires_at=None)
    if conv.answered_at is None:
        conv.answered_at = now
        conv.wait_s = max(0.0, (now - (conv.queued_at or conv.created_at)).total_seconds())
    do_record_event(session=session, conv=conv, kind="accepted", actor_id=user.id)
    do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM,
                      body=citizen_text(session, conv, "system.agent_joined", agent=user.display_name))
    notify_conversation(session, conv)
    notify_citizen_status(session, conv, agent_name=user.display_name, position=0)
    return conv


def do_decline(*, session: Session, user: User, conversation_id: int, reason: str = "declined") -> Conversation:
    """Give an offered contact back to its queue; it keeps its place in line."""
    conv = _take_offer(session, user, conversation_id,
                       status=ConvStatus.QUEUED, offered_to_id=None, offer_expires_at=None)
    do_record_event(session=session, conv=conv, kind=reason, actor_id=user.id)
    notify_conversation(session, conv, extra_users=(user.id,))
    return conv


def do_expire_offers(*, session: Session) -> int:
    """Offers nobody accepted in time go back to the queue; the silent agent is set to break.

    Setting the agent not-ready is what ACDs do ("agent not responding"): otherwise every contact
    would be offered again and again to a desk nobody sits at.
    """
    expired = list(
        session.scalars(
            select(Conversation)
            .where(Conversation.status == ConvStatus.OFFERED, Conversation.offer_expires_at < clock.now())
            .with_for_update(skip_locked=True)
        )
    )
    for conv in expired:
        agent_id = conv.offered_to_id
        conv.status = ConvStatus.QUEUED
        conv.offered_to_id = None
        conv.offer_expires_at = None
        do_record_event(session=session, conv=conv, kind="offer_expired", data={"agent_id": agent_id})
        notify_conversation(session, conv, extra_users=(agent_id,))
        if agent_id:
            user = session.get(User, agent_id)
            if user is not None:
                do_set_presence(session=session, user=user, presence=Presence.BREAK, reason="missed_offer")
    session.flush()
    return len(expired)


def do_set_presence(*, session: Session, user: User, presence: Presence, reason: str = "") -> AgentStatus:
    """Change an agent's state; becoming available starts the idle clock."""
    status = get_status(session, user.id, lock=True)
    if status.presence != presence:
        now = clock.now()
        if presence == Presence.AVAILABLE:
            status.idle_since = now
        status.presence = presence
        status.since = now
        session.add(PresenceLog(user_id=user.id, presence=presence, at=now, reason=reason[:40]))
        session.flush()
    send_event_on_commit(
        session,
        Audience(user_ids=[user.id], roles=SUPERVISING_ROLES),
        PresenceChanged(data={"user_id": user.id, "presence": status.presence, "reason": reason,
                              "since": status.since.isoformat()}),
    )
    return status


def do_end_contact(*, session: Session, user: User, conv: Conversation) -> Conversation:
    """The agent ends the live contact; the wrap-up form follows."""
    if conv.status != ConvStatus.ACTIVE or conv.agent_id != user.id:
        raise Conflict("only the agent handling an active contact can end it", code="not_active")
    conv.status = ConvStatus.WRAPUP
    conv.ended_at = clock.now()
    do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM, body=citizen_text(session, conv, "system.ended"))
    do_record_event(session=session, conv=conv, kind="ended", actor_id=user.id)
    notify_conversation(session, conv)
    notify_citizen_status(session, conv)
    return conv


def do_free_agent(*, session: Session, user_id: int) -> None:
    """The agent finished a contact: the longest-idle clock restarts now."""
    status = get_status(session, user_id)
    status.idle_since = clock.now()


def do_transfer(
    *, session: Session, user: User, conv: Conversation, to_agent_id: int | None, to_queue: str | None, note: str
) -> Conversation:
    """Hand a live contact to another agent (offered to them) or to a queue (keeps its place)."""
    if conv.status != ConvStatus.ACTIVE or conv.agent_id != user.id:
        raise Conflict("only the agent handling an active contact can transfer it", code="not_active")
    if (to_agent_id is None) == (to_queue is None):
        raise Invalid("give exactly one of to_agent_id and to_queue", code="transfer_target")
    previous = conv.agent_id
    if to_agent_id is not None:
        target = session.get(User, to_agent_id)
        if target is None or target.role not in ROUTABLE_ROLES or not target.active or target.id == user.id:
            raise Invalid("the target must be another active agent", code="transfer_target")
        conv.status = ConvStatus.OFFERED
        conv.offered_to_id = target.id
        conv.offer_expires_at = clock.now() + timedelta(seconds=120)
    else:
        queue = session.scalar(select(Queue).where(Queue.code == to_queue))
        if queue is None:
            raise Invalid(f"unknown queue '{to_queue}'", code="transfer_target")
        conv.status = ConvStatus.QUEUED
        conv.queue_code = queue.code
        conv.offered_to_id = None
    conv.agent_id = None
    session.flush()
    if note.strip():
        do_append_message(session=session, conv=conv, kind=MsgKind.NOTE, body=f"[이관 메모] {note.strip()}",
                          author=user)
    do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM,
                      body=citizen_text(session, conv, "system.transferring"))
    do_record_event(session=session, conv=conv, kind="transferred", actor_id=user.id,
                    data={"to_agent_id": to_agent_id, "to_queue": to_queue})
    do_free_agent(session=session, user_id=user.id)
    notify_conversation(session, conv, extra_users=(previous,))
    return conv


def queue_wait(*, session: Session, queue_code: str, position: int) -> dict:
    """The expected wait for the contact at `position` in a queue, from live state: the contacts the
    agents who can take this queue may hold at once (logged in: available or wrapping up) and the
    mean handle time of the queue's last 100 records (all queues' when it has fewer than 10)."""
    queue = session.scalar(select(Queue).where(Queue.code == queue_code))
    if queue is None:
        raise NotFound(f"unknown queue '{queue_code}'")
    serving = (
        select(func.coalesce(func.sum(AgentStatus.max_chats), 0))
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


def waiting_in(session: Session, queue_code: str) -> int:
    """Contacts waiting in a queue (queued or being offered)."""
    return int(session.scalar(select(func.count(Conversation.id)).where(
        Conversation.queue_code == queue_code, Conversation.status.in_([ConvStatus.QUEUED, ConvStatus.OFFERED]),
        or_(Conversation.callback_at.is_(None), Conversation.callback_at <= clock.now()))) or 0)


def wait_estimate(*, session: Session, conv: Conversation, position: int) -> float | None:
    """The expected wait told to the citizen at `position` in their queue (labelled an estimate);
    None when nobody can serve it (or its queue was removed)."""
    try:
        return queue_wait(session=session, queue_code=conv.queue_code, position=position)["expected_wait_s"]
    except NotFound:
        return None


# --- offers made while waiting: callback (keeps the place) and the bot ---------------------------



def offers_of(conv: Conversation) -> set[str]:
    return {o for o in (conv.offers_made or "").split(",") if o}


def do_make_offers(*, session: Session, conversation_id: int, offers: list[str], before: str) -> bool:
    """Record offers the engine found due and tell the citizen; once only, whichever process is
    first (a conditional update on what was offered before)."""
    current = {o for o in before.split(",") if o}
    after = ",".join(sorted(current | set(offers)))
    moved = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == ConvStatus.QUEUED,
               Conversation.offers_made == before)
        .values(offers_made=after)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    conv = session.get(Conversation, conversation_id)
    session.refresh(conv)
    for kind in offers:
        do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM,
                          body=citizen_text(session, conv, f"system.offer_{kind}"))
        do_record_event(session=session, conv=conv, kind=f"{kind}_offered")
    notify_citizen_status(session, conv, offers=sorted(offers_open(conv)))
    return True


def offers_open(conv: Conversation) -> set[str]:
    """Offers the citizen can still take."""
    made = offers_of(conv)
    open_ = set()
    if "callback" in made and conv.callback_number is None:
        open_.add("callback")
    if "bot" in made and "bot_accepted" not in made:
        open_.add("bot")
    return open_ if conv.status == ConvStatus.QUEUED else set()


RESERVE_AHEAD = timedelta(days=7)


def do_request_callback(*, session: Session, conv: Conversation, phone: str,
                        at: datetime | None = None) -> Conversation:
    """The citizen takes the callback offer: keeps the place in line (or, with `at`, reserves a
    time: the contact rejoins the line then); whoever answers calls back."""
    if conv.status not in (ConvStatus.QUEUED, ConvStatus.OFFERED) or "callback" not in offers_of(conv):
        raise Conflict("a callback can be requested only while waiting, after it was offered", code="no_callback")
    center = center_service.get(session)
    number = phone.strip()
    if phone_rules.try_normalize(number, center.country) is None or len(phone_rules.digits(number)) < 7:
        raise Invalid(f"give a phone number to call back, e.g. {phone_rules.example(center.country)}",
                      code="bad_phone")
    now = clock.now()
    if at is not None and (at.tzinfo is None or at <= now or at > now + RESERVE_AHEAD):
        raise Invalid("a reserved time must be in the future, within 7 days, with its time zone", code="bad_time")
    if conv.callback_number is None:
        conv.callback_number = number
        if at is not None and conv.status == ConvStatus.QUEUED:
            conv.callback_at = at
            body = citizen_text(session, conv, "system.callback_at", phone=number,
                                when=local_datetime(center.local(at), conv.lang))
        else:
            body = citizen_text(session, conv, "system.callback_turn", phone=number)
        do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM, body=body)
        do_record_event(session=session, conv=conv, kind="callback_requested",
                        data={"at": at.isoformat() if conv.callback_at else None})
        notify_conversation(session, conv)
        notify_citizen_status(session, conv, offers=sorted(offers_open(conv)))
    return conv


def do_accept_bot_offer(*, session: Session, conv: Conversation) -> Conversation:
    """The citizen takes the bot offer: the bot answers while they keep their place in line."""
    if conv.status != ConvStatus.QUEUED or "bot" not in offers_of(conv):
        raise Conflict("the assistant can be asked only while waiting, after it was offered", code="no_bot_offer")
    if "bot_accepted" not in offers_of(conv):
        conv.offers_made = ",".join(sorted(offers_of(conv) | {"bot_accepted"}))
        do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM,
                          body=citizen_text(session, conv, "system.bot_offer_accepted"))
        do_record_event(session=session, conv=conv, kind="bot_offer_accepted")
        notify_citizen_status(session, conv, offers=sorted(offers_open(conv)))
    return conv

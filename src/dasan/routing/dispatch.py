"""The dispatch round (the routing engine's decisions applied with conditional updates) and a
contact's life with an agent: offer, accept, decline, expire, end, transfer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.actions import (
    citizen_text,
    do_append_message,
    do_record_event,
    notify_citizen_status,
    notify_conversation,
)
from dasan.conversations.models import Conversation, ConvStatus, MsgKind
from dasan.core import clock
from dasan.core.commit import ROUTING, VOICE, on_commit
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.db.engine import rowcount
from dasan.i18n import catalogue
from dasan.orgs.models import User
from dasan.routing.engine import Contact, Router
from dasan.routing.models import AgentStatus, Presence, Queue
from dasan.routing.offers import do_make_offers
from dasan.routing.presence import do_free_agent, do_set_presence
from dasan.routing.service import ROUTABLE_ROLES, agent_loads, available_agents, contact_load, queue_specs

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
    agents = available_agents(session)
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
    loads = agent_loads(session, chosen)
    expires = clock.now() + timedelta(seconds=offer_timeout_s)
    offered: list[Conversation] = []
    for contact, agent in decisions:
        status = statuses.get(agent.id)
        if status is None or status.presence != Presence.AVAILABLE or loads.get(agent.id, 0) >= status.max_chats:
            continue  # another process changed this agent meanwhile; the next round re-reads
        moved = rowcount(session.execute(
            update(Conversation)
            .where(Conversation.id == contact.id, Conversation.status == ConvStatus.QUEUED)
            .values(status=ConvStatus.OFFERED, offered_to_id=agent.id, offer_expires_at=expires)
            .execution_options(synchronize_session=False)
        ))
        if moved != 1:
            continue
        conv = session.get_one(Conversation, contact.id)
        loads[agent.id] = loads.get(agent.id, 0) + contact_load(conv.channel)
        session.refresh(conv)
        do_record_event(session=session, conv=conv, kind="offered", data={"agent_id": agent.id})
        notify_conversation(session, conv)
        if conv.channel == "voice":
            on_commit(session, VOICE)  # the call controller rings the agent's phone
        offered.append(conv)
    return offered


def _take_offer(session: Session, user: User, conversation_id: int, **values) -> Conversation:
    """Move a contact offered to `user` on, atomically: only one of accept / decline / expiry wins."""
    moved = rowcount(session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == ConvStatus.OFFERED,
            Conversation.offered_to_id == user.id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ))
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
    on_commit(session, ROUTING)
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
        do_append_message(session=session, conv=conv, kind=MsgKind.NOTE,
                          body=catalogue.staff_text("note.transfer", center_service.get(session), note=note.strip()),
                          author=user)
    do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM,
                      body=citizen_text(session, conv, "system.transferring"))
    do_record_event(session=session, conv=conv, kind="transferred", actor_id=user.id,
                    data={"to_agent_id": to_agent_id, "to_queue": to_queue})
    do_free_agent(session=session, user_id=user.id)
    notify_conversation(session, conv, extra_users=(previous,))
    on_commit(session, ROUTING)
    return conv

"""Agent-facing REST API: the offered contact, messages, wrap-up, transfer, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from dasan.conversations import service
from dasan.conversations.actions import SUPERVISING_ROLES, do_append_message, do_close_with_record
from dasan.conversations.models import Citizen, Conversation, MsgKind
from dasan.conversations.models import ConsultationRecord as CR
from dasan.conversations.schemas import (
    ConversationDetail,
    ConversationRead,
    HistoryRead,
    MessageCreate,
    MessageRead,
    RecordRead,
    Transfer,
    WrapUp,
)
from dasan.conversations.service import message_data
from dasan.core.errors import Conflict, NotFound
from dasan.core.ids import MAX_ID, PathId, Seq
from dasan.orgs.models import Department, User
from dasan.outbox.actions import delivery_of
from dasan.privacy.pii import mask
from dasan.routing import dispatch
from dasan.routing import presence as agents
from dasan.routing.models import AgentStatus, Presence, Queue
from dasan.routing.service import ROUTABLE_ROLES
from dasan.security.actions import do_audit
from dasan.security.deps import STAFF, Allow, Principal, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["agent"])
StaffDep = Annotated[Principal, Depends(Allow(*STAFF))]


def _read(session, conv: Conversation) -> ConversationRead:
    citizen = session.get(Citizen, conv.citizen_id)
    dept = session.get(Department, conv.department_id) if conv.department_id else None
    return ConversationRead(
        id=conv.id, status=conv.status, channel=conv.channel, queue_code=conv.queue_code, lang=conv.lang,
        citizen_id=conv.citizen_id, citizen_name=service.citizen_name(citizen), agent_id=conv.agent_id,
        offered_to_id=conv.offered_to_id, created_at=conv.created_at, department_name=dept.name if dept else "",
        dialled_number=conv.dialled_number, callback_number=conv.callback_number,
        callback_at=conv.callback_at, reply_by=conv.reply_by,
    )


def _messages(session, conv: Conversation, after_seq: int) -> list[MessageRead]:
    msgs = service.list_messages(session=session, conversation_id=conv.id, after_seq=after_seq)
    names = service.author_names(session=session, messages=msgs)
    delivery = delivery_of(session, [m.id for m in msgs if m.kind == "outbound"])
    return [message_read(m, names.get(m.author_id or 0, ""), delivery.get(m.id, (None, ""))) for m in msgs]


def message_read(m, author_name: str, delivery: tuple[str | None, str] = (None, "")) -> MessageRead:
    """A message for the agent's API: the one serialisation (events, widget) plus delivery and files."""
    return MessageRead(**message_data(m, author_name).model_dump(exclude={"conversation_id"}),
                       delivery_status=delivery[0], delivery_error=delivery[1], attachments=m.attachments or [])


class AgentState(BaseModel):
    user_id: int
    display_name: str
    presence: str
    conversations: list[ConversationRead]
    previews: dict[int, str]


class PresenceIn(BaseModel):
    presence: Presence


@router.get("/agent/state", response_model=AgentState)
def agent_state(session: SessionDep, me: StaffDep) -> AgentState:
    """My presence and the contacts offered to or held by me."""
    status = agents.get_status(session, me.id)
    convs = service.list_open_for_agent(session=session, agent_id=me.id)
    previews = service.first_inbound_preview(session=session, conversation_ids=[c.id for c in convs])
    return AgentState(user_id=me.id, display_name=me.user.display_name, presence=status.presence,
                      conversations=[_read(session, c) for c in convs], previews=previews)


@router.post("/agent/presence")
def set_presence(body: PresenceIn, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """Available / break / after-contact work / offline."""
    status = agents.do_set_presence(session=session, user=me.user, presence=body.presence)
    return {"presence": status.presence}


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
def get_conversation(conversation_id: PathId, session: SessionDep, me: StaffDep, after_seq: Seq = 0):
    """A contact with its messages (internal notes included)."""
    conv = service.access_conversation(session=session, user=me.user, conversation_id=conversation_id)
    return ConversationDetail(**_read(session, conv).model_dump(), messages=_messages(session, conv, after_seq))


@router.post("/conversations/{conversation_id}/messages", status_code=201, response_model=MessageRead)
def post_message(
    conversation_id: PathId, body: MessageCreate, session: SessionDep, me: StaffDep, settings: SettingsDep
) -> MessageRead:
    """Reply to the citizen, or add an internal note."""
    conv = service.access_conversation(session=session, user=me.user, conversation_id=conversation_id, write=True)
    msg, _ = do_append_message(
        session=session, conv=conv, kind=MsgKind.NOTE if body.note else MsgKind.OUTBOUND, body=body.text,
        author=me.user, client_msg_id=body.client_msg_id, max_chars=settings.max_message_chars,
    )
    return message_read(msg, me.user.display_name)


@router.post("/conversations/{conversation_id}/accept", response_model=ConversationRead)
def accept(conversation_id: PathId, request: Request, session: SessionDep, me: StaffDep):
    """Accept the contact offered to me. A call, when this center takes calls, is accepted by
    answering it on the phone (the phone is ringing; accepting here would leave it ringing)."""
    if getattr(request.app.state, "voice", None) is not None:
        conv = session.get(Conversation, conversation_id)
        if conv is not None and conv.channel == "voice":
            raise Conflict("answer this call on your phone", code="answer_on_phone")
    conv = dispatch.do_accept(session=session, user=me.user, conversation_id=conversation_id)
    return _read(session, conv)


@router.post("/conversations/{conversation_id}/decline", response_model=ConversationRead)
def decline(conversation_id: PathId, request: Request, session: SessionDep, me: StaffDep):
    """Give an offered contact back to the queue."""
    conv = dispatch.do_decline(session=session, user=me.user, conversation_id=conversation_id)
    out = _read(session, conv)
    return out


@router.post("/conversations/{conversation_id}/end", response_model=ConversationRead)
def end(conversation_id: PathId, session: SessionDep, me: StaffDep):
    """End the live contact and go to the wrap-up form."""
    conv = service.access_conversation(session=session, user=me.user, conversation_id=conversation_id, write=True)
    return _read(session, dispatch.do_end_contact(session=session, user=me.user, conv=conv))


@router.post("/conversations/{conversation_id}/wrapup", response_model=RecordRead)
def wrapup(conversation_id: PathId, body: WrapUp, request: Request, session: SessionDep, me: StaffDep):
    """Write the consultation record and close the contact."""
    conv = service.access_conversation(session=session, user=me.user, conversation_id=conversation_id, write=True)
    if conv.status == "active":
        dispatch.do_end_contact(session=session, user=me.user, conv=conv)
    record = do_close_with_record(session=session, conv=conv, agent=me.user, category=body.category,
                                  summary=body.summary, resolution=body.resolution)
    agents.do_free_agent(session=session, user_id=me.id)
    out = RecordRead(id=record.id, conversation_id=conv.id, channel=record.channel, category=record.category,
                     summary=record.summary, resolution=record.resolution, agent_name=me.user.display_name,
                     wait_s=record.wait_s, handle_s=record.handle_s, closed_at=record.closed_at)
    return out


@router.post("/conversations/{conversation_id}/transfer", response_model=ConversationRead)
def transfer(conversation_id: PathId, body: Transfer, request: Request, session: SessionDep, me: StaffDep):
    """Hand the contact to another agent or queue."""
    conv = service.access_conversation(session=session, user=me.user, conversation_id=conversation_id, write=True)
    dispatch.do_transfer(session=session, user=me.user, conv=conv, to_agent_id=body.to_agent_id,
                        to_queue=body.to_queue, note=body.note)
    out = _read(session, conv)
    return out


@router.get("/citizens/{citizen_id}/history", response_model=HistoryRead)
def history(citizen_id: PathId, session: SessionDep, me: StaffDep) -> HistoryRead:
    """A citizen's past consultations; every opening is written to the audit log. Agents open only
    the citizens they serve, with the personal identifiers in the summaries masked (they see them
    in the contact they handle)."""
    citizen = session.get(Citizen, citizen_id)
    # An agent opens the history of a citizen whose contact they handle, handled or are offered.
    if citizen is None or not service.agent_serves_citizen(session=session, user=me.user, citizen_id=citizen_id):
        raise NotFound(f"citizen {citizen_id} not found")
    do_audit(session=session, user_id=me.id, action="citizen.history.view", subject_type="citizen",
             subject_id=citizen_id)
    records = service.list_records(session=session, citizen_id=citizen_id)
    # Personal identifiers in past records: an agent sees them only in the contact they handle.
    full = me.user.role in SUPERVISING_ROLES
    return HistoryRead(
        citizen_id=citizen.id, citizen_name=service.citizen_name(citizen), phone=citizen.phone,
        records=[RecordRead(id=r.id, conversation_id=r.conversation_id, channel=r.channel, category=r.category,
                            summary=r.summary if full else mask(r.summary), resolution=r.resolution,
                            agent_name=name, wait_s=r.wait_s,
                            handle_s=r.handle_s, closed_at=r.closed_at) for r, name in records],
    )


@router.get("/agents")
def list_agents(session: SessionDep, me: StaffDep) -> list[dict]:
    """Agents a contact can be transferred to, with their state."""
    rows = session.execute(
        select(User.id, User.display_name, AgentStatus.presence)
        .outerjoin(AgentStatus, AgentStatus.user_id == User.id)
        .where(User.role.in_(ROUTABLE_ROLES), User.active.is_(True), User.id != me.id)
        .order_by(User.display_name)
    ).all()
    return [{"id": i, "display_name": n, "presence": p or "offline"} for i, n, p in rows]


@router.get("/queues")
def list_queues(session: SessionDep, me: StaffDep) -> list[dict]:
    """The service lines contacts wait in."""
    return [{"code": q.code, "name": q.name, "name_en": q.name_en, "sl_seconds": q.sl_seconds}
            for q in session.scalars(select(Queue).order_by(Queue.id))]


@router.get("/records", response_model=list[RecordRead])
def list_records(
    session: SessionDep, me: Annotated[Principal, Depends(Allow("supervisor", "analyst", "admin"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
):
    """Consultation records, newest first (paged with before_id)."""
    q = select(CR, User.display_name).outerjoin(User, User.id == CR.agent_id).order_by(CR.id.desc())
    if before_id:
        q = q.where(CR.id < before_id)
    rows = session.execute(q.limit(limit)).all()
    return [RecordRead(id=r.id, conversation_id=r.conversation_id, channel=r.channel, category=r.category,
                       summary=r.summary, resolution=r.resolution, agent_name=n or "", wait_s=r.wait_s,
                       handle_s=r.handle_s, closed_at=r.closed_at) for r, n in rows]

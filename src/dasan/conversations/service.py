"""Reads of conversations, messages and citizen history."""

from __future__ import annotations

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from dasan.conversations.models import (
    OPEN_STATUSES,
    Citizen,
    CitizenIdentity,
    ConsultationRecord,
    Conversation,
    ConvStatus,
    Message,
    MsgKind,
)
from dasan.core import clock
from dasan.core.errors import Forbidden, NotFound
from dasan.events.schemas import ConversationData, MessageData
from dasan.orgs.models import Role, User

CITIZEN_VISIBLE = (MsgKind.INBOUND, MsgKind.OUTBOUND, MsgKind.SYSTEM)


def citizen_name(citizen: Citizen) -> str:
    """What agents see as the citizen's name."""
    return citizen.display_name or f"#{citizen.id}"  # no name given: the citizen's number


def get_citizen_by_identity(*, session: Session, kind: str, value: str) -> Citizen | None:
    return session.scalar(
        select(Citizen).join(CitizenIdentity).where(CitizenIdentity.kind == kind, CitizenIdentity.value == value)
    )


def get_open_conversation(*, session: Session, citizen_id: int, channel: str) -> Conversation | None:
    """The citizen's conversation on this channel that is still waiting or being handled."""
    return session.scalar(
        select(Conversation)
        .where(
            Conversation.citizen_id == citizen_id,
            Conversation.channel == channel,
            Conversation.status.in_([ConvStatus.BOT, ConvStatus.QUEUED, ConvStatus.OFFERED, ConvStatus.ACTIVE]),
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )


def get_conversation(*, session: Session, conversation_id: int) -> Conversation:
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(f"conversation {conversation_id} not found")
    return conv


def access_conversation(*, session: Session, user: User, conversation_id: int, write: bool = False) -> Conversation:
    """Fetch a conversation the user may see: supervisors any, agents their own or offered ones."""
    conv = get_conversation(session=session, conversation_id=conversation_id)
    if user.role == Role.SUPERVISOR:
        return conv
    if user.role == Role.AGENT and user.id in (conv.agent_id, conv.offered_to_id):
        if write and conv.agent_id != user.id:
            raise Forbidden("accept the contact before writing to it")
        return conv
    raise Forbidden("this conversation is not assigned to you")


def agent_serves_citizen(*, session: Session, user: User, citizen_id: int) -> bool:
    """Whether an agent handles, handled or is offered a contact of this citizen (whose history
    and files they may then open); supervisors always may."""
    if user.role == Role.SUPERVISOR:
        return True
    return session.scalar(select(Conversation.id).where(
        Conversation.citizen_id == citizen_id,
        or_(Conversation.agent_id == user.id, Conversation.offered_to_id == user.id)).limit(1)) is not None


def agent_sees_attachment(*, session: Session, user: User, key: str) -> bool:
    """Whether a file (by its key) was sent in a contact the agent handles, handled or is offered;
    supervisors see every file. Only the agent's own contacts' messages are searched."""
    if user.role == Role.SUPERVISOR:
        return True
    base = key.removesuffix(".thumb")
    mine = select(Conversation.id).where(or_(Conversation.agent_id == user.id, Conversation.offered_to_id == user.id))
    return session.scalar(select(Message.id).where(
        Message.conversation_id.in_(mine),
        cast(Message.attachments, String).like(f"%/api/v1/attachments/{base}%")).limit(1)) is not None


def list_messages(
    *, session: Session, conversation_id: int, after_seq: int = 0, citizen_view: bool = False
) -> list[Message]:
    """Messages in order; the citizen's view leaves out internal notes."""
    q = select(Message).where(Message.conversation_id == conversation_id, Message.seq > after_seq)
    if citizen_view:
        q = q.where(Message.kind.in_(CITIZEN_VISIBLE))
    return list(session.scalars(q.order_by(Message.seq)))


def author_names(*, session: Session, messages: list[Message]) -> dict[int, str]:
    """Display names of the message authors, in one query."""
    ids = {m.author_id for m in messages if m.author_id}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def queue_position(*, session: Session, conv: Conversation) -> int:
    """1-based place in line among contacts waiting in the same queue."""
    if conv.status not in (ConvStatus.QUEUED, ConvStatus.OFFERED) or conv.queued_at is None:
        return 0
    ahead = session.scalar(
        select(func.count(Conversation.id)).where(
            Conversation.queue_code == conv.queue_code,
            Conversation.status.in_([ConvStatus.QUEUED, ConvStatus.OFFERED]),
            or_(Conversation.callback_at.is_(None), Conversation.callback_at <= clock.now()),
            or_(
                Conversation.queued_at < conv.queued_at,
                and_(Conversation.queued_at == conv.queued_at, Conversation.id < conv.id),
            ),
        )
    )
    return int(ahead or 0) + 1


def list_records(*, session: Session, citizen_id: int, limit: int = 50) -> list[tuple[ConsultationRecord, str]]:
    """The citizen's closed consultations, newest first, with the agent's name."""
    rows = session.execute(
        select(ConsultationRecord, User.display_name)
        .outerjoin(User, User.id == ConsultationRecord.agent_id)
        .where(ConsultationRecord.citizen_id == citizen_id)
        .order_by(ConsultationRecord.closed_at.desc(), ConsultationRecord.id.desc())
        .limit(limit)
    ).all()
    return [(r, name or "") for r, name in rows]


def list_open_for_agent(*, session: Session, agent_id: int) -> list[Conversation]:
    """Contacts offered to or held by an agent."""
    return list(
        session.scalars(
            select(Conversation)
            .where(
                or_(Conversation.agent_id == agent_id, Conversation.offered_to_id == agent_id),
                Conversation.status.in_(OPEN_STATUSES),
            )
            .order_by(Conversation.id)
        )
    )


def first_inbound_preview(*, session: Session, conversation_ids: list[int]) -> dict[int, str]:
    """The first citizen message of each conversation (what an offer shows), in one query."""
    if not conversation_ids:
        return {}
    first = (
        select(Message.conversation_id, func.min(Message.seq).label("seq"))
        .where(Message.conversation_id.in_(conversation_ids), Message.kind == MsgKind.INBOUND)
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = session.execute(
        select(Message.conversation_id, Message.body).join(
            first, and_(Message.conversation_id == first.c.conversation_id, Message.seq == first.c.seq)
        )
    ).all()
    return {cid: body[:120] for cid, body in rows}


def select_latest_conversation(*, citizen_id: int, channel: str):
    """Query for the citizen's most recent conversation on a channel."""
    return (
        select(Conversation)
        .where(Conversation.citizen_id == citizen_id, Conversation.channel == channel)
        .order_by(Conversation.id.desc())
        .limit(1)
    )


def find_by_client_id(*, session: Session, conversation_id: int, client_msg_id: str) -> Message | None:
    """A message the client already sent with this id, if stored."""
    return session.scalar(
        select(Message).where(Message.conversation_id == conversation_id, Message.client_msg_id == client_msg_id)
    )


def message_data(msg: Message, author_name: str = "") -> MessageData:
    return MessageData(
        id=msg.id, conversation_id=msg.conversation_id, seq=msg.seq, kind=msg.kind, body=msg.body,
        author_name=author_name, client_msg_id=msg.client_msg_id, created_at=msg.created_at.isoformat(),
        abuse=msg.abuse, purged=msg.purged_at is not None,
    )


def conversation_data(conv: Conversation, citizen: Citizen | None = None, preview: str = "") -> ConversationData:
    return ConversationData(
        id=conv.id, status=conv.status, queue_code=conv.queue_code, channel=conv.channel,
        citizen_id=conv.citizen_id, citizen_name=citizen_name(citizen) if citizen else "",
        agent_id=conv.agent_id, offered_to_id=conv.offered_to_id,
        offer_expires_at=conv.offer_expires_at.isoformat() if conv.offer_expires_at else None,
        preview=preview, queued_at=conv.queued_at.isoformat() if conv.queued_at else None,
    )

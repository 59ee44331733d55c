"""Writing to the outbox and moving its rows along.

An outbound message on a channel with a gateway (SMS) gets its outbox row in the same flush as
the message (a session hook), so a reply is either stored with its delivery pending or not stored
at all. The worker (runner.py) claims due rows with a conditional update, hands them to the
gateway outside any transaction, and records the answer; retries back off; rows of one
conversation go out in order (a row waits while an earlier one of its conversation is pending).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event, exists, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from dasan.conversations.actions import notify_conversation
from dasan.conversations.models import Citizen, CitizenIdentity, Conversation, Message, MsgKind
from dasan.core import clock
from dasan.core.commit import OUTBOX, on_commit
from dasan.db.engine import rowcount
from dasan.outbox.core import backoff_s
from dasan.outbox.models import PENDING, OutboxItem, OutboxStatus

GATEWAY_CHANNELS = {"sms", "email"}  # channels whose outbound messages a gateway delivers (and every sns-*)


def has_gateway(channel: str) -> bool:
    return channel in GATEWAY_CHANNELS or channel.startswith("sns-")
MAX_AGE = timedelta(hours=24)  # after this long without success a row fails for good


def recipient_for(session: Session, conv: Conversation) -> str | None:
    """Where a reply on this conversation goes: the citizen's phone number for SMS, the
    platform's user id for a webhook platform."""
    kind = {"sms": "phone", "email": "email"}.get(conv.channel, f"{conv.channel}:id")
    with session.no_autoflush:
        return session.scalar(select(CitizenIdentity.value).where(
            CitizenIdentity.citizen_id == conv.citizen_id, CitizenIdentity.kind == kind))


def install(factory: sessionmaker[Session]) -> None:
    """Give every outbound message on a gateway channel its outbox row in the same flush, in the
    sessions of `factory` (the app's; a factory without it must not write outbound messages)."""
    event.listen(factory, "before_flush", _queue_outbound)


def _queue_outbound(session: Session, _ctx, _instances) -> None:
    for obj in list(session.new):
        if not isinstance(obj, Message) or obj.kind != MsgKind.OUTBOUND or not has_gateway(obj.channel):
            continue
        conv = session.get(Conversation, obj.conversation_id)
        to = recipient_for(session, conv) if conv is not None else None
        citizen = session.get(Citizen, conv.citizen_id) if conv is not None else None
        item = OutboxItem(message=obj, conversation_id=obj.conversation_id, channel=obj.channel,
                          recipient=to or "", body=obj.body, created_at=clock.now(), next_attempt_at=clock.now())
        if not to:
            item.status, item.last_error = OutboxStatus.FAILED, "the citizen has no phone number to reply to"
        elif obj.channel == "sms" and citizen is not None and citizen.sms_opt_out_at is not None:
            item.status, item.last_error = OutboxStatus.FAILED, "the citizen opted out of SMS"
        session.add(item)
        on_commit(session, OUTBOX)


def do_claim_due(*, session: Session, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Rows due now, at most one per conversation and only when nothing earlier of that
    conversation is pending; each is moved to `sending` by a conditional update (so two workers
    never take the same row)."""
    earlier = aliased(OutboxItem)
    ids = session.scalars(
        select(OutboxItem.id)
        .where(OutboxItem.status == OutboxStatus.QUEUED, OutboxItem.next_attempt_at <= now,
               ~exists().where(earlier.conversation_id == OutboxItem.conversation_id, earlier.id < OutboxItem.id,
                               earlier.status.in_(PENDING)))
        .order_by(OutboxItem.id)
        .limit(limit)
    ).all()
    claimed = []
    for item_id in ids:
        moved = rowcount(session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item_id, OutboxItem.status == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxItem.attempts + 1)
            .execution_options(synchronize_session=False)
        ))
        if moved == 1:
            item = session.get_one(OutboxItem, item_id)
            session.refresh(item)
            claimed.append(item)
    return claimed


def _notify(session: Session, item: OutboxItem) -> None:
    conv = session.get(Conversation, item.conversation_id)
    if conv is not None:
        notify_conversation(session, conv)


def do_record_result(*, session: Session, item_id: int, ok: bool, error: str = "", permanent: bool = False,
                     now: datetime | None = None) -> None:
    """The gateway's answer to one hand-over: accepted, try again later, or never."""
    now = now or clock.now()
    item = session.get(OutboxItem, item_id)
    if item is None or item.status != OutboxStatus.SENDING:
        return  # a delivery report got there first, or recovery moved it
    if ok:
        item.status, item.sent_at, item.last_error = OutboxStatus.SENT, now, ""
        if item.attempts > 1:
            # A retry got through: the gateway is back. What waits on a backoff from its outage
            # goes now, not up to five minutes later (per-conversation order holds at the claim).
            # Only a retry's success does this, so one message the gateway keeps refusing is not
            # retried at the pace of every other message's success.
            session.execute(update(OutboxItem).where(
                OutboxItem.status == OutboxStatus.QUEUED, OutboxItem.next_attempt_at > now,
                OutboxItem.channel == item.channel, OutboxItem.attempts > 0,
            ).values(next_attempt_at=now).execution_options(synchronize_session=False))
    elif permanent or now - item.created_at > MAX_AGE:
        item.status, item.last_error = OutboxStatus.FAILED, error[:500]
        _notify(session, item)
    else:
        item.status, item.last_error = OutboxStatus.QUEUED, error[:500]
        item.next_attempt_at = now + timedelta(seconds=backoff_s(item.attempts))
    session.flush()


def do_recover(*, session: Session, now: datetime, after_s: float = 30.0, max_wait_s: float = 600.0) -> int:
    """Rows left in `sending` by a process that died mid-hand-over. Had the gateway taken such a
    row, its delivery report would come, and the gateway reports in the order it was handed
    messages: so once a report has arrived for a row handed over later (by more than two
    seconds), a row still without one was never taken and is queued again (after at least
    `after_s`). Without that evidence — reports lagging behind a flood, or the gateway's SMSC
    down — a row waits `max_wait_s` before it is sent again."""
    stuck = list(session.scalars(select(OutboxItem).where(
        OutboxItem.status == OutboxStatus.SENDING, OutboxItem.claimed_at < now - timedelta(seconds=after_s))))
    n = 0
    for item in stuck:
        claimed_at = item.claimed_at
        assert claimed_at is not None  # a row being sent was claimed
        later_report = session.scalar(select(OutboxItem.id).where(
            OutboxItem.channel == item.channel, OutboxItem.reported_at.is_not(None),
            OutboxItem.claimed_at > claimed_at + timedelta(seconds=2)).limit(1))
        if later_report is None and claimed_at >= now - timedelta(seconds=max_wait_s):
            continue
        item.status, item.next_attempt_at = OutboxStatus.QUEUED, now
        item.last_error = "no answer from the gateway: sending again"
        n += 1
    session.flush()
    return n


# Kannel's delivery report types (the %d of dlr-url).
DLR_DELIVERED, DLR_FAILED, DLR_BUFFERED, DLR_SUBMITTED, DLR_REJECTED = 1, 2, 4, 8, 16


def do_delivery_report(*, session: Session, item_id: int, kind: int, reply: str = "") -> OutboxItem | None:
    """A delivery report for one outbox row (several may come, per part and per stage)."""
    item = session.get(OutboxItem, item_id)
    if item is None:
        return None
    now = clock.now()
    item.reported_at = item.reported_at or now
    if kind & (DLR_FAILED | DLR_REJECTED):
        if item.status != OutboxStatus.FAILED:
            item.status, item.last_error = OutboxStatus.FAILED, (reply or "the network reported a failure")[:500]
            _notify(session, item)
    elif kind & DLR_DELIVERED:
        if item.status != OutboxStatus.FAILED:
            item.status, item.delivered_at = OutboxStatus.DELIVERED, now
            item.sent_at = item.sent_at or now
            _notify(session, item)
    elif kind & (DLR_SUBMITTED | DLR_BUFFERED):
        if item.status in (OutboxStatus.SENDING, OutboxStatus.QUEUED):
            item.status, item.sent_at = OutboxStatus.SENT, item.sent_at or now
    session.flush()
    return item


def delivery_of(session: Session, message_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Delivery status and error of outbound messages that went through a gateway."""
    if not message_ids:
        return {}
    rows = session.execute(select(OutboxItem.message_id, OutboxItem.status, OutboxItem.last_error)
                           .where(OutboxItem.message_id.in_(message_ids)))
    return {mid: (status, err) for mid, status, err in rows}

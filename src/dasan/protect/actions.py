"""Protecting agents (M17): the policy per channel, the agent's warnings and the end of an
abusive contact, the emergency "protect", the recovery break and the supervisors told live,
counselling offered and recorded. Every step is a conversation event."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dasan.conversations.actions import SUPERVISING_ROLES, citizen_text, do_append_message, do_record_event
from dasan.conversations.models import Citizen, Conversation, ConversationEvent, ConvStatus, MsgKind
from dasan.core import clock
from dasan.core.errors import Conflict, Forbidden, Invalid, NotFound
from dasan.events.actions import send_event_on_commit
from dasan.events.schemas import Audience, ProtectIncident
from dasan.orgs.models import User
from dasan.protect.core import Policy, is_repeat_offender, next_step, restricted_until, warning_key
from dasan.protect.models import AbuseIncident, OffenderRestriction, ProtectPolicy
from dasan.routing.dispatch import do_end_contact
from dasan.routing.models import Presence, Queue
from dasan.routing.presence import do_set_presence
from dasan.security.actions import do_audit

DEFAULT = "*"


def get_policy(session: Session, channel: str) -> Policy:
    """The channel's policy, else the center's default, else the built-in one."""
    row = session.get(ProtectPolicy, channel) or session.get(ProtectPolicy, DEFAULT)
    if row is None:
        return Policy()
    return Policy(warnings_before_end=row.warnings_before_end,
                  one_strike=frozenset(k for k in row.one_strike.split(",") if k),
                  recovery_break_min=row.recovery_break_min, auto_end=row.auto_end,
                  offender_incidents=row.offender_incidents, offender_window_days=row.offender_window_days,
                  offender_days=row.offender_days, offender_queue=row.offender_queue, notice=row.notice)


def do_set_policy(*, session: Session, admin: User, channel: str, policy: Policy) -> None:
    """An admin sets a channel's rules (`*`: the default); audited."""
    if policy.offender_queue and session.scalar(select(Queue.id).where(Queue.code == policy.offender_queue)) is None:
        raise Invalid(f"no queue {policy.offender_queue!r} for repeat offenders", code="unknown_queue")
    row = session.get(ProtectPolicy, channel) or ProtectPolicy(channel=channel)
    row.warnings_before_end = policy.warnings_before_end
    row.one_strike = ",".join(sorted(policy.one_strike))
    row.recovery_break_min = policy.recovery_break_min
    row.auto_end = policy.auto_end
    row.offender_incidents = policy.offender_incidents
    row.offender_window_days = policy.offender_window_days
    row.offender_days = policy.offender_days
    row.offender_queue = policy.offender_queue
    row.notice = policy.notice
    session.add(row)
    do_audit(session=session, user_id=admin.id, action="protect.policy", subject_type="channel", subject_id=None,
             detail={"channel": channel, "warnings_before_end": policy.warnings_before_end,
                     "one_strike": sorted(policy.one_strike), "recovery_break_min": policy.recovery_break_min,
                     "auto_end": policy.auto_end, "offender_incidents": policy.offender_incidents,
                     "offender_window_days": policy.offender_window_days, "offender_days": policy.offender_days,
                     "offender_queue": policy.offender_queue, "notice": policy.notice})


def _warnings_given(session: Session, conv: Conversation) -> int:
    return int(session.scalar(select(func.count()).select_from(ConversationEvent).where(
        ConversationEvent.conversation_id == conv.id, ConversationEvent.kind == "abuse_warning")) or 0)


def _last_flag(session: Session, conv: Conversation) -> str | None:
    event = session.scalars(select(ConversationEvent).where(
        ConversationEvent.conversation_id == conv.id, ConversationEvent.kind == "abuse_flagged")
        .order_by(ConversationEvent.id.desc()).limit(1)).first()
    return str(event.data.get("kind")) if event is not None else None


def _prepare(session: Session, agent: User, conversation_id: int, emergency: bool):
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(f"no conversation {conversation_id}")
    if conv.agent_id != agent.id:
        raise Forbidden("only the agent on the contact can warn or end it")
    if conv.status != ConvStatus.ACTIVE:
        raise Conflict("the contact is not active", code="not_active")
    policy = get_policy(session, conv.channel)
    given = _warnings_given(session, conv)
    kind = _last_flag(session, conv)
    return conv, policy, given, kind, next_step(policy, given, kind, emergency=emergency)


def next_warning_step(*, session: Session, agent: User, conversation_id: int, emergency: bool = False) -> str:
    """What the agent's "warn" (or "protect") would do now, checked but not done: a call's
    controller acts on it before it is written."""
    return _prepare(session, agent, conversation_id, emergency)[-1]


def do_warn(*, session: Session, agent: User, conversation_id: int, emergency: bool = False,
            auto: bool = False) -> dict:
    """The agent answers abuse: the policy's next step — warning 1, warning 2 (each sent to the
    citizen in their language; on a call the controller plays it) or the end of the contact with
    its notice. `emergency` ("protect") ends at once; `auto`: the policy's own step, sent by the
    center rather than the agent. Returns {"step", "warnings"}."""
    conv, policy, given, kind, step = _prepare(session, agent, conversation_id, emergency)
    do_append_message(session=session, conv=conv, kind=MsgKind.OUTBOUND, author=None if auto else agent,
                      body=citizen_text(session, conv, warning_key(step)))
    do_record_event(session=session, conv=conv, kind="abuse_warning", actor_id=None if auto else agent.id,
                    data={"n": given + 1, "step": step, "kind": kind, "emergency": emergency, "auto": auto})
    if step == "end":
        _end_for_abuse(session, conv, agent, policy, kind="protect" if emergency else (kind or "abusive"),
                       warnings=given)
    return {"step": step, "warnings": given + (step != "end")}


def send_notice(session: Session, conv: Conversation) -> None:
    """A new text thread opens with the center's notice where its channel's policy says so (web
    chat shows it in the widget and calls hear it, so neither needs a message)."""
    if conv.channel in ("webchat", "voice") or not get_policy(session, conv.channel).notice:
        return
    do_append_message(session=session, conv=conv, kind=MsgKind.OUTBOUND,
                      body=citizen_text(session, conv, "protect.notice"))
    do_record_event(session=session, conv=conv, kind="notice_sent")


def auto_step(session: Session, conv: Conversation, kind: str) -> None:
    """A citizen's message was found abusive: where the channel's policy says so (`auto_end`),
    the center gives the next warning — or ends the contact — itself, on a contact an agent is
    handling. Otherwise nothing: the agent sees the mark and decides."""
    if conv.status != ConvStatus.ACTIVE or conv.agent_id is None or conv.channel == "voice":
        return
    if not get_policy(session, conv.channel).auto_end:
        return
    agent = session.get(User, conv.agent_id)
    if agent is not None:
        do_warn(session=session, agent=agent, conversation_id=conv.id, auto=True)


def _end_for_abuse(session: Session, conv: Conversation, agent: User, policy: Policy, *, kind: str,
                   warnings: int) -> None:
    do_end_contact(session=session, user=agent, conv=conv)
    now = clock.now()
    until = now + timedelta(minutes=policy.recovery_break_min) if policy.recovery_break_min else None
    incident = AbuseIncident(conversation_id=conv.id, citizen_id=conv.citizen_id, agent_id=agent.id,
                             channel=conv.channel, kind=kind, warnings=warnings, ended_at=now, break_until=until)
    session.add(incident)
    session.flush()
    do_record_event(session=session, conv=conv, kind="abuse_ended", actor_id=agent.id,
                    data={"kind": kind, "warnings": warnings, "incident": incident.id})
    if until is not None:
        do_set_presence(session=session, user=agent, presence=Presence.BREAK, reason="recovery", until=until)
    restriction = _restrict_if_repeat(session, conv.citizen_id, policy, now)
    data = incident_data(incident, agent.display_name)
    data["restricted_until"] = restriction.until.isoformat() if restriction is not None else None
    send_event_on_commit(session, Audience(user_ids=[agent.id], roles=SUPERVISING_ROLES), ProtectIncident(data=data))


def _active_restriction(session: Session, citizen_id: int, now: datetime) -> OffenderRestriction | None:
    return session.scalars(select(OffenderRestriction).where(
        OffenderRestriction.citizen_id == citizen_id, OffenderRestriction.lifted_at.is_(None),
        OffenderRestriction.until > now).order_by(OffenderRestriction.id.desc()).limit(1)).first()


def _restrict_if_repeat(session: Session, citizen_id: int, policy: Policy, now: datetime) -> OffenderRestriction | None:
    """After a contact ended for abuse: a citizen with the policy's number of such contacts inside
    its window becomes (or stays, renewed) a repeat offender. Audited as the system's act."""
    count = int(session.scalar(select(func.count()).select_from(AbuseIncident).where(
        AbuseIncident.citizen_id == citizen_id,
        AbuseIncident.ended_at > now - timedelta(days=policy.offender_window_days))) or 0)
    if not is_repeat_offender(policy, count):
        return None
    restriction = _active_restriction(session, citizen_id, now)
    if restriction is None:
        restriction = OffenderRestriction(citizen_id=citizen_id, queue=policy.offender_queue, since=now,
                                          until=restricted_until(now, policy.offender_days, None))
        session.add(restriction)
    else:
        restriction.until = restricted_until(now, policy.offender_days, restriction.until)
        restriction.queue = policy.offender_queue or restriction.queue
    restriction.incidents = count
    session.flush()
    _apply(session, restriction)
    do_audit(session=session, user_id=None, action="protect.restrict", subject_type="citizen", subject_id=citizen_id,
             detail={"restriction": restriction.id, "incidents": count, "until": restriction.until.isoformat(),
                     "queue": restriction.queue})
    return restriction


def _apply(session: Session, restriction: OffenderRestriction) -> None:
    """Carry a restriction's state to the citizen, where every channel's new contact reads it."""
    citizen = session.get(Citizen, restriction.citizen_id)
    assert citizen is not None
    active = restriction.lifted_at is None
    citizen.restricted_until = restriction.until if active else None
    citizen.restricted_queue = restriction.queue if active else ""


def do_lift_restriction(*, session: Session, user: User, restriction_id: int, note: str) -> OffenderRestriction:
    """A supervisor ends a repeat offender's period early; audited."""
    restriction = _restriction(session, restriction_id)
    now = clock.now()
    if restriction.lifted_at is not None or restriction.until <= now:
        raise Conflict("the restriction has already ended", code="restriction_ended")
    restriction.lifted_at = now
    restriction.lifted_by = user.id
    restriction.note = note
    _apply(session, restriction)
    do_audit(session=session, user_id=user.id, action="protect.lift", subject_type="citizen",
             subject_id=restriction.citizen_id, detail={"restriction": restriction.id, "note": note})
    return restriction


def do_extend_restriction(*, session: Session, user: User, restriction_id: int, days: int,
                          note: str) -> OffenderRestriction:
    """A supervisor extends a repeat offender's current period by `days`; audited."""
    restriction = _restriction(session, restriction_id)
    if restriction.lifted_at is not None or restriction.until <= clock.now():
        raise Conflict("the restriction has already ended", code="restriction_ended")
    before = restriction.until
    restriction.until = before + timedelta(days=days)
    restriction.note = note
    _apply(session, restriction)
    do_audit(session=session, user_id=user.id, action="protect.extend", subject_type="citizen",
             subject_id=restriction.citizen_id,
             detail={"restriction": restriction.id, "from": before.isoformat(), "until": restriction.until.isoformat(),
                     "note": note})
    return restriction


def _restriction(session: Session, restriction_id: int) -> OffenderRestriction:
    restriction = session.get(OffenderRestriction, restriction_id)
    if restriction is None:
        raise NotFound(f"no restriction {restriction_id}")
    return restriction


def incident_data(incident: AbuseIncident, agent_name: str = "") -> dict:
    return {"id": incident.id, "conversation_id": incident.conversation_id, "citizen_id": incident.citizen_id,
            "agent_id": incident.agent_id, "agent_name": agent_name, "channel": incident.channel,
            "kind": incident.kind, "warnings": incident.warnings, "ended_at": incident.ended_at.isoformat(),
            "break_until": incident.break_until.isoformat() if incident.break_until else None,
            "counselling": incident.counselling, "counselling_note": incident.counselling_note}


def do_record_counselling(*, session: Session, user: User, incident_id: int, outcome: str, note: str = "") -> None:
    """The agent accepts or declines the counselling offered, or a supervisor records it held."""
    incident = session.get(AbuseIncident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    supervising = user.role in SUPERVISING_ROLES
    if not supervising and incident.agent_id != user.id:
        raise Forbidden("only the agent concerned and supervisors record counselling")
    if outcome == "held" and not supervising:
        raise Forbidden("a supervisor records that counselling was held")
    incident.counselling = outcome
    incident.counselling_note = note
    incident.counselling_at = clock.now()
    do_audit(session=session, user_id=user.id, action="protect.counselling", subject_type="abuse_incident",
             subject_id=incident.id, detail={"outcome": outcome})

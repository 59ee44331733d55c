"""The protection API: the agent warns, ends ("protect"), records counselling; supervisors see
incidents; admins set each channel's policy."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.center import service as center_service
from dasan.conversations.models import Conversation, ConversationEvent, Message
from dasan.core import clock
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.core.ids import PathId
from dasan.orgs.models import Role, User
from dasan.privacy.pii import mask
from dasan.protect import actions, service
from dasan.protect.core import Policy
from dasan.protect.evidence import bundle
from dasan.protect.models import AbuseIncident
from dasan.security.actions import do_audit
from dasan.security.deps import STAFF, SUPERVISION, Allow, Principal, SessionDep, SettingsDep
from dasan.voice.models import VoiceCall

router = APIRouter(prefix="/api/v1/protect", tags=["protect"])
StaffDep = Annotated[Principal, Depends(Allow(*STAFF))]
SupervisorDep = Annotated[Principal, Depends(Allow(*SUPERVISION))]
AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]
Kind = Literal["sexual", "threat", "insult", "profanity", "abusive"]


def _step(request: Request, session: SessionDep, me: Principal, conversation_id: int, *, emergency: bool) -> dict:
    """On a call, the call controller acts first (plays the warning, or releases the agent and
    tells the caller why) and only then is the step written; on other channels the warning is a
    message the channel delivers."""
    conv = session.get(Conversation, conversation_id)
    if conv is not None and conv.channel == "voice":
        step = actions.next_warning_step(session=session, agent=me.user, conversation_id=conversation_id,
                                         emergency=emergency)
        session.rollback()  # the controller writes in transactions of its own
        voice = getattr(request.app.state, "voice", None)
        if voice is None:
            raise Conflict("this server does not run the call controller", code="voice_off")
        voice.submit(voice.protect(conversation_id, me.id, step))
    out = actions.do_warn(session=session, agent=me.user, conversation_id=conversation_id, emergency=emergency)
    session.commit()
    return out


@router.post("/conversations/{conversation_id}/warn")
def warn(conversation_id: PathId, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """The next step of the channel's policy on my contact: warning 1, warning 2, or the end."""
    return _step(request, session, me, conversation_id, emergency=False)


@router.post("/conversations/{conversation_id}/protect")
def protect(conversation_id: PathId, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """The emergency button: the citizen is told why, and the contact ends at once (on a call the
    agent is released within a moment and the caller hears the notice before the line is cleared)."""
    return _step(request, session, me, conversation_id, emergency=True)


@router.get("/incidents")
def incidents(session: SessionDep, me: Annotated[Principal, Depends(Allow(*STAFF, Role.ADMIN.value))],
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    """Contacts ended for abuse, newest first: supervisors and admins see all, an agent their own."""
    q = select(AbuseIncident, User.display_name).outerjoin(User, User.id == AbuseIncident.agent_id)
    if me.user.role not in SUPERVISION:
        q = q.where(AbuseIncident.agent_id == me.id)
    rows = session.execute(q.order_by(AbuseIncident.id.desc()).limit(limit))
    return [actions.incident_data(i, name or "") for i, name in rows]


class CounsellingIn(BaseModel):
    outcome: Literal["accepted", "declined", "held"]
    note: str = Field(default="", max_length=2000)


@router.post("/incidents/{incident_id}/counselling")
def counselling(incident_id: PathId, body: CounsellingIn, session: SessionDep, me: StaffDep) -> dict:
    """The agent takes or declines the counselling offered; a supervisor records it held."""
    actions.do_record_counselling(session=session, user=me.user, incident_id=incident_id, outcome=body.outcome,
                                  note=body.note)
    session.commit()
    return {"incident_id": incident_id, "counselling": body.outcome}


class PolicyIO(BaseModel):
    warnings_before_end: int = Field(default=2, ge=0, le=5)
    one_strike: list[Kind] = Field(default_factory=lambda: list[Kind](["sexual"]))
    recovery_break_min: int = Field(default=10, ge=0, le=240)
    auto_end: bool = False
    offender_incidents: int = Field(default=2, ge=0, le=20)
    offender_window_days: int = Field(default=90, ge=1, le=730)
    offender_days: int = Field(default=30, ge=1, le=365)
    offender_queue: str = Field(default="", max_length=40)
    notice: bool = False


@router.get("/policies/{channel}")
def get_policy(channel: str, session: SessionDep, me: SupervisorDep) -> PolicyIO:
    """A channel's rules (`*`: the center's default)."""
    p = actions.get_policy(session, channel[:20])
    return PolicyIO(warnings_before_end=p.warnings_before_end, one_strike=sorted(p.one_strike),  # type: ignore[arg-type]
                    recovery_break_min=p.recovery_break_min, auto_end=p.auto_end,
                    offender_incidents=p.offender_incidents, offender_window_days=p.offender_window_days,
                    offender_days=p.offender_days, offender_queue=p.offender_queue, notice=p.notice)


@router.put("/policies/{channel}")
def put_policy(channel: str, body: PolicyIO, session: SessionDep, me: AdminDep) -> PolicyIO:
    """Set a channel's rules (`*` for the default); audited."""
    if channel != "*" and not re.fullmatch(r"[a-z][a-z0-9-]{1,19}", channel):
        raise Invalid("a channel is a name such as webchat, sms or sns-kakao (or * for the default)",
                      code="bad_channel")
    policy = Policy(warnings_before_end=body.warnings_before_end, one_strike=frozenset(body.one_strike),
                    recovery_break_min=body.recovery_break_min, auto_end=body.auto_end,
                    offender_incidents=body.offender_incidents, offender_window_days=body.offender_window_days,
                    offender_days=body.offender_days, offender_queue=body.offender_queue, notice=body.notice)
    actions.do_set_policy(session=session, admin=me.user, channel=channel, policy=policy)
    session.commit()
    return body


@router.get("/offenders")
def offenders(session: SessionDep, me: SupervisorDep, active: bool = False,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    """Citizens with contacts ended for abuse, across channels, with their latest restriction
    (`active=true`: only those whose contacts now go to the dedicated team)."""
    return service.offenders(session, now=clock.now(), active_only=active, limit=limit)


class LiftIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class ExtendIn(BaseModel):
    days: int = Field(ge=1, le=365)
    note: str = Field(default="", max_length=2000)


@router.post("/restrictions/{restriction_id}/lift")
def lift(restriction_id: PathId, body: LiftIn, session: SessionDep, me: SupervisorDep) -> dict:
    """End a repeat offender's period now: their next contact goes the usual way. Audited."""
    r = actions.do_lift_restriction(session=session, user=me.user, restriction_id=restriction_id, note=body.note)
    session.commit()
    return service.restriction_data(r, clock.now())


@router.post("/restrictions/{restriction_id}/extend")
def extend(restriction_id: PathId, body: ExtendIn, session: SessionDep, me: SupervisorDep) -> dict:
    """Lengthen a repeat offender's current period by some days. Audited."""
    r = actions.do_extend_restriction(session=session, user=me.user, restriction_id=restriction_id, days=body.days,
                                      note=body.note)
    session.commit()
    return service.restriction_data(r, clock.now())


@router.get("/conversations/{conversation_id}/evidence")
def evidence(conversation_id: PathId, session: SessionDep, settings: SettingsDep, me: SupervisorDep) -> Response:
    """One contact's evidence for legal action, as a ZIP: transcript (times in the center's zone,
    personal identifiers masked), every conversation event (warnings and their times included),
    the incident, the call recordings; a manifest with each part's SHA-256. Supervisors only;
    every export is audited."""
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(f"no conversation {conversation_id}")
    center = center_service.get(session)
    messages = session.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)).all()
    authors = {m.author_id for m in messages if m.author_id}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(authors))).all())
    lines = []
    for m in messages:
        who = names.get(m.author_id, "") if m.author_id else ("citizen" if m.kind == "inbound" else m.kind)
        flag = f" [abuse: {m.abuse}]" if m.abuse else ""
        at = center.local(m.created_at).isoformat(timespec="seconds")
        lines.append(f"{at} {who} ({m.kind}){flag}: {mask(m.body)}")
    events = [{"at": center.local(e.at).isoformat(timespec="seconds"), "kind": e.kind, "actor_id": e.actor_id,
               "data": e.data}
              for e in session.scalars(select(ConversationEvent).where(ConversationEvent.conversation_id == conv.id)
                                       .order_by(ConversationEvent.id))]
    incident = session.scalars(select(AbuseIncident).where(AbuseIncident.conversation_id == conv.id)).first()
    parts: list[tuple[str, bytes]] = [("transcript.txt", ("\n".join(lines) + "\n").encode()),
                                      ("events.json", json.dumps(events, ensure_ascii=False, indent=2).encode())]
    if incident is not None:
        parts.append(("incident.json", json.dumps(actions.incident_data(incident), ensure_ascii=False,
                                                  indent=2).encode()))
    for call in session.scalars(select(VoiceCall).where(VoiceCall.conversation_id == conv.id).order_by(VoiceCall.id)):
        path = settings.data_dir / call.recording_path if call.recording_path else None
        if path is not None and path.is_file():
            parts.append((f"recording-{call.id}.wav", path.read_bytes()))
    about = {"conversation_id": conv.id, "channel": conv.channel, "center": center.name("ko"),
             "exported_at": center.local(clock.now()).isoformat(timespec="seconds"),
             "exported_by": me.user.display_name, "time_zone": center.timezone}
    data = bundle(parts, about)
    do_audit(session=session, user_id=me.id, action="protect.evidence", subject_type="conversation",
             subject_id=conv.id, detail={"parts": [name for name, _ in parts]})
    session.commit()
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="evidence-{conv.id}.zip"', "Cache-Control": "no-store"})

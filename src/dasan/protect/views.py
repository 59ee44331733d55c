"""The protection API: the agent warns, ends ("protect"), records counselling; supervisors see
incidents; admins set each channel's policy."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.core.errors import Invalid
from dasan.core.ids import PathId
from dasan.orgs.models import Role, User
from dasan.protect import actions
from dasan.protect.core import Policy
from dasan.protect.models import AbuseIncident
from dasan.security.deps import STAFF, SUPERVISION, Allow, Principal, SessionDep

router = APIRouter(prefix="/api/v1/protect", tags=["protect"])
StaffDep = Annotated[Principal, Depends(Allow(*STAFF))]
SupervisorDep = Annotated[Principal, Depends(Allow(*SUPERVISION))]
AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]
Kind = Literal["sexual", "threat", "insult", "profanity", "abusive"]


@router.post("/conversations/{conversation_id}/warn")
def warn(conversation_id: PathId, session: SessionDep, me: StaffDep) -> dict:
    """The next step of the channel's policy on my contact: warning 1, warning 2, or the end."""
    out = actions.do_warn(session=session, agent=me.user, conversation_id=conversation_id)
    session.commit()
    return out


@router.post("/conversations/{conversation_id}/protect")
def protect(conversation_id: PathId, session: SessionDep, me: StaffDep) -> dict:
    """The emergency button: the citizen is told why, and the contact ends at once."""
    out = actions.do_warn(session=session, agent=me.user, conversation_id=conversation_id, emergency=True)
    session.commit()
    return out


@router.get("/incidents")
def incidents(session: SessionDep, me: StaffDep, limit: int = 100) -> list[dict]:
    """Contacts ended for abuse, newest first: supervisors see all, an agent their own."""
    q = select(AbuseIncident, User.display_name).outerjoin(User, User.id == AbuseIncident.agent_id)
    if me.user.role not in SUPERVISION:
        q = q.where(AbuseIncident.agent_id == me.id)
    rows = session.execute(q.order_by(AbuseIncident.id.desc()).limit(max(1, min(limit, 1000))))
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


@router.get("/policies/{channel}")
def get_policy(channel: str, session: SessionDep, me: SupervisorDep) -> PolicyIO:
    """A channel's rules (`*`: the center's default)."""
    p = actions.get_policy(session, channel[:20])
    return PolicyIO(warnings_before_end=p.warnings_before_end, one_strike=sorted(p.one_strike),  # type: ignore[arg-type]
                    recovery_break_min=p.recovery_break_min, auto_end=p.auto_end)


@router.put("/policies/{channel}")
def put_policy(channel: str, body: PolicyIO, session: SessionDep, me: AdminDep) -> PolicyIO:
    """Set a channel's rules (`*` for the default); audited."""
    if channel != "*" and not re.fullmatch(r"[a-z][a-z0-9-]{1,19}", channel):
        raise Invalid("a channel is a name such as webchat, sms or sns-kakao (or * for the default)",
                      code="bad_channel")
    policy = Policy(warnings_before_end=body.warnings_before_end, one_strike=frozenset(body.one_strike),
                    recovery_break_min=body.recovery_break_min, auto_end=body.auto_end)
    actions.do_set_policy(session=session, admin=me.user, channel=channel, policy=policy)
    session.commit()
    return body

"""Retention and citizens' rights API (M18): admins set how long each kind of data is kept and
may run the purge now; supervisors export or erase a citizen's data on their request (audited);
the log of what each purge and erasure removed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select

from dasan.center.deps import CenterDep
from dasan.conversations.models import Citizen, CitizenIdentity, Conversation
from dasan.core import clock
from dasan.core import phone as phone_rules
from dasan.core.ids import MAX_ID, PathId
from dasan.orgs.models import Role
from dasan.retention import actions
from dasan.retention.core import KINDS, MAX_DAYS
from dasan.retention.models import PurgeRun
from dasan.retention.service import citizen_export
from dasan.security.actions import do_audit
from dasan.security.deps import SUPERVISION, Allow, Principal, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])
SupervisorDep = Annotated[Principal, Depends(Allow(*SUPERVISION))]
AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]


class RetentionIO(BaseModel):
    recordings: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    transcripts: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    attachments: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    identities: int | None = Field(default=None, ge=1, le=MAX_DAYS)


@router.get("/retention")
def get_retention(session: SessionDep, me: SupervisorDep) -> RetentionIO:
    """Days each kind of data is kept (null: until a citizen's erasure)."""
    return RetentionIO(**actions.policies(session))


@router.put("/retention")
def put_retention(body: RetentionIO, session: SessionDep, me: AdminDep) -> RetentionIO:
    """Set every kind's retention at once; each change audited."""
    current = actions.policies(session)
    for kind in KINDS:
        days = getattr(body, kind)
        if current[kind] != days:
            actions.do_set_retention(session=session, admin=me.user, kind=kind, days=days)
    session.commit()
    return RetentionIO(**actions.policies(session))


@router.post("/retention/purge")
def purge_now(request: Request, session: SessionDep, me: AdminDep) -> dict:
    """Run the retention purge now (it also runs on its own every hour)."""
    session.commit()
    return actions.purge_all(request.app.state.session_factory, request.app.state.settings.data_dir, clock.now())


@router.get("/purges")
def purges(session: SessionDep, me: SupervisorDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    """What each purge and erasure removed (counts per kind), newest first."""
    return [{"id": r.id, "at": r.at.isoformat(), "reason": r.reason, "user_id": r.user_id, "citizen_id": r.citizen_id,
             "removed": r.removed, "files": r.files}
            for r in session.scalars(select(PurgeRun).order_by(PurgeRun.id.desc()).limit(limit))]


@router.get("/citizens")
def find_citizens(session: SessionDep, center: CenterDep, me: SupervisorDep,
                  q: Annotated[str, Query(min_length=3, max_length=200)]) -> list[dict]:
    """Find the citizen a request is about: by phone number (any usual writing), email, or the
    citizen's number. Each search is audited (it opens personal data)."""
    text = q.strip()
    cond = [CitizenIdentity.value == text, Citizen.email == text]
    try:
        cond.append(CitizenIdentity.value == phone_rules.normalize(text, center.country))
    except phone_rules.InvalidPhone:
        pass
    if text.isdigit() and int(text) <= MAX_ID:
        cond.append(Citizen.id == int(text))
    found = list(session.scalars(select(Citizen).outerjoin(CitizenIdentity, CitizenIdentity.citizen_id == Citizen.id)
                                 .where(or_(*cond)).distinct().order_by(Citizen.id).limit(20)))
    contacts = dict(session.execute(select(Conversation.citizen_id, func.count()).where(
        Conversation.citizen_id.in_([c.id for c in found])).group_by(Conversation.citizen_id)).all())
    do_audit(session=session, user_id=me.id, action="privacy.search", subject_type="citizen", subject_id=None,
             detail={"found": [c.id for c in found]})
    session.commit()
    return [{"id": c.id, "name": c.display_name, "phone": c.phone, "email": c.email, "contacts": contacts.get(c.id, 0),
             "first_contact": c.created_at.isoformat(), "erased_at": c.erased_at.isoformat() if c.erased_at else None}
            for c in found]


@router.get("/citizens/{citizen_id}/export")
def export(citizen_id: PathId, session: SessionDep, settings: SettingsDep, me: SupervisorDep) -> Response:
    """Everything the center holds about a citizen, for their access request, as a ZIP; audited."""
    data = citizen_export(session, settings.data_dir, citizen_id, exported_by=me.user.display_name)
    do_audit(session=session, user_id=me.id, action="privacy.export", subject_type="citizen", subject_id=citizen_id,
             detail={"bytes": len(data)})
    session.commit()
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="citizen-{citizen_id}.zip"', "Cache-Control": "no-store"})


class EraseIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)  # the request: who asked, when, how


@router.post("/citizens/{citizen_id}/erase")
def erase(citizen_id: PathId, body: EraseIn, session: SessionDep, settings: SettingsDep, me: SupervisorDep) -> dict:
    """Erase a citizen's personal data on their request (refused while a contact is open); audited."""
    removed = actions.do_erase_citizen(session=session, user=me.user, citizen_id=citizen_id, reason=body.reason,
                                       now=clock.now())
    session.commit()
    files = actions.delete_files(session, settings.data_dir, removed)
    return {"citizen_id": citizen_id, "removed": removed.counts, "files": files}

"""The audit viewer's API (M18): admins search the audit log and export it as CSV (the export
itself audited)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from dasan.center.deps import CenterDep
from dasan.core import clock
from dasan.core.csvfile import to_csv
from dasan.core.errors import Invalid
from dasan.core.ids import PathId
from dasan.core.moments import Day
from dasan.orgs.models import Role
from dasan.security import audit
from dasan.security.actions import (
    do_audit,
    do_change_own_password,
    do_confirm_second_factor,
    do_disable_second_factor,
    do_end_other_sessions,
    do_end_own_session,
    do_start_second_factor,
)
from dasan.security.deps import ALL_ROLES, Allow, Principal, SessionDep, SettingsDep
from dasan.security.models import LoginSession, RecoveryCode
from dasan.security.service import last_use, session_ends

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]
CSV_MAX = 100_000


@router.get("")
def search_audit(
    session: SessionDep,
    center: CenterDep,
    me: AdminDep,
    username: Annotated[str, Query(max_length=60)] = "",
    action: Annotated[str, Query(max_length=60)] = "",
    subject_type: Annotated[str, Query(max_length=40)] = "",
    subject_id: PathId | None = None,
    start: Day | None = None,
    end: Day | None = None,
    before_id: PathId | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Literal["json", "csv"] = "json",
):
    """Audit entries newest first, filtered by person (`system` for the system's own acts),
    action (`protect.` for every action of a kind), subject and the center's days [start, end];
    `before_id` pages on. `format=csv` exports every match (at most 100,000), times in the
    center's zone, identifiers in the details masked; the export is itself audited."""
    if start is not None and end is not None and end < start:
        raise Invalid("the end date is before the start date", code="bad_period")
    q = audit.AuditQuery(username=username.strip(), action=action.strip(), subject_type=subject_type.strip(),
                         subject_id=subject_id, since=center.day_start(start) if start else None,
                         until=center.day_bounds(end)[1] if end else None)
    if format == "json":
        return {"entries": audit.search(session, q, limit=limit, before_id=before_id),
                "actions": audit.actions(session)}
    rows = audit.search(session, q, limit=CSV_MAX, before_id=before_id)
    for r in rows:
        r["at"] = center.local(datetime.fromisoformat(r["at"])).isoformat(timespec="seconds")
        r["detail"] = json.dumps(r["detail"], ensure_ascii=False, sort_keys=True)
    do_audit(session=session, user_id=me.id, action="audit.export", subject_type="audit_log", subject_id=None,
             detail={"username": q.username, "action": q.action, "subject_type": q.subject_type,
                     "subject_id": q.subject_id, "start": start.isoformat() if start else None,
                     "end": end.isoformat() if end else None, "rows": len(rows)})
    session.commit()
    return Response(to_csv(audit.COLUMNS, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="dasan-audit.csv"',
                             "Cache-Control": "no-store"})


# --- one's own password ------------------------------------------------------------------------------

me_router = APIRouter(prefix="/api/v1/me", tags=["me"])
SelfDep = Annotated[Principal, Depends(Allow(*ALL_ROLES, before_password_change=True))]


class PasswordChange(BaseModel):
    current: str = Field(min_length=1, max_length=200)
    new: str = Field(min_length=1, max_length=200)


@me_router.post("/password")
def change_password(body: PasswordChange, session: SessionDep, me: SelfDep) -> dict:
    """Choose one's own password (required after an admin created the account or reset it). The
    other sessions of the user end; this one stays."""
    do_change_own_password(session=session, user=me.user, login=me.login, current=body.current, new=body.new)
    session.commit()
    return {"changed": True}


# --- one's own login sessions (ASVS 3.3.4) --------------------------------------------------------

def _session_out(row: LoginSession, current: LoginSession, idle: timedelta) -> dict:
    return {"id": row.id, "current": row.id == current.id, "created_at": row.created_at.isoformat(),
            "last_seen_at": last_use(row).isoformat(), "ends_at": session_ends(row, idle).isoformat(),
            "address": row.address, "user_agent": row.user_agent}


@me_router.get("/sessions")
def my_sessions(session: SessionDep, settings: SettingsDep, me: SelfDep) -> list[dict]:
    """One's live login sessions, this one first: when and from where each began, when it was last
    used and when it ends unless used."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    now = clock.now()
    rows = session.scalars(select(LoginSession).where(LoginSession.user_id == me.id, LoginSession.expires_at > now)
                           .order_by(LoginSession.id.desc())).all()
    live = [r for r in rows if session_ends(r, idle) > now or r.id == me.login.id]
    return sorted((_session_out(r, me.login, idle) for r in live), key=lambda d: not d["current"])


@me_router.delete("/sessions/{session_id}")
def end_my_session(session_id: PathId, session: SessionDep, me: SelfDep) -> dict:
    do_end_own_session(session=session, me=me.user, current=me.login, session_id=session_id)
    session.commit()
    return {"ended": 1}


@me_router.post("/sessions/end-others")
def end_my_other_sessions(session: SessionDep, me: SelfDep) -> dict:
    ended = do_end_other_sessions(session=session, me=me.user, current=me.login)
    session.commit()
    return {"ended": ended}


# --- one's second factor (TOTP, recovery codes) ----------------------------------------------------

class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=200)


def _qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


@me_router.get("/second-factor")
def my_second_factor(session: SessionDep, settings: SettingsDep, me: SelfDep) -> dict:
    """Whether one's second factor is on, whether one's role requires it and by when."""
    left = session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == me.id, RecoveryCode.used_at.is_(None)))
    return {"enabled": me.user.totp_secret is not None,
            "required": me.role in settings.second_factor_roles,
            "due": me.user.second_factor_due.isoformat() if me.user.second_factor_due and not me.user.totp_secret
            else None,
            "recovery_codes_left": left or 0}


@me_router.post("/second-factor/start")
def start_second_factor(session: SessionDep, settings: SettingsDep, center: CenterDep, me: SelfDep) -> dict:
    """A new secret for an authenticator app, as a QR code and as text; it takes effect when the
    app's first code confirms it."""
    secret, uri = do_start_second_factor(session=session, user=me.user, server_secret=settings.secret_key,
                                         center_name=center.short_name("en"))
    session.commit()
    return {"secret": secret, "uri": uri, "qr": _qr_data_uri(uri)}


@me_router.post("/second-factor/confirm")
def confirm_second_factor(body: CodeIn, session: SessionDep, settings: SettingsDep, me: SelfDep) -> dict:
    """The app's current code turns the second factor on; the recovery codes are shown this once."""
    codes = do_confirm_second_factor(session=session, user=me.user, server_secret=settings.secret_key,
                                     code=body.code)
    session.commit()
    return {"enabled": True, "recovery_codes": codes}


@me_router.post("/second-factor/disable")
def disable_second_factor(body: PasswordIn, session: SessionDep, settings: SettingsDep, me: SelfDep) -> dict:
    do_disable_second_factor(session=session, user=me.user, password=body.password,
                             required=me.role in settings.second_factor_roles)
    session.commit()
    return {"enabled": False}

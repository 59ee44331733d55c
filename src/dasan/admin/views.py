"""The administration console's API (M1), admins only: departments and legacy numbers, skills,
queues, agents' skills, users, channel tokens, case types and deadlines, the center's identity and
office hours. Every change is audited (`admin.*`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Depends, Path, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.admin import actions, imports
from dasan.cases.models import CaseType
from dasan.center import service as center_service
from dasan.channels.models import WebhookSource
from dasan.core import clock
from dasan.core.errors import Invalid
from dasan.core.ids import PathId
from dasan.core.tables import read_upload
from dasan.orgs.models import Department, LegacyLine, Role, User
from dasan.routing.models import AgentSkill, Queue, Skill
from dasan.security.actions import TOKEN_DAYS
from dasan.security.deps import Allow, Principal, SessionDep
from dasan.security.models import ApiToken

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]
Text = Annotated[str, Field(max_length=200)]


class DepartmentIn(BaseModel):
    code: str = Field(max_length=60)
    name: Text
    name_en: Text = ""
    phone: str = Field(default="", max_length=40)
    organisation_code: str | None = Field(default=None, max_length=40)


class OrganisationIn(BaseModel):
    code: str = Field(max_length=40)
    name: Text
    name_en: Text = ""
    kind: Literal["city", "district", "agency"] = "district"
    parent_code: str | None = Field(default=None, max_length=40)


@router.put("/organisations")
def save_organisation(body: OrganisationIn, session: SessionDep, me: AdminDep) -> dict:
    """Create an organisation (a district office, an agency) under the city, or rename one."""
    org = actions.do_save_organisation(session=session, admin=me.user, **body.model_dump())
    session.commit()
    return {"id": org.id, "code": org.code}


class LineIn(BaseModel):
    number: str = Field(max_length=40)
    label: Text = ""


@router.get("/departments")
def departments(session: SessionDep, me: AdminDep) -> list[dict]:
    lines: dict[int, list[str]] = {}
    for line in session.scalars(select(LegacyLine).order_by(LegacyLine.number)):
        lines.setdefault(line.department_id, []).append(line.number)
    return [{"id": d.id, "code": d.code, "name": d.name, "name_en": d.name_en, "phone": d.phone,
             "organisation_id": d.organisation_id, "lines": lines.get(d.id, [])}
            for d in session.scalars(select(Department).order_by(Department.id))]


@router.put("/departments")
def save_department(body: DepartmentIn, session: SessionDep, me: AdminDep) -> dict:
    """Create a department, or rename the one with this code."""
    dept = actions.do_save_department(session=session, admin=me.user, **body.model_dump())
    session.commit()
    return {"id": dept.id, "code": dept.code, "name": dept.name}


@router.post("/departments/{department_id}/lines", status_code=201)
def add_line(department_id: PathId, body: LineIn, session: SessionDep, me: AdminDep) -> dict:
    """A legacy number now reaches this department (its calls get the department's menu)."""
    line = actions.do_add_line(session=session, admin=me.user, department_id=department_id, number=body.number,
                               label=body.label)
    session.commit()
    return {"number": line.number, "department_id": line.department_id}


@router.delete("/lines/{number}", status_code=204)
def remove_line(number: Annotated[str, Path(max_length=40)], session: SessionDep, me: AdminDep) -> None:
    actions.do_remove_line(session=session, admin=me.user, number=number)
    session.commit()


class SkillIn(BaseModel):
    code: str = Field(max_length=60)
    kind: Literal["language", "topic"]
    name: str = Field(max_length=120)


@router.get("/skills")
def skills(session: SessionDep, me: AdminDep) -> list[dict]:
    return [{"id": s.id, "code": s.code, "kind": s.kind, "name": s.name}
            for s in session.scalars(select(Skill).order_by(Skill.id))]


@router.put("/skills")
def save_skill(body: SkillIn, session: SessionDep, me: AdminDep) -> dict:
    skill = actions.do_save_skill(session=session, admin=me.user, code=body.code, kind=body.kind, name=body.name)
    session.commit()
    return {"id": skill.id, "code": skill.code}


class QueueIn(BaseModel):
    code: str = Field(max_length=40)
    name: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    skill_code: str | None = Field(default=None, max_length=60)
    skill_min_level: int = Field(default=1, ge=1, le=5)
    sl_seconds: int = Field(default=15, ge=1, le=3600)
    sl_target_pct: int = Field(default=80, ge=1, le=100)
    priority: float = Field(default=0.0, ge=-100, le=100)
    aging_per_s: float = Field(default=0.0, ge=0, le=10)
    overflow_after_s: float | None = Field(default=None, ge=0, le=86400)
    overflow_skill: str | None = Field(default=None, max_length=60)
    callback_after_s: float | None = Field(default=None, ge=0, le=86400)
    bot_after_s: float | None = Field(default=None, ge=0, le=86400)


@router.get("/queues")
def queues(session: SessionDep, me: AdminDep) -> list[dict]:
    return [{"id": q.id, "code": q.code, **{k: getattr(q, k) for k in actions.QUEUE_FIELDS}}
            for q in session.scalars(select(Queue).order_by(Queue.id))]


@router.put("/queues")
def save_queue(body: QueueIn, session: SessionDep, me: AdminDep) -> dict:
    """Create a queue or change its rules (skill, service-level target, priority, overflow, callback)."""
    fields = body.model_dump()
    code = fields.pop("code")
    queue = actions.do_save_queue(session=session, admin=me.user, code=code, fields=fields)
    session.commit()
    return {"id": queue.id, "code": queue.code}


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=8, max_length=200)
    role: Literal["agent", "supervisor", "official", "admin", "analyst", "shopper"]
    display_name: str = Field(default="", max_length=120)
    department_code: str | None = Field(default=None, max_length=60)
    organisation_code: str | None = Field(default=None, max_length=40)
    skills: dict[Annotated[str, Field(max_length=60)], Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=dict, max_length=50)


class UserPatch(BaseModel):
    role: Literal["agent", "supervisor", "official", "admin", "analyst", "shopper"] | None = None
    display_name: str | None = Field(default=None, max_length=120)
    department_code: str | None = Field(default=None, max_length=60)  # "" leaves the department
    active: bool | None = None


class SkillsIn(BaseModel):
    skills: dict[Annotated[str, Field(max_length=60)], Annotated[int, Field(ge=1, le=5)]] = Field(max_length=50)


def _user_data(u: User, skills: dict[int, dict[str, int]]) -> dict:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "department_id": u.department_id, "organisation_id": u.organisation_id, "active": u.active,
            "skills": skills.get(u.id, {})}


@router.get("/users")
def users(session: SessionDep, me: AdminDep) -> list[dict]:
    skills: dict[int, dict[str, int]] = {}
    for a, code in session.execute(select(AgentSkill, Skill.code).join(Skill, Skill.id == AgentSkill.skill_id)):
        skills.setdefault(a.user_id, {})[code] = a.proficiency
    return [_user_data(u, skills) for u in session.scalars(select(User).order_by(User.id))]


@router.post("/users", status_code=201)
def create_user(body: UserIn, session: SessionDep, me: AdminDep) -> dict:
    user = actions.do_admin_create_user(session=session, admin=me.user, **body.model_dump())
    session.commit()
    return _user_data(user, {user.id: body.skills})


@router.patch("/users/{user_id}")
def update_user(user_id: PathId, body: UserPatch, session: SessionDep, me: AdminDep) -> dict:
    user = actions.do_update_user(session=session, admin=me.user, user_id=user_id, **body.model_dump())
    session.commit()
    return _user_data(user, {})


@router.put("/users/{user_id}/skills")
def set_skills(user_id: PathId, body: SkillsIn, session: SessionDep, me: AdminDep) -> dict:
    actions.do_set_agent_skills(session=session, admin=me.user, user_id=user_id, skills=body.skills)
    session.commit()
    return {"user_id": user_id, "skills": body.skills}


@router.post("/users/{user_id}/password")
def reset_password(user_id: PathId, session: SessionDep, me: AdminDep) -> dict:
    """A new password for the user, shown this once; their sessions end."""
    password = actions.do_reset_password(session=session, admin=me.user, user_id=user_id)
    session.commit()
    return {"user_id": user_id, "password": password}


@router.post("/users/{user_id}/sessions/end")
def end_sessions(user_id: PathId, session: SessionDep, me: AdminDep) -> dict:
    """End every login session of the user (their pages ask them to log in again)."""
    ended = actions.do_end_user_sessions(session=session, admin=me.user, user_id=user_id)
    session.commit()
    return {"user_id": user_id, "ended": ended}


@router.post("/users/{user_id}/second-factor/reset")
def reset_second_factor(user_id: PathId, session: SessionDep, me: AdminDep) -> dict:
    """Clear a user's second factor (a lost phone and lost recovery codes); their sessions end and
    a role that requires one sets it up again at the next login."""
    actions.do_admin_reset_second_factor(session=session, admin=me.user, user_id=user_id)
    session.commit()
    return {"user_id": user_id, "second_factor": False}


class TokenIn(BaseModel):
    channel: str = Field(max_length=20)
    days: int | None = Field(default=TOKEN_DAYS, ge=1, le=3650)  # None: until revoked


class RotateIn(BaseModel):
    overlap_hours: int = Field(default=24, ge=1, le=30 * 24)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


@router.get("/tokens")
def tokens(session: SessionDep, me: AdminDep) -> list[dict]:
    """Channel tokens (never the token itself: only its hash is kept): created, expiring, last
    used and from where."""
    now = clock.now()
    return [{"id": t.id, "channel": t.channel, "created_at": t.created_at.isoformat(), "revoked": t.revoked,
             "expires_at": _iso(t.expires_at), "expired": t.expires_at is not None and t.expires_at <= now,
             "last_used_at": _iso(t.last_used_at), "last_used_address": t.last_used_address}
            for t in session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))]


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, session: SessionDep, me: AdminDep) -> dict:
    """A new token for a channel's integration, shown this once."""
    token_id, token = actions.do_admin_create_token(session=session, admin=me.user, channel=body.channel,
                                                    days=body.days)
    session.commit()
    return {"id": token_id, "channel": body.channel, "token": token}


@router.post("/tokens/{token_id}/rotate", status_code=201)
def rotate_token(token_id: PathId, session: SessionDep, me: AdminDep, body: RotateIn | None = None) -> dict:
    """A new token for the same channel, shown this once; the old one works `overlap_hours` more."""
    new_id, token = actions.do_rotate_token(session=session, admin=me.user, token_id=token_id,
                                            overlap_hours=(body or RotateIn()).overlap_hours)
    session.commit()
    return {"id": new_id, "replaces": token_id, "token": token}


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: PathId, session: SessionDep, me: AdminDep) -> dict:
    actions.do_revoke_token(session=session, admin=me.user, token_id=token_id)
    session.commit()
    return {"id": token_id, "revoked": True}


class CaseTypeIn(BaseModel):
    code: str = Field(max_length=40)
    name: Text
    name_en: Text = ""
    department_code: str | None = Field(default=None, max_length=60)
    district_suffix: str = Field(default="", max_length=40)
    working_days: int = Field(default=3, ge=1, le=60)
    priority: Literal["normal", "high", "urgent"] = "normal"
    category: str = Field(default="", max_length=100)
    group: str = Field(default="", max_length=100)
    published: bool = True


@router.get("/case-types")
def case_types(session: SessionDep, me: AdminDep) -> list[dict]:
    depts = dict(session.execute(select(Department.id, Department.code)).all())
    return [{"id": t.id, "code": t.code, "department_code": depts.get(t.department_id) if t.department_id else None,
             **{k: getattr(t, k) for k in actions.CASE_TYPE_FIELDS}}
            for t in session.scalars(select(CaseType).order_by(CaseType.id))]


@router.put("/case-types")
def save_case_type(body: CaseTypeIn, session: SessionDep, me: AdminDep) -> dict:
    """Create a case type or change who answers it, its deadline (working days) and priority."""
    fields = body.model_dump()
    code = fields.pop("code")
    ctype = actions.do_save_case_type(session=session, admin=me.user, code=code, fields=fields)
    session.commit()
    return {"id": ctype.id, "code": ctype.code}


Name = Annotated[str, Field(max_length=200)]
Lang = Annotated[str, Field(max_length=5)]


class CenterPatch(BaseModel):
    number: str | None = Field(default=None, min_length=1, max_length=20)
    names: dict[Lang, Name] | None = Field(default=None, max_length=6)
    short_names: dict[Lang, Name] | None = Field(default=None, max_length=6)
    office_open: str | None = Field(default=None, max_length=5)
    office_close: str | None = Field(default=None, max_length=5)
    sms_sender: str | None = Field(default=None, max_length=20)
    email_from: str | None = Field(default=None, max_length=200)
    # The center's own closed days, the whole list ("2026-12-31": "종무식"); public holidays come
    # from the country's calendar.
    closed_days: dict[Annotated[str, Field(max_length=10)], Annotated[str, Field(max_length=100)]] | None = Field(
        default=None, max_length=366)


def _center_data(c) -> dict:
    return {"code": c.code, "number": c.number, "timezone": c.timezone, "country": c.country,
            "languages": list(c.languages), "names": c.names, "short_names": c.short_names,
            "office_open": c.office_open.strftime("%H:%M"), "office_close": c.office_close.strftime("%H:%M"),
            "sms_sender": c.sms_sender, "email_from": c.email_from, "closed_days": dict(sorted(c.closed_days.items()))}


@router.get("/center")
def center(session: SessionDep, me: AdminDep) -> dict:
    return _center_data(center_service.get(session))


@router.patch("/center")
def update_center(body: CenterPatch, session: SessionDep, me: AdminDep) -> dict:
    """The center's names, number, senders and office hours (the time zone, country and languages
    are set when the center is installed)."""
    c = actions.do_update_center(session=session, admin=me.user, changes=body.model_dump())
    session.commit()
    return _center_data(c)


class Open311KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=32)


@router.post("/open311-keys", status_code=201)
def create_open311_key(body: Open311KeyIn, session: SessionDep, me: AdminDep) -> dict:
    """An Open311 client's API key, shown once (listed and revoked with the tokens)."""
    token_id, key = actions.do_create_open311_key(session=session, admin=me.user, name=body.name)
    session.commit()
    return {"id": token_id, "name": body.name, "api_key": key}


class SourceIn(BaseModel):
    platform: str = Field(max_length=15)
    callback_url: str = Field(default="", max_length=500)
    reply_window_h: int = Field(default=24, ge=1, le=24 * 30)


@router.get("/webhooks")
def webhooks(session: SessionDep, me: AdminDep) -> list[dict]:
    now = clock.now()
    return [{"id": w.id, "platform": w.platform, "channel": f"sns-{w.platform}", "callback_url": w.callback_url,
             "reply_window_h": w.reply_window_h, "created_at": w.created_at, "rotated_at": w.rotated_at,
             "previous_until": w.previous_until if w.previous_live(now) else None, "last_used_at": w.last_used_at,
             "webhook": f"/channels/webhook/{w.platform}"}
            for w in session.scalars(select(WebhookSource).order_by(WebhookSource.id))]


@router.post("/webhooks/{source_id}/rotate", status_code=201)
def rotate_webhook(source_id: PathId, session: SessionDep, me: AdminDep, body: RotateIn | None = None) -> dict:
    """A new signing secret for the platform, shown this once; the old one works `overlap_hours` more."""
    secret = actions.do_admin_rotate_source(session=session, admin=me.user, source_id=source_id,
                                            overlap_hours=(body or RotateIn()).overlap_hours)
    session.commit()
    return {"id": source_id, "secret": secret}


@router.post("/webhooks", status_code=201)
def create_webhook(body: SourceIn, session: SessionDep, me: AdminDep) -> dict:
    """Register a platform's signed webhook; the signing secret is shown once."""
    secret = actions.do_admin_create_source(session=session, admin=me.user, platform=body.platform,
                                            callback_url=body.callback_url, reply_window_h=body.reply_window_h)
    session.commit()
    return {"platform": body.platform, "channel": f"sns-{body.platform}", "secret": secret,
            "webhook": f"/channels/webhook/{body.platform}"}


@router.delete("/webhooks/{source_id}", status_code=204)
def remove_webhook(source_id: PathId, session: SessionDep, me: AdminDep) -> None:
    actions.do_remove_source(session=session, admin=me.user, source_id=source_id)
    session.commit()


IMPORT_MAX_BYTES = 2 * 1024 * 1024


@router.post("/import/{kind}")
async def import_table(kind: Literal["departments", "users"], file: UploadFile, session: SessionDep,
                       me: AdminDep) -> dict:
    """Departments or users from a CSV, XLSX or JSONL file (columns in `admin/imports.py`): each
    row is stored or reported with its row number and reason; passwords made here are shown once."""
    data = await file.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise Invalid(f"the file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB", code="too_large")
    try:
        rows = read_upload(file.filename or "upload", data)
    except ValueError as e:
        raise Invalid(str(e), code="bad_file") from None

    def run() -> dict:
        try:
            report = imports.import_rows(session=session, admin=me.user, kind=kind, rows=rows)
        except ValueError as e:
            raise Invalid(str(e), code="bad_file") from None
        session.commit()
        return report.as_dict()

    return await anyio.to_thread.run_sync(run)

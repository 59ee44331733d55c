"""The administration console's writes (M1): departments and their legacy numbers, skills, queues
and their rules, agents' proficiencies, users, channel tokens, case types and their deadlines, the
center's identity and office hours. Each change is validated with a
clear message and written to the audit log with what it changed."""

from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dasan.cases.models import PRIORITIES, CaseType
from dasan.center import service as center_service
from dasan.center.actions import do_set_center
from dasan.center.core import Center
from dasan.channels.intake import CHANNEL_NAME
from dasan.channels.models import WebhookSource
from dasan.channels.webhook import do_create_source, do_rotate_secret
from dasan.core import clock
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.core.passwords import hash_password
from dasan.db.engine import rowcount
from dasan.orgs.actions import do_create_user
from dasan.orgs.models import Department, LegacyLine, Organisation, Role, User
from dasan.routing.models import AgentSkill, Queue, Skill
from dasan.routing.presence import do_make_agent
from dasan.security.actions import TOKEN_DAYS, do_audit, do_issue_api_token, do_reset_second_factor
from dasan.security.models import ApiToken, LoginSession

CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
LINE = re.compile(r"^[0-9+][0-9 ()+-]{2,38}$")
SKILL_KINDS = ("language", "topic")


def _audit(session: Session, admin: User, action: str, subject_type: str, subject_id: int | None, **detail) -> None:
    do_audit(session=session, user_id=admin.id, action=f"admin.{action}", subject_type=subject_type,
             subject_id=subject_id, detail=detail)


def _code(value: str, what: str) -> str:
    value = value.strip()
    if not CODE.match(value):
        raise Invalid(f"a {what} code is 1–40 lowercase letters, digits, '-' or '_', starting with a letter",
                      code="bad_code")
    return value


# --- organisations ------------------------------------------------------------------------------------

ORG_KINDS = ("city", "district", "agency")


def do_save_organisation(*, session: Session, admin: User, code: str, name: str, name_en: str = "",
                         kind: str = "district", parent_code: str | None = None) -> Organisation:
    """Create an organisation (a district office, an agency under the city) or rename one."""
    code = _code(code, "organisation")
    if not name.strip():
        raise Invalid("an organisation needs a name", code="bad_name")
    if kind not in ORG_KINDS:
        raise Invalid(f"kind must be one of {', '.join(ORG_KINDS)}", code="bad_kind")
    parent = None
    if parent_code:
        parent = session.scalar(select(Organisation).where(Organisation.code == parent_code))
        if parent is None:
            raise Invalid(f"unknown organisation {parent_code!r}", code="organisation")
        if parent.code == code:
            raise Invalid("an organisation cannot be its own parent", code="organisation")
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    created = org is None
    if org is None:
        org = Organisation(code=code, name="", kind=kind)
        session.add(org)
    org.name, org.name_en, org.kind = name.strip(), name_en.strip(), kind
    org.parent_id = parent.id if parent is not None else org.parent_id
    session.flush()
    _audit(session, admin, "organisation.create" if created else "organisation.update", "organisation", org.id,
           code=code, name=org.name, kind=kind, parent=parent_code)
    return org


# --- departments and legacy numbers ---------------------------------------------------------------

def do_save_department(*, session: Session, admin: User, code: str, name: str, name_en: str = "",
                       phone: str = "", organisation_code: str | None = None) -> Department:
    """Create a department (in `organisation_code`'s organisation) or, for a known code, rename it."""
    code = _code(code, "department")
    if not name.strip():
        raise Invalid("a department needs a name", code="bad_name")
    dept = session.scalar(select(Department).where(Department.code == code))
    created = dept is None
    if dept is None:
        org = session.scalar(select(Organisation).where(Organisation.code == (organisation_code or "")))
        if org is None:
            raise Invalid(f"unknown organisation {organisation_code!r}", code="organisation")
        dept = Department(organisation_id=org.id, code=code, name="")
        session.add(dept)
    dept.name, dept.name_en, dept.phone = name.strip(), name_en.strip(), phone.strip()
    session.flush()
    _audit(session, admin, "department.create" if created else "department.update", "department", dept.id,
           code=code, name=dept.name)
    return dept


def do_add_line(*, session: Session, admin: User, department_id: int, number: str, label: str = "") -> LegacyLine:
    """A legacy number (a department's old direct line) now reaches that department."""
    number = number.strip()
    if not LINE.match(number):
        raise Invalid("a telephone number is digits with spaces, hyphens or parentheses (3–40 characters)",
                      code="bad_number")
    dept = session.get(Department, department_id)
    if dept is None:
        raise NotFound(f"no department {department_id}")
    if session.scalar(select(LegacyLine.id).where(LegacyLine.number == number)) is not None:
        raise Conflict(f"{number} already reaches a department", code="line_exists")
    line = LegacyLine(number=number, department_id=dept.id, label=label.strip() or dept.name)
    session.add(line)
    session.flush()
    _audit(session, admin, "line.add", "department", dept.id, number=number)
    return line


def do_remove_line(*, session: Session, admin: User, number: str) -> None:
    line = session.scalar(select(LegacyLine).where(LegacyLine.number == number.strip()))
    if line is None:
        raise NotFound(f"no legacy number {number}")
    session.delete(line)
    _audit(session, admin, "line.remove", "department", line.department_id, number=line.number)


# --- skills, queues, agents' proficiencies ----------------------------------------------------------

def do_save_skill(*, session: Session, admin: User, code: str, kind: str, name: str) -> Skill:
    code = _code(code, "skill")
    if kind not in SKILL_KINDS:
        raise Invalid(f"a skill is a {' or a '.join(SKILL_KINDS)}", code="bad_kind")
    if not name.strip():
        raise Invalid("a skill needs a name", code="bad_name")
    skill = session.scalar(select(Skill).where(Skill.code == code))
    created = skill is None
    if skill is None:
        skill = Skill(code=code, kind=kind, name="")
        session.add(skill)
    skill.kind, skill.name = kind, name.strip()
    session.flush()
    _audit(session, admin, "skill.create" if created else "skill.update", "skill", skill.id, code=code, kind=kind)
    return skill


QUEUE_FIELDS = ("name", "name_en", "skill_code", "skill_min_level", "sl_seconds", "sl_target_pct", "priority",
                "aging_per_s", "overflow_after_s", "overflow_skill", "callback_after_s", "bot_after_s")


def do_save_queue(*, session: Session, admin: User, code: str, fields: dict) -> Queue:
    """Create a queue or change its rules. Skills named must exist; an overflow needs its wait and
    its wider skill together."""
    code = _code(code, "queue")
    if not str(fields.get("name") or "").strip():
        raise Invalid("a queue needs a name", code="bad_name")
    for key in ("skill_code", "overflow_skill"):
        skill = fields.get(key)
        if skill and session.scalar(select(Skill.id).where(Skill.code == skill)) is None:
            raise Invalid(f"unknown skill {skill!r}", code="skill")
    if (fields.get("overflow_after_s") is None) != (not fields.get("overflow_skill")):
        raise Invalid("an overflow needs both the wait before it and the wider skill", code="bad_overflow")
    queue = session.scalar(select(Queue).where(Queue.code == code))
    created = queue is None
    if queue is None:
        queue = Queue(code=code, name="")
        session.add(queue)
    for key in QUEUE_FIELDS:
        if key in fields:
            value = fields[key]
            if key in ("skill_code", "overflow_skill"):
                value = value or None  # "" from a form: no skill
            setattr(queue, key, value)
    session.flush()
    _audit(session, admin, "queue.create" if created else "queue.update", "queue", queue.id, code=code,
           **{k: fields[k] for k in QUEUE_FIELDS if k in fields})
    return queue


def do_set_agent_skills(*, session: Session, admin: User, user_id: int, skills: dict[str, int]) -> None:
    """Replace an agent's skills and proficiencies (1–5)."""
    user = _user(session, user_id)
    if user.role not in (Role.AGENT.value, Role.SUPERVISOR.value):
        raise Invalid("only agents and supervisors take contacts", code="not_an_agent")
    session.execute(delete(AgentSkill).where(AgentSkill.user_id == user.id))
    do_make_agent(session=session, user=user, skills=skills)
    _audit(session, admin, "agent.skills", "user", user.id, skills=skills)


# --- users -----------------------------------------------------------------------------------------

def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def do_admin_create_user(*, session: Session, admin: User, username: str, password: str, role: str,
                         display_name: str = "", department_code: str | None = None,
                         organisation_code: str | None = None, skills: dict[str, int] | None = None) -> User:
    user = do_create_user(session=session, username=username, password=password, role=role,
                          display_name=display_name, department_code=department_code,
                          organisation_code=organisation_code)
    do_make_agent(session=session, user=user, skills=skills or {})
    user.must_change_password = True  # the admin knows this password: the user chooses their own
    _audit(session, admin, "user.create", "user", user.id, username=user.username, role=role,
           department=department_code, skills=skills or {})
    return user


def do_update_user(*, session: Session, admin: User, user_id: int, role: str | None = None,
                   display_name: str | None = None, department_code: str | None = None,
                   active: bool | None = None) -> User:
    """Change a user's role, name, department or whether they may log in (a deactivated user's
    sessions end at once). An admin cannot lock themself out."""
    user = _user(session, user_id)
    changed: dict[str, object] = {}
    if role is not None and role != user.role:
        if role not in {r.value for r in Role}:
            raise Invalid(f"role must be one of {', '.join(r.value for r in Role)}", code="role")
        if user.id == admin.id:
            raise Conflict("an admin cannot change their own role", code="own_account")
        user.role = changed["role"] = role
        do_make_agent(session=session, user=user)
    if display_name is not None and display_name.strip() != user.display_name:
        if not display_name.strip():
            raise Invalid("a name cannot be empty", code="bad_name")
        user.display_name = changed["display_name"] = display_name.strip()
    if department_code is not None:
        dept = session.scalar(select(Department).where(Department.code == department_code)) if department_code \
            else None
        if department_code and dept is None:
            raise Invalid(f"unknown department {department_code!r}", code="department")
        user.department_id = dept.id if dept else None
        if dept is not None:
            user.organisation_id = dept.organisation_id
        changed["department"] = department_code or None
    if active is not None and active != user.active:
        if user.id == admin.id:
            raise Conflict("an admin cannot deactivate their own account", code="own_account")
        user.active = changed["active"] = active
        if not active:
            session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()
    _audit(session, admin, "user.update", "user", user.id, **changed)
    return user


def do_end_user_sessions(*, session: Session, admin: User, user_id: int) -> int:
    """End every login session of another user (an admin's own end on their own page); how many."""
    user = _user(session, user_id)
    if user.id == admin.id:
        raise Conflict("an admin ends their own sessions on their own page", code="own_account")
    ended = rowcount(session.execute(delete(LoginSession).where(LoginSession.user_id == user.id)))
    _audit(session, admin, "user.end_sessions", "user", user.id, ended=ended)
    return ended


def do_admin_reset_second_factor(*, session: Session, admin: User, user_id: int) -> None:
    user = _user(session, user_id)
    if user.id == admin.id:
        raise Conflict("an admin changes their own second factor on their own page", code="own_account")
    do_reset_second_factor(session=session, user=user)
    _audit(session, admin, "user.reset_second_factor", "user", user.id)


def do_reset_password(*, session: Session, admin: User, user_id: int) -> str:
    """A new random password for a user, shown once to the admin; the user's sessions end (an
    admin's own password is changed on their own page, not here)."""
    user = _user(session, user_id)
    if user.id == admin.id:
        raise Conflict("an admin changes their own password on their own page", code="own_account")
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    _audit(session, admin, "user.reset_password", "user", user.id)
    return password


# --- channel tokens --------------------------------------------------------------------------------

def do_admin_create_token(*, session: Session, admin: User, channel: str,
                          days: int | None = TOKEN_DAYS) -> tuple[int, str]:
    """A new bearer token for a channel's integration, valid `days` (None: until revoked): the
    token is shown once, kept as its hash."""
    if not re.match(CHANNEL_NAME, channel):
        raise Invalid("a channel is 1–20 lowercase letters, digits, '-' or '_', starting with a letter",
                      code="bad_channel")
    token, row = do_issue_api_token(session=session, channel=channel, days=days)
    _audit(session, admin, "token.create", "api_token", row.id, channel=channel, days=days)
    return row.id, token


def do_rotate_token(*, session: Session, admin: User, token_id: int, overlap_hours: int) -> tuple[int, str]:
    """Rotation without downtime: a new token for the same channel (the same lifetime), shown
    once; the old one keeps working for `overlap_hours` more, so the gateway's configuration can
    change meanwhile, then expires."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    now = clock.now()
    if row.revoked or (row.expires_at is not None and row.expires_at <= now):
        raise Conflict("the token is revoked or expired already: create a new one", code="not_live")
    days = None if row.expires_at is None else max(1, round((row.expires_at - row.created_at).total_seconds() / 86400))
    token, new = do_issue_api_token(session=session, channel=row.channel, days=days)
    overlap_end = now + timedelta(hours=overlap_hours)
    row.expires_at = overlap_end if row.expires_at is None else min(row.expires_at, overlap_end)
    _audit(session, admin, "token.rotate", "api_token", row.id, channel=row.channel, new_token=new.id,
           old_expires_at=row.expires_at.isoformat())
    return new.id, token


def do_revoke_token(*, session: Session, admin: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    if row.revoked:
        raise Conflict("the token is revoked already", code="already_revoked")
    row.revoked = True
    _audit(session, admin, "token.revoke", "api_token", row.id, channel=row.channel)


# --- case types and their deadlines ---------------------------------------------------------------

CASE_TYPE_FIELDS = ("name", "name_en", "district_suffix", "working_days", "priority", "category", "group", "published")


def do_save_case_type(*, session: Session, admin: User, code: str, fields: dict) -> CaseType:
    """Create a case type or change it: who answers (a department, or each district's department of
    a kind), the deadline in working days, the priority. Cases already open keep their deadline."""
    code = _code(code, "case type")
    if not str(fields.get("name", "")).strip():
        raise Invalid("a case type needs a name", code="bad_name")
    dept_code = fields.pop("department_code", None) or None
    suffix = str(fields.get("district_suffix") or "").strip()
    if (dept_code is None) == (not suffix):
        raise Invalid("a case type goes to one department, or to each district's department of a kind "
                      "(district suffix): give exactly one", code="bad_department")
    department_id = None
    if dept_code is not None:
        dept = session.scalar(select(Department).where(Department.code == dept_code))
        if dept is None:
            raise Invalid(f"unknown department {dept_code!r}", code="unknown_department")
        department_id = dept.id
    elif not session.scalar(select(Department.id).where(Department.code.like(f"%-{suffix}")).limit(1)):
        raise Invalid(f"no district has a '{suffix}' department", code="unknown_district_suffix")
    if fields.get("priority") not in PRIORITIES:
        raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}", code="bad_priority")
    ctype = session.scalar(select(CaseType).where(CaseType.code == code))
    created = ctype is None
    if ctype is None:
        ctype = CaseType(code=code, name="")
        session.add(ctype)
    before = {k: getattr(ctype, k) for k in (*CASE_TYPE_FIELDS, "department_id")} if not created else {}
    for k in CASE_TYPE_FIELDS:
        value = fields.get(k)
        setattr(ctype, k, value.strip() if isinstance(value, str) else value)
    ctype.department_id, ctype.district_suffix = department_id, suffix
    session.flush()
    changed = {k: getattr(ctype, k) for k in (*CASE_TYPE_FIELDS, "department_id")
               if created or before.get(k) != getattr(ctype, k)}
    _audit(session, admin, "case_type.create" if created else "case_type.update", "case_type", ctype.id,
           code=code, **changed)
    return ctype


# --- the center: identity, office hours -----------------------------------------------------------

def do_update_center(*, session: Session, admin: User, changes: dict) -> Center:
    """Change the center's names, number, senders, office hours (deadlines are counted to the
    office's closing time) or its own closed days (deadlines skip them, as public holidays).
    Validated by `Center` itself; the change and the old values are audited."""
    current = center_service.get(session)
    values = {k: v for k, v in changes.items() if v is not None}
    for key in ("office_open", "office_close"):
        if key in values:
            try:
                values[key] = time.fromisoformat(values[key])
            except ValueError:
                raise Invalid(f"{key} is a time such as 09:00", code="bad_time") from None
    for key in ("names", "short_names"):
        if key in values:
            bad = [lang for lang in values[key] if lang not in current.languages]
            if bad:
                raise Invalid(f"names are given in the center's languages ({', '.join(current.languages)}), "
                              f"not {', '.join(bad)}", code="bad_language")
            values[key] = {**getattr(current, key), **{k: v.strip() for k, v in values[key].items() if v.strip()}}
    if "closed_days" in values:
        values["closed_days"] = {k.strip(): v.strip() for k, v in values["closed_days"].items()}
    try:
        center = dataclasses.replace(current, **values)
    except ValueError as e:
        raise Invalid(str(e), code="bad_center") from None
    do_set_center(session=session, center=center)
    changed = {k: str(getattr(center, k)) for k in values if getattr(center, k) != getattr(current, k)}
    _audit(session, admin, "center.update", "center", 1, **changed,
           **{f"was_{k}": str(getattr(current, k)) for k in changed})
    return center


# --- Open311 keys and webhook sources ---------------------------------------------------------------

OPEN311_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def do_create_open311_key(*, session: Session, admin: User, name: str) -> tuple[int, str]:
    """An API key for an Open311 client (a city app, a partner): shown once, kept as its hash,
    listed and revoked with the channel tokens (channel `open311:<name>`)."""
    if not OPEN311_NAME.match(name):
        raise Invalid("an Open311 client's name is 1–32 letters, digits, '.', '_' or '-'", code="bad_name")
    token, row = do_issue_api_token(session=session, channel=f"open311:{name}")
    _audit(session, admin, "open311_key.create", "api_token", row.id, name=name)
    return row.id, token


def do_admin_create_source(*, session: Session, admin: User, platform: str, callback_url: str,
                           reply_window_h: int) -> str:
    """Register a social platform's webhook; its signing secret is shown once."""
    if callback_url and not re.match(r"^https?://[^\s]{3,490}$", callback_url):
        raise Invalid("the callback URL is an http(s) address", code="bad_url")
    secret = do_create_source(session=session, platform=platform, callback_url=callback_url,
                              reply_window_h=reply_window_h)
    source = session.scalars(select(WebhookSource).where(WebhookSource.platform == platform)).one()
    _audit(session, admin, "webhook.create", "webhook_source", source.id, platform=platform,
           callback_url=callback_url, reply_window_h=reply_window_h)
    return secret


def do_admin_rotate_source(*, session: Session, admin: User, source_id: int, overlap_hours: int) -> str:
    """A platform's new signing secret, shown once; the old one works `overlap_hours` more."""
    source = session.get(WebhookSource, source_id)
    if source is None:
        raise NotFound(f"no webhook source {source_id}")
    secret = do_rotate_secret(session=session, source=source, overlap_hours=overlap_hours)
    _audit(session, admin, "webhook.rotate", "webhook_source", source.id, platform=source.platform,
           previous_until=source.previous_until.isoformat() if source.previous_until else None)
    return secret


def do_remove_source(*, session: Session, admin: User, source_id: int) -> None:
    """Stop taking a platform's webhook (its requests are refused from now on); its citizens'
    conversations and messages stay."""
    source = session.get(WebhookSource, source_id)
    if source is None:
        raise NotFound(f"no webhook source {source_id}")
    _audit(session, admin, "webhook.remove", "webhook_source", source.id, platform=source.platform)
    session.delete(source)
    session.flush()

"""The administration console's writes (M1): departments and their legacy numbers, skills, queues
and their rules, agents' proficiencies, users, channel tokens. Each change is validated with a
clear message and written to the audit log with what it changed."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dasan.channels.intake import CHANNEL_NAME
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.core.passwords import hash_password
from dasan.orgs.actions import do_create_user
from dasan.orgs.models import Department, LegacyLine, Organisation, Role, User
from dasan.routing.models import AgentSkill, Queue, Skill
from dasan.routing.presence import do_make_agent
from dasan.security.actions import do_audit, do_create_api_token
from dasan.security.models import ApiToken, LoginSession
from dasan.security.service import token_hash

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


def do_reset_password(*, session: Session, admin: User, user_id: int) -> str:
    """A new random password for a user, shown once to the admin; the user's sessions end (an
    admin's own password is changed on their own page, not here)."""
    user = _user(session, user_id)
    if user.id == admin.id:
        raise Conflict("an admin changes their own password on their own page", code="own_account")
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    _audit(session, admin, "user.reset_password", "user", user.id)
    return password


# --- channel tokens --------------------------------------------------------------------------------

def do_admin_create_token(*, session: Session, admin: User, channel: str) -> tuple[int, str]:
    """A new bearer token for a channel's integration: the token is shown once, kept as its hash."""
    if not re.match(CHANNEL_NAME, channel):
        raise Invalid("a channel is 1–20 lowercase letters, digits, '-' or '_', starting with a letter",
                      code="bad_channel")
    token = do_create_api_token(session=session, channel=channel)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).one()
    _audit(session, admin, "token.create", "api_token", row.id, channel=channel)
    return row.id, token


def do_revoke_token(*, session: Session, admin: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    if row.revoked:
        raise Conflict("the token is revoked already", code="already_revoked")
    row.revoked = True
    _audit(session, admin, "token.revoke", "api_token", row.id, channel=row.channel)

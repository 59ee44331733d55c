"""Writes to the organisation: users and skills."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.core.errors import Conflict, Invalid
from dasan.orgs.models import AgentSkill, AgentStatus, Department, Organisation, Role, Skill, User
from dasan.security.service import hash_password


def do_create_user(
    *, session: Session, username: str, password: str, role: str, display_name: str = "",
    organisation_code: str | None = None, department_code: str | None = None, skills: dict[str, int] | None = None,
    locale: str = "ko", max_chats: int = 3,
) -> User:
    """Create a user with a role (and, for agents, skills with proficiency 1–5)."""
    username = username.strip()
    if not username or len(username) > 80:
        raise Invalid("username must be 1–80 characters", code="username")
    if role not in {r.value for r in Role}:
        raise Invalid(f"role must be one of {', '.join(r.value for r in Role)}", code="role")
    if len(password) < 8:
        raise Invalid("password must be at least 8 characters", code="password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists", code="user_exists")
    org_id = dept_id = None
    if organisation_code:
        org = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
        if org is None:
            raise Invalid(f"unknown organisation '{organisation_code}'", code="organisation")
        org_id = org.id
    if department_code:
        dept = session.scalar(select(Department).where(Department.code == department_code))
        if dept is None:
            raise Invalid(f"unknown department '{department_code}'", code="department")
        dept_id, org_id = dept.id, dept.organisation_id
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(password),
                role=role, organisation_id=org_id, department_id=dept_id, locale=locale)
    session.add(user)
    session.flush()
    if role in (Role.AGENT, Role.SUPERVISOR):
        session.add(AgentStatus(user_id=user.id, max_chats=max_chats))
    for code, level in (skills or {}).items():
        skill = session.scalar(select(Skill).where(Skill.code == code))
        if skill is None:
            raise Invalid(f"unknown skill '{code}'", code="skill")
        if not 1 <= level <= 5:
            raise Invalid("proficiency must be 1–5", code="proficiency")
        session.add(AgentSkill(user_id=user.id, skill_id=skill.id, proficiency=level))
    session.flush()
    return user

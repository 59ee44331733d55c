"""Writes to the organisation: users (their skills and live state are routing's)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.core.errors import Conflict, Invalid
from dasan.core.passwords import hash_password, password_problem
from dasan.orgs.models import Department, Organisation, Role, User


def do_create_user(
    *, session: Session, username: str, password: str, role: str, display_name: str = "",
    organisation_code: str | None = None, department_code: str | None = None, locale: str = "ko",
) -> User:
    """Create a user with a role."""
    username = username.strip()
    if not username or len(username) > 80:
        raise Invalid("username must be 1–80 characters", code="username")
    if role not in {r.value for r in Role}:
        raise Invalid(f"role must be one of {', '.join(r.value for r in Role)}", code="role")
    if (problem := password_problem(password, hints=(username, display_name))) is not None:
        raise Invalid(problem[1], code=problem[0])
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
    return user

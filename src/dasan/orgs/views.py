"""Organisation API: organisations and departments (everyone), users (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.orgs.actions import do_create_user
from dasan.orgs.models import Department, LegacyLine, Organisation, User
from dasan.routing.presence import do_make_agent
from dasan.security.deps import ALL_ROLES, Allow, Principal, SessionDep

router = APIRouter(prefix="/api/v1", tags=["organisation"])
Anyone = Annotated[Principal, Depends(Allow(*ALL_ROLES))]
Admin = Annotated[Principal, Depends(Allow("admin"))]


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=8, max_length=200)
    role: str
    display_name: str = Field(default="", max_length=120)
    organisation_code: str | None = None
    department_code: str | None = None
    skills: dict[str, int] = Field(default_factory=dict)


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    organisation_id: int | None
    department_id: int | None
    active: bool


@router.get("/organisations")
def organisations(session: SessionDep, me: Anyone) -> list[dict]:
    """The city, its districts and agencies, with their departments and legacy lines."""
    depts: dict[int, list[dict]] = {}
    lines: dict[int, list[str]] = {}
    for line in session.scalars(select(LegacyLine)):
        lines.setdefault(line.department_id, []).append(line.number)
    for d in session.scalars(select(Department).order_by(Department.id)):
        depts.setdefault(d.organisation_id, []).append(
            {"id": d.id, "code": d.code, "name": d.name, "name_en": d.name_en, "legacy_lines": lines.get(d.id, [])})
    orgs = session.scalars(select(Organisation).order_by(Organisation.id))
    return [{"id": o.id, "code": o.code, "name": o.name, "name_en": o.name_en, "kind": o.kind,
             "departments": depts.get(o.id, [])} for o in orgs]


@router.get("/lines/{number}")
def resolve_line(number: str, session: SessionDep, me: Anyone) -> dict:
    """Which department a legacy number the citizen dialled belongs to."""
    line = session.scalar(select(LegacyLine).where(LegacyLine.number == number))
    if line is None:
        return {"number": number, "department": None}
    return {"number": number, "department": {"id": line.department.id, "code": line.department.code,
                                             "name": line.department.name}}


@router.get("/users", response_model=list[UserRead])
def list_users(session: SessionDep, me: Admin):
    """Every user."""
    return [UserRead.model_validate(u, from_attributes=True) for u in session.scalars(select(User).order_by(User.id))]


@router.post("/users", status_code=201, response_model=UserRead)
def create_user(body: UserCreate, session: SessionDep, me: Admin):
    """Create a user."""
    fields = body.model_dump()
    skills = fields.pop("skills")
    user = do_create_user(session=session, **fields)
    do_make_agent(session=session, user=user, skills=skills)
    return UserRead.model_validate(user, from_attributes=True)

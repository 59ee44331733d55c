"""Cases over the REST API: agents open them from a consultation, officials work their
department's queue, citizens look theirs up by number and phone and answer the survey."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.cases import actions, service
from dasan.cases.models import Case, CaseComment, CaseEvent, CaseType
from dasan.conversations import service as conversations
from dasan.conversations.models import Message, MsgKind
from dasan.core import clock
from dasan.core.errors import Invalid, NotFound
from dasan.core.ids import Id, OptionalId, PathId
from dasan.orgs.models import Department, Role, User
from dasan.security.deps import Allow, Principal, Public, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["cases"])
CENTER = (Role.AGENT.value, Role.SUPERVISOR.value, Role.ADMIN.value)
CaseStaff = Annotated[Principal, Depends(Allow(*CENTER, Role.OFFICIAL.value))]
Center = Annotated[Principal, Depends(Allow(*CENTER))]
Supervising = Annotated[Principal, Depends(Allow(Role.SUPERVISOR.value, Role.ADMIN.value))]
Official = Annotated[Principal, Depends(Allow(Role.OFFICIAL.value, Role.SUPERVISOR.value, Role.ADMIN.value))]


class CaseCreate(BaseModel):
    case_type: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=8000)
    department_id: OptionalId = None
    district: str = Field(default="", max_length=40)
    priority: str | None = None
    address: str = Field(default="", max_length=300)


class CaseRead(BaseModel):
    id: int
    number: str
    status: str
    priority: str
    case_type: str
    title: str
    description: str
    department_id: int
    department: str
    assignee_id: int | None
    conversation_id: int | None
    address: str
    district: str
    opened_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    overdue: bool
    escalated: str  # "" | "near" | "overdue"
    attachments: list[dict]
    source: str


class CommentCreate(BaseModel):
    body: str = Field(min_length=1, max_length=4000)
    public: bool = False


class Resolve(BaseModel):
    answer: str = Field(min_length=1, max_length=4000)


class Reassign(BaseModel):
    assignee_id: Id


class Return(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class Transfer(BaseModel):
    department_id: Id


class SurveyAnswer(BaseModel):
    phone: str = Field(default="", max_length=40)  # the phone the case was opened with, or
    key: str = Field(default="", max_length=40)  # the key in the survey link
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


def read(session, case: Case) -> CaseRead:

    dept = session.get(Department, case.department_id)
    ctype = session.get(CaseType, case.case_type_id)
    return CaseRead(id=case.id, number=case.number or "", status=case.status, priority=case.priority,
                    case_type=ctype.code, title=case.title, description=case.description,
                    department_id=case.department_id, department=dept.name, assignee_id=case.assignee_id,
                    conversation_id=case.conversation_id, address=case.address, district=case.district_code,
                    opened_at=case.opened_at, due_at=case.due_at, resolved_at=case.resolved_at,
                    overdue=case.resolved_at is None and clock.now() > case.due_at, attachments=case.attachments,
                    escalated="overdue" if case.overdue_escalated_at else "near" if case.near_escalated_at else "",
                    source=case.source)


@router.get("/case-types")
def case_types(session: SessionDep, me: CaseStaff) -> list[dict]:
    """Case types with their department and deadline (working days)."""
    return [{"code": t.code, "name": t.name, "department_id": t.department_id, "district_suffix": t.district_suffix,
             "working_days": t.working_days, "priority": t.priority, "category": t.category}
            for t in session.scalars(select(CaseType).order_by(CaseType.code))]


@router.get("/conversations/{conversation_id}/case-suggestions")
def suggestions(conversation_id: PathId, session: SessionDep, me: Center, district: str = "",
                category: str = "") -> list[dict]:
    """Where this consultation's matter most likely goes: from the knowledge articles used, the
    category, and the citizen's district."""
    conv = conversations.access_conversation(session=session, user=me.user, conversation_id=conversation_id)
    return service.suggest(session=session, conv=conv, district_code=district, category=category)


@router.post("/conversations/{conversation_id}/cases", status_code=201, response_model=CaseRead)
def open_case(conversation_id: PathId, body: CaseCreate, session: SessionDep, me: Center,
              settings: SettingsDep) -> CaseRead:
    """Turn the consultation into a case for the responsible department."""
    conv = conversations.access_conversation(session=session, user=me.user, conversation_id=conversation_id,
                                             write=True)
    ctype = session.scalar(select(CaseType).where(CaseType.code == body.case_type))
    if ctype is None:
        raise Invalid(f"unknown case type '{body.case_type}'", code="unknown_case_type")
    case = actions.do_open_case(session=session, ctype=ctype, title=body.title, description=body.description,
                                actor=me.user, conversation=conv, department_id=body.department_id,
                                district_code=body.district, priority=body.priority, address=body.address)
    return read(session, case)


@router.get("/cases", response_model=list[CaseRead])
def list_cases(session: SessionDep, me: CaseStaff, status: str | None = None, overdue: bool = False,
               mine: bool = False, escalated: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    """The cases I may see, the nearest deadline first: an official their department's queue;
    `escalated=true`: open cases escalated for their deadline (the supervisors' list)."""
    cases = service.list_cases(session=session, user=me.user, status=status, overdue=overdue, mine=mine,
                               escalated=escalated, limit=limit)
    return [read(session, c) for c in cases]


@router.get("/cases/{case_id}")
def get_case(case_id: PathId, session: SessionDep, me: CaseStaff) -> dict:
    """A case with its comments (internal ones included) and history."""
    case = actions.access_case(session=session, user=me.user, case_id=case_id)
    rows = list(session.scalars(select(CaseComment).where(CaseComment.case_id == case.id).order_by(CaseComment.id)))
    history = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
    mentioned = {c.author_id for c in rows} | {e.actor_id for e in history}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(mentioned - {None}))).all())
    comments = [{"id": c.id, "public": c.public, "body": c.body, "author": names.get(c.author_id or 0, ""),
                 "created_at": c.created_at.isoformat()} for c in rows]
    events = [{"kind": e.kind, "actor": names.get(e.actor_id or 0, ""), "data": e.data, "at": e.created_at.isoformat()}
              for e in history]
    transcript = []
    if case.conversation_id is not None:

        transcript = [{"kind": m.kind, "body": m.body, "at": m.created_at.isoformat(), "attachments": m.attachments,
                       "seq": m.seq, "abuse": m.abuse, "purged": m.purged_at is not None}
                      for m in session.scalars(select(Message).where(
                          Message.conversation_id == case.conversation_id,
                          Message.kind.in_([MsgKind.INBOUND, MsgKind.OUTBOUND])).order_by(Message.seq))]
    colleagues = [{"id": u.id, "name": u.display_name} for u in session.scalars(
        select(User).where(User.department_id == case.department_id, User.role == Role.OFFICIAL,
                           User.active.is_(True)).order_by(User.display_name))]
    return {**read(session, case).model_dump(mode="json"), "comments": comments, "events": events,
            "transcript": transcript, "officials": colleagues}


def _writable(session, me: Principal, case_id: int) -> Case:
    return actions.access_case(session=session, user=me.user, case_id=case_id, write=True)


@router.post("/cases/{case_id}/take", response_model=CaseRead)
def take(case_id: PathId, session: SessionDep, me: Official) -> CaseRead:
    """I take this case (an official of its department)."""
    return read(session, actions.do_take(session=session, case=_writable(session, me, case_id), official=me.user))


@router.post("/cases/{case_id}/comments", status_code=201)
def comment(case_id: PathId, body: CommentCreate, session: SessionDep, me: Official) -> dict:
    """An internal note, or a public comment the citizen is sent."""
    c = actions.do_comment(session=session, case=_writable(session, me, case_id), author=me.user, body=body.body,
                           public=body.public)
    return {"id": c.id, "public": c.public, "body": c.body}


@router.post("/cases/{case_id}/resolve", response_model=CaseRead)
def resolve(case_id: PathId, body: Resolve, session: SessionDep, me: Official, settings: SettingsDep) -> CaseRead:
    """Answer and close: the citizen gets the answer, then the satisfaction survey (once)."""
    case = _writable(session, me, case_id)
    url = f"{settings.public_url.rstrip('/')}/cases/{case.number}/survey" if settings.public_url else ""
    return read(session, actions.do_resolve(session=session, case=case, official=me.user, answer=body.answer,
                                            survey_url=url or f"/cases/{case.number}/survey"))


@router.post("/cases/{case_id}/reassign", response_model=CaseRead)
def reassign(case_id: PathId, body: Reassign, session: SessionDep, me: Official) -> CaseRead:
    """Give the case to another official of the department."""
    case = _writable(session, me, case_id)
    assignee = session.get(User, body.assignee_id)
    if assignee is None:
        raise Invalid(f"no user {body.assignee_id}", code="bad_assignee")
    return read(session, actions.do_reassign(session=session, case=case, actor=me.user, assignee=assignee))


@router.post("/cases/{case_id}/return", response_model=CaseRead)
def return_case(case_id: PathId, body: Return, session: SessionDep, me: Official) -> CaseRead:
    """Send the case back to the center: not this department's matter."""
    case = _writable(session, me, case_id)
    return read(session, actions.do_return(session=session, case=case, official=me.user, reason=body.reason))


class CallbackRequest(BaseModel):
    note: str = Field(default="", max_length=1000)


@router.post("/cases/{case_id}/callback", status_code=201)
def request_callback(case_id: PathId, body: CallbackRequest, request: Request, session: SessionDep,
                     me: Official) -> dict:
    """The department asks the center to call the citizen back: a callback task for an agent."""
    case = _writable(session, me, case_id)
    conv = actions.do_request_callback(session=session, case=case, official=me.user, note=body.note)
    return {"conversation_id": conv.id, "callback_number": conv.callback_number}


@router.post("/cases/{case_id}/transfer", response_model=CaseRead)
def transfer(case_id: PathId, body: Transfer, session: SessionDep, me: Supervising) -> CaseRead:
    """The center sends a case to another department."""
    case = _writable(session, me, case_id)
    return read(session, actions.do_transfer(session=session, case=case, actor=me.user,
                                             department_id=body.department_id))


def _public_case(session, number: str, phone: str) -> Case:
    case = service.find_for_citizen(session=session, number=number, phone=phone)
    if case is None:
        raise NotFound("no case with this number and phone number")
    return case


@router.get("/public/cases/{number}", dependencies=[Depends(Public())])
def lookup(number: str, session: SessionDep, phone: Annotated[str, Query(min_length=3, max_length=40)]) -> dict:
    """A citizen looks up their case by its number and their phone number: status, deadline and
    the public comments (never internal notes or officials' names)."""
    return service.public_view(session=session, case=_public_case(session, number, phone))


@router.post("/public/cases/{number}/survey", dependencies=[Depends(Public())])
def answer_survey(number: str, body: SurveyAnswer, session: SessionDep) -> dict:
    """The citizen's happy-call answer: 1–5 and a comment, once (with the link's key or the phone)."""
    if body.key:
        case = session.scalar(select(Case).where(Case.number == number))
        if case is None or not actions.survey_key_ok(case, body.key):
            raise NotFound("no case with this number and survey key")
    else:
        case = _public_case(session, number, body.phone)
    actions.do_answer_survey(session=session, case=case, score=body.score, comment=body.comment)
    return {"number": case.number, "score": case.survey_score}

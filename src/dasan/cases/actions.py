"""Writing cases: open (from a consultation or Open311), take, comment, reassign, return, resolve,
escalate deadlines, the happy-call survey. Every change records a CaseEvent; the citizen is told
of each status change and public comment on the channel they used; events go out after commit."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases import service
from dasan.cases.core import NEAR, escalation_due
from dasan.cases.models import OPEN_CASE, PRIORITIES, Case, CaseComment, CaseEvent, CaseStatus, CaseType
from dasan.center import service as center_service
from dasan.conversations.actions import (
    SUPERVISING_ROLES,
    do_append_message,
    do_get_or_create_citizen,
    do_record_event,
    do_start_conversation,
)
from dasan.conversations.models import Citizen, CitizenIdentity, Conversation, Message, MsgKind
from dasan.core import clock, phone
from dasan.core.errors import Conflict, Forbidden, Invalid, NotFound
from dasan.events.actions import send_event_on_commit
from dasan.events.schemas import Audience, CaseUpdated
from dasan.i18n import catalogue
from dasan.i18n.dates import local_datetime
from dasan.orgs.models import Department, Organisation, Role, User
from dasan.routing.core import GENERAL_QUEUE

NOTIFY_CHANNELS = ("sms", "webchat")


def case_data(case: Case) -> dict:
    return {"id": case.id, "number": case.number, "status": case.status, "department_id": case.department_id,
            "assignee_id": case.assignee_id, "due_at": case.due_at.isoformat(), "title": case.title}


def _event(session: Session, case: Case, kind: str, actor: User | None, **data: object) -> None:
    case.updated_at = clock.now()
    session.add(CaseEvent(case_id=case.id, kind=kind, actor_id=actor.id if actor else None, data=data,
                          created_at=case.updated_at))
    officials = session.scalars(select(User.id).where(User.department_id == case.department_id,
                                                      User.active.is_(True))).all()
    send_event_on_commit(session, Audience(user_ids=sorted(officials), roles=SUPERVISING_ROLES),
                         CaseUpdated(data={**case_data(case), "event": kind}))


def _tell_citizen(session: Session, case: Case, key: str, **params: object) -> None:
    """News of the case on the channel the citizen used, in their language (catalogue `key`):
    an SMS goes out through the outbox; in web chat it is a message of their conversation (shown
    when they come back or look it up)."""
    if case.conversation_id is None or case.notify_channel not in NOTIFY_CHANNELS:
        return
    conv = session.get_one(Conversation, case.conversation_id)
    center = center_service.get(session)
    if "due" in params and isinstance(params["due"], datetime):
        params["due"] = local_datetime(center.local(params["due"]), conv.lang)
    text = catalogue.text(key, conv.lang, center, case_number=case.number, **params)
    do_append_message(session=session, conv=conv, kind=MsgKind.OUTBOUND, body=text, notice=True)


def resolve_department(session: Session, ctype: CaseType, *, department_id: int | None,
                       district_code: str) -> Department:
    """The department that answers: the one chosen, the type's own, or the type's kind of
    department in the citizen's district."""
    if department_id is not None:
        dept = session.get(Department, department_id)
        if dept is None:
            raise Invalid(f"no department {department_id}", code="unknown_department")
        return dept
    if ctype.district_suffix:
        if not district_code:
            raise Invalid(f"'{ctype.name}' is handled by the district: give the citizen's district",
                          code="district_required")
        dept = session.scalar(select(Department).where(Department.code == f"{district_code}-{ctype.district_suffix}"))
        if dept is None:
            raise Invalid(f"no {ctype.district_suffix} department in district '{district_code}'",
                          code="unknown_district")
        return dept
    if ctype.department_id is None:
        raise Invalid(f"'{ctype.name}' has no default department: choose one", code="department_required")
    return session.get_one(Department, ctype.department_id)


def do_open_case(
    *, session: Session, ctype: CaseType, title: str, description: str = "", actor: User | None = None,
    conversation: Conversation | None = None, department_id: int | None = None, district_code: str = "",
    priority: str | None = None, address: str = "", lat: float | None = None, long: float | None = None,
    attributes: dict | None = None, media_url: str = "", contact_phone: str = "", contact_email: str = "",
    source: str = "agent", now: datetime | None = None,
) -> Case:
    """Hand a matter to its department with a deadline; the citizen gets the case number."""
    title = title.strip()
    if not title:
        raise Invalid("a case needs a title", code="title_required")
    priority = priority or ctype.priority
    if priority not in PRIORITIES:
        raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}", code="bad_priority")
    dept = resolve_department(session, ctype, department_id=department_id, district_code=district_code)
    now = now or clock.now()
    center = center_service.get(session)
    case = Case(case_type_id=ctype.id, department_id=dept.id, organisation_id=dept.organisation_id,
                title=title[:300], description=description, priority=priority, address=address[:300],
                district_code=district_code, lat=lat, long=long, attributes=attributes or {}, media_url=media_url,
                source=source, opened_by_id=actor.id if actor else None, opened_at=now, updated_at=now,
                due_at=center.due_at(now, ctype.working_days), contact_phone=contact_phone, contact_email=contact_email)
    if conversation is not None:
        case.conversation_id, case.citizen_id = conversation.id, conversation.citizen_id
        case.notify_channel = conversation.channel if conversation.channel in NOTIFY_CHANNELS else ""
        if not case.contact_phone:
            case.contact_phone = session.scalar(select(CitizenIdentity.value).where(
                CitizenIdentity.citizen_id == conversation.citizen_id, CitizenIdentity.kind == "phone")) or ""
        # The photos and files the citizen sent travel with the case.
        case.attachments = [a for atts in session.scalars(select(Message.attachments).where(
            Message.conversation_id == conversation.id, Message.kind == MsgKind.INBOUND)) for a in (atts or [])
            if not a.get("rejected")]
    if source == "open311":
        case.open311_token = secrets.token_hex(12)
    session.add(case)
    session.flush()
    case.number = f"{center.today(now).year}-{case.id:06d}"
    _event(session, case, "opened", actor, department=dept.code, due_at=case.due_at.isoformat(), source=source)
    if conversation is not None:
        do_record_event(session=session, conv=conversation, kind="case_opened",
                        data={"case_id": case.id, "number": case.number, "department": dept.code})
        _tell_citizen(session, case, "case.opened", due=case.due_at,
                      department=service.department_name(dept, conversation.lang, center.default_lang))
    session.flush()
    return case


def _require_open(case: Case) -> None:
    if case.status not in OPEN_CASE:
        raise Conflict(f"case {case.number} is {case.status}", code="case_not_open")


def do_take(*, session: Session, case: Case, official: User) -> Case:
    """An official of the department takes the case."""
    _require_open(case)
    case.assignee_id, case.status = official.id, CaseStatus.IN_PROGRESS
    _event(session, case, "taken", official)
    session.flush()
    return case


def do_comment(*, session: Session, case: Case, author: User, body: str, public: bool) -> CaseComment:
    """A note on the case; a public one is sent to the citizen and shown by Open311."""
    body = body.strip()
    if not body:
        raise Invalid("the comment is empty", code="empty_comment")
    if len(body) > 4000:
        raise Invalid("the comment is longer than 4000 characters", code="comment_too_long")
    comment = CaseComment(case_id=case.id, author_id=author.id, public=public, body=body, created_at=clock.now(),
                          status_after=case.status)
    session.add(comment)
    session.flush()
    _event(session, case, "commented", author, comment_id=comment.id, public=public)
    if public:
        _tell_citizen(session, case, "case.public_comment", body=body)
    return comment


def do_reassign(*, session: Session, case: Case, actor: User, assignee: User) -> Case:
    """Give the case to another official of the same department."""
    _require_open(case)
    if assignee.department_id != case.department_id or assignee.role != Role.OFFICIAL or not assignee.active:
        raise Invalid("the case can only go to an active official of its department", code="bad_assignee")
    case.assignee_id, case.status = assignee.id, CaseStatus.IN_PROGRESS
    _event(session, case, "reassigned", actor, assignee_id=assignee.id)
    session.flush()
    return case


def do_return(*, session: Session, case: Case, official: User, reason: str) -> Case:
    """Send the case back to the center (not this department's matter), with the reason."""
    _require_open(case)
    if not reason.strip():
        raise Invalid("say why the case goes back to the center", code="reason_required")
    case.status, case.assignee_id = CaseStatus.RETURNED, None
    _event(session, case, "returned", official, reason=reason.strip())
    session.flush()
    return case


def do_transfer(*, session: Session, case: Case, actor: User, department_id: int) -> Case:
    """The center sends a returned (or misrouted) case to another department; the clock keeps running."""
    if case.status == CaseStatus.RESOLVED:
        raise Conflict(f"case {case.number} is resolved", code="case_not_open")
    dept = session.get(Department, department_id)
    if dept is None:
        raise Invalid(f"no department {department_id}", code="unknown_department")
    old = case.department_id
    case.department_id, case.organisation_id = dept.id, dept.organisation_id
    case.status, case.assignee_id = CaseStatus.OPEN, None
    _event(session, case, "transferred", actor, from_department_id=old, to_department_id=dept.id)
    session.flush()
    return case


def do_resolve(*, session: Session, case: Case, official: User, answer: str, survey_url: str = "") -> Case:
    """Answer and close the case: the answer is a public comment the citizen receives; then the
    happy-call survey goes out, once."""
    _require_open(case)
    if not answer.strip():
        raise Invalid("the answer is empty", code="empty_comment")
    case.status, case.resolved_at = CaseStatus.RESOLVED, clock.now()
    do_comment(session=session, case=case, author=official, body=answer, public=True)
    case.assignee_id = case.assignee_id or official.id
    _event(session, case, "resolved", official, on_time=case.resolved_at <= case.due_at)
    do_send_survey(session=session, case=case, survey_url=survey_url)
    session.flush()
    return case


def do_send_survey(*, session: Session, case: Case, survey_url: str) -> bool:
    """The happy call: 1–5 and a comment, by a link; sent at most once per case."""
    if case.survey_sent_at is not None or case.notify_channel not in NOTIFY_CHANNELS:
        return False
    case.survey_sent_at = clock.now()
    case.survey_token = secrets.token_urlsafe(16)
    _tell_citizen(session, case, "case.survey", url=f"{survey_url}?k={case.survey_token}")
    _event(session, case, "survey_sent", None)
    return True


def survey_key_ok(case: Case, key: str) -> bool:
    return case.survey_token is not None and hmac.compare_digest(case.survey_token, key)


def do_answer_survey(*, session: Session, case: Case, score: int, comment: str = "") -> Case:
    if case.survey_sent_at is None:
        raise Conflict("no survey was sent for this case", code="no_survey")
    if case.survey_score is not None:
        raise Conflict("the survey was already answered", code="already_answered")
    if not 1 <= score <= 5:
        raise Invalid("score must be 1 to 5", code="bad_score")
    case.survey_score, case.survey_comment = score, comment.strip()[:2000]
    _event(session, case, "survey_answered", None, score=score)
    session.flush()
    return case


def do_request_callback(*, session: Session, case: Case, official: User, note: str) -> Conversation:
    """The department asks the center to call the citizen back: a callback contact joins the
    general queue for the next agent, with the department's note and the case number."""
    if not case.contact_phone:
        raise Invalid("the case has no phone number to call back", code="no_phone")
    center = center_service.get(session)
    citizen = session.get(Citizen, case.citizen_id) if case.citizen_id else None
    if citizen is None:
        number = phone.try_normalize(case.contact_phone, center.country)
        if number is None:
            raise Invalid(f"'{case.contact_phone}' is not a phone number to call back", code="no_phone")
        citizen = do_get_or_create_citizen(session=session, kind="phone", value=number, phone=number,
                                           lang=center.default_lang)
    conv = do_start_conversation(session=session, citizen=citizen, channel="voice",
                                 queue_code=GENERAL_QUEUE)
    conv.callback_number = case.contact_phone
    dept = session.get_one(Department, case.department_id)
    do_append_message(session=session, conv=conv, kind=MsgKind.NOTE, author=official,
                      body=catalogue.staff_text("note.case_callback", center, department=dept.name,
                                                case_number=case.number, note=note.strip() or case.title))
    _event(session, case, "callback_requested", official, conversation_id=conv.id)
    session.flush()
    return conv


def do_escalate_deadlines(*, session: Session, now: datetime) -> list[tuple[str, str]]:
    """Open cases within a day of their deadline, and past it: each escalates once to the
    department and the supervisors (an event they are sent, and the case's history).
    Returns (case number, 'near' | 'overdue')."""
    done = []
    for case in session.scalars(select(Case).where(Case.status.in_(OPEN_CASE), Case.due_at <= now + NEAR)
                                .order_by(Case.id).with_for_update(skip_locked=True)):
        kind = escalation_due(now=now, due=case.due_at, open_=True, near_done=case.near_escalated_at is not None,
                              overdue_done=case.overdue_escalated_at is not None)
        if kind is None:
            continue
        if kind == "near":
            case.near_escalated_at = now
        else:
            case.overdue_escalated_at = now
        _event(session, case, f"escalated_{kind}", None, due_at=case.due_at.isoformat())
        done.append((case.number or "", kind))
    session.flush()
    return done


def access_case(*, session: Session, user: User, case_id: int, write: bool = False) -> Case:
    """Fetch a case the user may see (and, with `write`, change): officials only their own
    department's; center staff every case (agents read, supervisors and admins change)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    if user.role == Role.OFFICIAL:
        if case.department_id != user.department_id:
            raise NotFound(f"case {case_id} not found")  # not even its existence leaks
        return case
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return case
    if user.role == Role.AGENT and not write:
        return case
    raise Forbidden("you cannot change this case")


def department_of(session: Session, case: Case) -> tuple[Department, Organisation]:
    dept = session.get_one(Department, case.department_id)
    return dept, session.get_one(Organisation, dept.organisation_id)

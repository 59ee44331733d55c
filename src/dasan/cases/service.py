"""Reading cases: an official's queue, a citizen's lookup, where a consultation's matter goes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.models import OPEN_CASE, Case, CaseComment, CaseType
from dasan.center import service as center_service
from dasan.conversations.models import ConversationEvent
from dasan.core import clock
from dasan.core import phone as phone_module
from dasan.knowledge.models import Article
from dasan.orgs.models import Department, Role, User


def list_cases(*, session: Session, user: User, status: str | None = None, overdue: bool = False,
               mine: bool = False, escalated: bool = False, limit: int = 100) -> list[Case]:
    """Cases the user may see, the nearest deadline first (officials: their department only)."""
    q = select(Case)
    if user.role == Role.OFFICIAL:
        q = q.where(Case.department_id == user.department_id)
    if status:
        q = q.where(Case.status == status)
    if overdue:
        q = q.where(Case.status.in_(OPEN_CASE), Case.due_at < clock.now())
    if mine:
        q = q.where(Case.assignee_id == user.id)
    if escalated:  # open cases whose deadline is near or past and which were escalated
        q = q.where(Case.status.in_(OPEN_CASE),
                    (Case.near_escalated_at.is_not(None)) | (Case.overdue_escalated_at.is_not(None)))
    return list(session.scalars(q.order_by(Case.due_at, Case.id).limit(limit)))


def find_for_citizen(*, session: Session, number: str, phone: str) -> Case | None:
    """The case with this number, if the phone number is the one it was opened with (written
    any usual way: the one normaliser decides)."""
    case = session.scalar(select(Case).where(Case.number == number.strip()))
    if case is None or not case.contact_phone:
        return None
    country = center_service.get(session).country
    given = phone_module.try_normalize(phone, country)
    if given is None or given != phone_module.try_normalize(case.contact_phone, country):
        return None
    return case


def _warm(dept: Department, open_now: bool) -> dict:
    """A warm transfer (the agent stays on while the department picks up) is offered in office
    hours when the department has a phone line."""
    return {"phone": dept.phone, "warm_transfer": bool(dept.phone) and open_now}


def suggest(*, session: Session, conv, district_code: str = "", category: str = "") -> list[dict]:
    """Case types for this consultation, best first, each with its department and why: the
    owners of the knowledge articles the bot used, the consultation's category (the agent's, or
    the articles'), then the citizen's district."""
    used = [e.data.get("article_id") for e in session.scalars(select(ConversationEvent).where(
        ConversationEvent.conversation_id == conv.id, ConversationEvent.kind == "bot_answered"))]
    used += [a for e in session.scalars(select(ConversationEvent).where(
        ConversationEvent.conversation_id == conv.id, ConversationEvent.kind == "bot_handoff"))
        for a in (e.data.get("candidates") or [])[:1]]
    owners: list[int] = []
    categories = [category] if category else []
    for article_id in used:
        art = session.get(Article, article_id) if article_id else None
        if art is not None and art.department_id is not None and art.department_id not in owners:
            owners.append(art.department_id)
        if art is not None and art.category and art.category not in categories:
            categories.append(art.category)
    out: list[dict] = []
    open_now = center_service.get(session).in_office_hours(clock.now())
    types = list(session.scalars(select(CaseType).order_by(CaseType.code)))
    depts = {d.id: d for d in session.scalars(select(Department))}
    for dept_id in owners:
        dept = depts[dept_id]
        for t in types:
            suffix_match = t.district_suffix and dept.code.endswith(f"-{t.district_suffix}")
            if t.department_id == dept_id or suffix_match:
                out.append({"case_type": t.code, "department_id": dept_id, "department": dept.name,
                            "reason": "knowledge_owner", **_warm(dept, open_now)})
    district_dept = {d.code: d for d in depts.values()}
    for cat in categories:
        for t in types:
            if t.category != cat or any(o["case_type"] == t.code for o in out):
                continue
            d = depts.get(t.department_id) if t.department_id else \
                district_dept.get(f"{district_code}-{t.district_suffix}") if district_code else None
            out.append({"case_type": t.code, "department_id": d.id if d else None,
                        "department": d.name if d else "", "reason": "category", **(_warm(d, open_now) if d else {})})
    if district_code:
        for t in types:
            if t.district_suffix:
                d = next((d for d in depts.values() if d.code == f"{district_code}-{t.district_suffix}"), None)
                if d is not None and all(o["case_type"] != t.code or o["department_id"] != d.id for o in out):
                    out.append({"case_type": t.code, "department_id": d.id, "department": d.name,
                                "reason": "district", **_warm(d, open_now)})
    return out


def public_view(*, session: Session, case: Case, lang: str = "", default_lang: str = "") -> dict:
    """What a citizen may see of their case: status, deadline and the public comments (never
    internal notes or officials' names); the department named for a reader of `lang`."""
    dept = session.get_one(Department, case.department_id)
    public = [{"body": c.body, "created_at": c.created_at.isoformat()} for c in session.scalars(
        select(CaseComment).where(CaseComment.case_id == case.id, CaseComment.public.is_(True))
        .order_by(CaseComment.id))]
    return {"number": case.number, "status": case.status, "title": case.title,
            "department": department_name(dept, lang, default_lang) if lang else dept.name,
            "opened_at": case.opened_at.isoformat(),
            "due_at": case.due_at.isoformat(),
            "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None, "comments": public,
            "survey": "answered" if case.survey_score is not None else
            ("open" if case.survey_sent_at is not None else "none")}


def department_name(dept: Department, lang: str, default_lang: str) -> str:
    """The department as a citizen reads it: its name (written in the center's default
    language) for that language, its English name for anyone else when it has one."""
    return dept.name if lang == default_lang or not dept.name_en else dept.name_en

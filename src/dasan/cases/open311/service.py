"""Open311 reads: services, requests, updates, the district an address names."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.models import Case, CaseComment, CaseStatus, CaseType
from dasan.cases.open311.formats import Open311Error, iso
from dasan.core import clock
from dasan.orgs.models import Department, Organisation

MAX_RESULTS = 1000


def service_json(t: CaseType) -> dict:
    return {"service_code": t.code, "service_name": t.name_en or t.name, "description": t.description or t.name,
            "metadata": bool(t.attributes), "type": "realtime", "keywords": t.keywords, "group": t.group}


def list_services(session: Session) -> list[CaseType]:
    return list(session.scalars(select(CaseType).where(CaseType.published.is_(True)).order_by(CaseType.code)))


def get_service(session: Session, code: str) -> CaseType:
    t = session.scalar(select(CaseType).where(CaseType.code == code, CaseType.published.is_(True)))
    if t is None:
        raise Open311Error(404, f"no service '{code}'")
    return t


def requests_json(session: Session, cases: list[Case], tz: tzinfo) -> list[dict]:
    """The spec's request records; status_notes is each case's latest public comment (one query)."""
    types = {t.id: t for t in session.scalars(select(CaseType))}
    depts = {d.id: d for d in session.scalars(select(Department))}
    notes: dict[int, str] = {}
    for case_id, body in session.execute(select(CaseComment.case_id, CaseComment.body).where(
            CaseComment.case_id.in_([c.id for c in cases]), CaseComment.public.is_(True)).order_by(CaseComment.id)):
        notes[case_id] = body  # ordered by id: the last one stays
    return [_request_json(c, types, depts, notes.get(c.id, ""), tz) for c in cases]


def _request_json(case: Case, types: dict[int, CaseType], depts: dict[int, Department], notes: str,
                  tz: tzinfo) -> dict:
    ctype = types[case.case_type_id]
    media = case.media_url or next((a["url"] for a in case.attachments if a.get("url")), "")
    return {"service_request_id": case.number, "status": "closed" if case.status == CaseStatus.RESOLVED else "open",
            "status_notes": notes, "service_name": ctype.name_en or ctype.name, "service_code": ctype.code,
            "description": case.description, "agency_responsible": depts[case.department_id].name_en
            or depts[case.department_id].name, "service_notice": f"Answered within {ctype.working_days} working days",
            "requested_datetime": iso(case.opened_at, tz), "updated_datetime": iso(case.updated_at, tz),
            "expected_datetime": iso(case.due_at, tz), "address": case.address, "address_id": "", "zipcode": "",
            "lat": case.lat, "long": case.long, "media_url": media}


def get_case(session: Session, where, missing: str) -> Case:
    case = session.scalar(select(Case).where(where))
    if case is None:
        raise Open311Error(404, missing)
    return case


def list_requests(session: Session, *, ids: list[str], codes: list[str], statuses: list[str],
                  start: datetime | None, end: datetime | None) -> list[Case]:
    """Requests by id (other filters then ignored, as the spec says), or by service, status and
    period (the last 90 days by default)."""
    stmt = select(Case)
    if ids:
        stmt = stmt.where(Case.number.in_(ids))
    else:
        if codes:
            stmt = stmt.where(Case.case_type_id.in_(select(CaseType.id).where(CaseType.code.in_(codes))))
        bad = [s for s in statuses if s not in ("open", "closed")]
        if bad:
            raise Open311Error(400, f"status must be open or closed, not {', '.join(bad)}")
        if statuses == ["open"]:
            stmt = stmt.where(Case.status != CaseStatus.RESOLVED)
        elif statuses == ["closed"]:
            stmt = stmt.where(Case.status == CaseStatus.RESOLVED)
        if start is None and end is None:
            start = clock.now() - timedelta(days=90)
        if start and end and start > end:
            raise Open311Error(400, "start_date is after end_date")
        if start:
            stmt = stmt.where(Case.opened_at >= start)
        if end:
            stmt = stmt.where(Case.opened_at <= end)
    return list(session.scalars(stmt.order_by(Case.opened_at.desc(), Case.id.desc()).limit(MAX_RESULTS)))


def list_updates(session: Session, *, start: datetime, end: datetime, tz: tzinfo) -> list[dict]:
    """FixMyStreet's public updates (comments and status changes) in [start, end]."""
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    rows = session.execute(select(CaseComment, Case).join(Case, Case.id == CaseComment.case_id).where(
        CaseComment.public.is_(True), CaseComment.created_at >= start, CaseComment.created_at <= end)
        .order_by(CaseComment.created_at, CaseComment.id).limit(MAX_RESULTS)).all()
    return [{"update_id": str(comment.id), "service_request_id": case.number,
             "status": "CLOSED" if comment.status_after == CaseStatus.RESOLVED else "OPEN",
             "updated_datetime": iso(comment.created_at, tz), "description": comment.body, "media_url": ""}
            for comment, case in rows]


def district_named(session: Session, address: str) -> str:
    """The district an address names, by the district's own or English name (with or without
    its suffix, e.g. 마포구 / 마포 / Mapo-gu)."""
    for org in session.scalars(select(Organisation).where(Organisation.kind == "district")):
        names = [org.name, org.name.removesuffix("구"), org.name_en.removesuffix("-gu")]
        if any(n and n in address for n in names if len(n) >= 2):
            return org.code
    return ""

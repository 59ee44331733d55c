"""Reads for the city's pulse: what each consultation said (for the detector and the topics), a
day's records as the open data publishes them, cases and contacts per district on the city's map."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dasan.cases.models import Case, CaseStatus, CaseType
from dasan.center import service as center_service
from dasan.conversations.models import ConsultationRecord, Conversation, Message, MsgKind
from dasan.core import clock
from dasan.core.errors import Invalid
from dasan.orgs.models import Department, Organisation
from dasan.trends import opendata


def said(session: Session, conv_ids: list[int], per_contact: int = 3) -> dict[int, list[str]]:
    """The first `per_contact` messages each citizen wrote (or said, transcribed) in each contact."""
    out: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(conv_ids), 5000):  # bound the IN list
        for conv_id, body in session.execute(
                select(Message.conversation_id, Message.body).where(
                    Message.conversation_id.in_(conv_ids[start:start + 5000]), Message.kind == MsgKind.INBOUND)
                .order_by(Message.conversation_id, Message.seq)):
            if len(out[conv_id]) < per_contact:
                out[conv_id].append(body)
    return out


def open_data(session: Session, day: date) -> dict:
    """The records created on the center's `day` (which must be over), anonymised."""
    center = center_service.get(session)
    if day >= center.today(clock.now()):
        raise Invalid("open data is published for days that are over", code="day_not_over")
    t0, t1 = center.day_bounds(day)
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    departments = {d.id: d for d in session.scalars(select(Department))}
    types = {t.id: t for t in session.scalars(select(CaseType))}

    def district_of(case: Case) -> str:
        org = orgs.get(case.organisation_id)
        return org.name if org is not None and org.kind == "district" else ""

    def local_day(when: datetime | None) -> str:
        return center.today(when).isoformat() if when is not None else ""

    rows: list[dict] = []
    created_that_day = (Conversation.created_at >= t0, Conversation.created_at < t1)
    consultations = session.execute(
        select(ConsultationRecord, Conversation.created_at).join(
            Conversation, Conversation.id == ConsultationRecord.conversation_id).where(*created_that_day)).all()
    cases_of_conv: dict[int, Case] = {}
    for c in session.scalars(select(Case).where(
            Case.conversation_id.in_(select(Conversation.id).where(*created_that_day))).order_by(Case.id)):
        cases_of_conv.setdefault(c.conversation_id, c)  # type: ignore[arg-type]
    for rec, created in consultations:
        case = cases_of_conv.get(rec.conversation_id)
        rows.append({"unique_key": f"C{rec.id}", "record_type": "consultation", "created_date": local_day(created),
                     "closed_date": local_day(rec.closed_at), "channel": rec.channel, "category": rec.category,
                     "district": district_of(case) if case else "", "department": "", "status": "closed",
                     "resolution": rec.resolution})
    now = clock.now()
    for c, channel in session.execute(select(Case, Conversation.channel).outerjoin(
            Conversation, Conversation.id == Case.conversation_id).where(Case.opened_at >= t0, Case.opened_at < t1)):
        if c.status == CaseStatus.RESOLVED:
            resolution = "on_time" if c.resolved_at is not None and c.resolved_at <= c.due_at else "late"
        else:
            resolution = "overdue" if c.due_at < now else ""
        ctype = types.get(c.case_type_id)
        dept = departments.get(c.department_id)
        rows.append({"unique_key": c.number or f"K{c.id}", "record_type": "case",
                     "created_date": local_day(c.opened_at),
                     "closed_date": local_day(c.resolved_at) if c.status == CaseStatus.RESOLVED else "",
                     "channel": channel or c.source,
                     "category": ctype.name if ctype else "", "district": district_of(c),
                     "department": dept.name if dept else "", "status": c.status, "resolution": resolution})
    published, suppressed = opendata.anonymise(rows)
    return {"date": day.isoformat(), "k": opendata.K, "records": len(published), "suppressed": suppressed,
            "rows": published}


MAPS = Path(__file__).parent / "maps"


@lru_cache(maxsize=1)
def _maps() -> tuple[dict, ...]:
    return tuple(json.loads(p.read_text(encoding="utf-8")) for p in sorted(MAPS.glob("*.json")))


def city_map(session: Session) -> dict | None:
    """The shipped district map (SVG paths; maps/NOTICE says where they come from) that names most
    of the center's district organisations; none when no shipped map knows them."""
    districts = set(session.scalars(select(Organisation.name).where(Organisation.kind == "district")))
    best = max(_maps(), key=lambda m: len(districts & {d["name"] for d in m["districts"]}), default=None)
    return best if best is not None and districts & {d["name"] for d in best["districts"]} else None


def hot_spots(session: Session, start: date, end: date, conversation_ids: list[int] | None = None) -> dict:
    """Cases opened on the center's days `start`…`end` per district (the district organisation
    whose department took each case), and the contacts that led to them; `conversation_ids`
    narrows both to a topic's contacts."""
    t0, t1 = center_service.get(session).day_bounds(start, end)
    q = (select(Organisation.name, func.count(Case.id), func.count(func.distinct(Case.conversation_id)))
         .join(Organisation, Organisation.id == Case.organisation_id)
         .where(Organisation.kind == "district", Case.opened_at >= t0, Case.opened_at < t1)
         .group_by(Organisation.name))
    if conversation_ids is not None:
        q = q.where(Case.conversation_id.in_(conversation_ids[:50_000]))
    return {name: {"cases": cases, "contacts": contacts} for name, cases, contacts in session.execute(q)}

"""Seed the demo data into an empty database (idempotent: a second run changes nothing)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.models import CaseType
from dasan.conversations.models import Queue
from dasan.demo import data
from dasan.knowledge.actions import do_create_article, do_publish
from dasan.knowledge.models import Article
from dasan.orgs.actions import do_create_user
from dasan.orgs.models import Department, LegacyLine, Organisation, Skill


def seed(*, session: Session) -> bool:
    """Write the demo city; returns False when the database already holds it."""
    if session.scalar(select(Organisation.id).where(Organisation.code == "seoul")) is not None:
        return False
    city = Organisation(code="seoul", name="서울특별시", name_en="Seoul Metropolitan Government", kind="city")
    session.add(city)
    session.flush()
    depts: dict[str, Department] = {}
    for code, name, name_en, lines in data.CITY_DEPARTMENTS:
        d = Department(organisation_id=city.id, code=code, name=name, name_en=name_en, phone=lines[0])
        session.add(d)
        depts[code] = d
        session.flush()
        session.add_all(LegacyLine(number=n, department_id=d.id, label=name) for n in lines)
    for i, (code, name, name_en) in enumerate(data.DISTRICTS):
        org = Organisation(code=code, name=name, name_en=name_en, kind="district", parent_id=city.id)
        session.add(org)
        session.flush()
        for suffix, dname, dname_en, n in (("cleaning", "청소행정과", "Sanitation Division", 1),
                                           ("civil", "민원여권과", "Civil Affairs Division", 2),
                                           ("environment", "환경과", "Environment Division", 3)):
            number = f"02-{3000 + i * 10 + n}-{1000 + i}"
            d = Department(organisation_id=org.id, code=f"{code}-{suffix}", name=f"{name} {dname}",
                           name_en=f"{name_en} {dname_en}", phone=number)
            session.add(d)
            session.flush()
            depts[d.code] = d
            session.add(LegacyLine(number=number, department_id=d.id, label=d.name))
    session.add_all(Skill(code=c, kind=k, name=n) for c, k, n in data.SKILLS)
    session.add_all(Queue(code=c, name=n, name_en=e, skill_code=s, **data.QUEUE_RULES.get(c, {}))
                    for c, n, e, s in data.QUEUES)
    session.flush()
    for username, name, role, dept, skills in data.USERS:
        do_create_user(session=session, username=username, password=data.DEMO_PASSWORD, role=role,
                       display_name=name, organisation_code=None if dept else "seoul", department_code=dept,
                       skills=skills)
    for dept, category, title, body, questions in data.ARTICLES:
        art = do_create_article(session=session, author=None, department_id=depts[dept].id, title=title,
                                body=body, questions=questions, category=category, lang="ko")
        do_publish(session=session, art=art)
    for source_title, lang, title, body, questions in data.TRANSLATIONS:
        original = session.scalar(select(Article).where(Article.title == source_title, Article.lang == "ko"))
        art = do_create_article(session=session, author=None, department_id=original.department_id, title=title,
                                body=body, questions=questions, category=original.category, lang=lang,
                                translation_of_id=original.id)
        do_publish(session=session, art=art)
    for code, name, name_en, dept, suffix, days, priority, category, group in data.CASE_TYPES:
        session.add(CaseType(code=code, name=name, name_en=name_en, department_id=depts[dept].id if dept else None,
                             district_suffix=suffix, working_days=days, priority=priority, category=category,
                             group=group, description=name_en, attributes=data.CASE_ATTRIBUTES.get(code, []),
                             keywords=data.CASE_KEYWORDS.get(code, "")))
    session.flush()
    return True


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts worth trying first."""
    wanted = ["agent1", "agent2", "agent-en1", "supervisor1", "official-recycling", "official-mapo", "analyst1",
              "admin"]
    by_name = {u[0]: u for u in data.USERS}
    return [(u, data.DEMO_PASSWORD, by_name[u][2]) for u in wanted]

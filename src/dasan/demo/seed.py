"""Seed a demo center into an empty database (idempotent: a second run changes nothing).

Two profiles: `seoul120` (the default: Seoul city hall, its 25 districts, Korean-first) and
`city311` (Lakeport 311: English-first, another time zone and holiday calendar)."""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.models import CaseType
from dasan.center.actions import do_set_center
from dasan.center.models import CenterProfile
from dasan.demo import city311, data
from dasan.demo.profiles import PROFILES
from dasan.knowledge.actions import do_create_article, do_publish
from dasan.knowledge.models import Article
from dasan.orgs.actions import do_create_user
from dasan.orgs.models import Department, LegacyLine, Organisation
from dasan.protect.models import ProtectPolicy
from dasan.routing.models import Queue, Skill
from dasan.routing.presence import do_make_agent
from dasan.voice.actions import do_install_default_menus

DATA: dict[str, ModuleType] = {"seoul120": data, "city311": city311}
CITY = {"seoul120": ("seoul", "서울특별시", "Seoul Metropolitan Government"),
        "city311": ("lakeport", "City of Lakeport", "City of Lakeport")}


def seed(*, session: Session, profile: str = "seoul120") -> bool:
    """Write the demo center; returns False when the database already holds a demo center."""
    if profile not in PROFILES:
        raise ValueError(f"unknown demo profile '{profile}': one of {', '.join(PROFILES)}")
    if session.get(CenterProfile, 1) is not None or session.scalar(select(Organisation.id).limit(1)) is not None:
        return False
    center = PROFILES[profile]
    d = DATA[profile]
    do_set_center(session=session, center=center)
    code, name, name_en = CITY[profile]
    city = Organisation(code=code, name=name, name_en=name_en, kind="city")
    session.add(city)
    session.flush()
    depts: dict[str, Department] = {}
    for dcode, dname, dname_en, lines in d.CITY_DEPARTMENTS:
        dept = Department(organisation_id=city.id, code=dcode, name=dname, name_en=dname_en, phone=lines[0])
        session.add(dept)
        depts[dcode] = dept
        session.flush()
        session.add_all(LegacyLine(number=n, department_id=dept.id, label=dname) for n in lines)
    if profile == "seoul120":
        _seoul_districts(session, city, depts)
    else:
        session.add_all(Organisation(code=c, name=n, name_en=e, kind="district", parent_id=city.id)
                        for c, n, e in city311.WARDS)
    session.add_all(Skill(code=c, kind=k, name=n) for c, k, n in d.SKILLS)
    session.add_all(Queue(code=c, name=n, name_en=e, skill_code=s, **d.QUEUE_RULES.get(c, {}))
                    for c, n, e, s in d.QUEUES)
    # Seoul 120's practice: two contacts ended for abuse in 90 days send the next ones, for 30
    # days, to the dedicated team with the warning first.
    session.add(ProtectPolicy(channel="*", offender_incidents=2, offender_window_days=90, offender_days=30,
                              offender_queue="protect"))
    session.flush()
    for username, display, role, dept_code, skills in d.USERS:
        user = do_create_user(session=session, username=username, password=data.DEMO_PASSWORD, role=role,
                              display_name=display, organisation_code=None if dept_code else code,
                              department_code=dept_code)
        do_make_agent(session=session, user=user, skills=skills)
    for dept_code, category, title, body, questions in d.ARTICLES:
        art = do_create_article(session=session, author=None, department_id=depts[dept_code].id, title=title,
                                body=body, questions=questions, category=category, lang=center.default_lang)
        do_publish(session=session, art=art)
    for source_title, lang, title, body, questions in d.TRANSLATIONS:
        original = session.execute(select(Article).where(Article.title == source_title,
                                                         Article.lang == center.default_lang)).scalar_one()
        art = do_create_article(session=session, author=None, department_id=original.department_id, title=title,
                                body=body, questions=questions, category=original.category, lang=lang,
                                translation_of_id=original.id)
        do_publish(session=session, art=art)
    for ccode, cname, cname_en, dept_code, suffix, days, priority, category, group in d.CASE_TYPES:
        session.add(CaseType(code=ccode, name=cname, name_en=cname_en,
                             department_id=depts[dept_code].id if dept_code else None, district_suffix=suffix,
                             working_days=days, priority=priority, category=category, group=group,
                             description=cname_en, attributes=d.CASE_ATTRIBUTES.get(ccode, []),
                             keywords=d.CASE_KEYWORDS.get(ccode, ""), phrases=d.CASE_PHRASES.get(ccode, {}),
                             translations=d.CASE_TRANSLATIONS.get(ccode, {})))
    session.flush()
    do_install_default_menus(session=session)  # the one number and each legacy line answer by voice
    return True


def _seoul_districts(session: Session, city: Organisation, depts: dict[str, Department]) -> None:
    for i, (code, name, name_en) in enumerate(data.DISTRICTS):
        lat, long = data.DISTRICT_OFFICES[code]
        org = Organisation(code=code, name=name, name_en=name_en, kind="district", parent_id=city.id, lat=lat,
                           long=long)
        session.add(org)
        session.flush()
        for suffix, dname, dname_en, n in (("cleaning", "청소행정과", "Sanitation Division", 1),
                                           ("civil", "민원여권과", "Civil Affairs Division", 2),
                                           ("environment", "환경과", "Environment Division", 3)):
            number = f"02-{3000 + i * 10 + n}-{1000 + i}"
            dept = Department(organisation_id=org.id, code=f"{code}-{suffix}", name=f"{name} {dname}",
                              name_en=f"{name_en} {dname_en}", phone=number)
            session.add(dept)
            session.flush()
            depts[dept.code] = dept
            session.add(LegacyLine(number=number, department_id=dept.id, label=dept.name))


def demo_logins(profile: str = "seoul120") -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts worth trying first."""
    d = DATA[profile]
    wanted = (["agent1", "agent2", "agent-en1", "supervisor1", "official-recycling", "official-mapo", "analyst1",
               "shopper1", "admin"] if profile == "seoul120" else city311.LOGINS)
    by_name = {u[0]: u for u in d.USERS}
    return [(u, data.DEMO_PASSWORD, by_name[u][2]) for u in wanted]

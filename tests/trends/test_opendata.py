"""Open data: a day's consultations and cases with no personal data and no group under k."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dasan.cases.models import Case, CaseType
from dasan.center import service as center_service
from dasan.conversations.models import Citizen, ConsultationRecord, Conversation
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.orgs.models import Department, Organisation
from dasan.trends.opendata import FIELDS, QUASI, WITHHELD, anonymise

ROW = st.fixed_dictionaries({
    "record_type": st.sampled_from(["consultation", "case"]),
    "created_date": st.sampled_from(["2026-03-02", "2026-03-03"]),
    "closed_date": st.sampled_from(["", "2026-03-02", "2026-03-04"]),
    "channel": st.sampled_from(["voice", "sms", "webchat"]),
    "category": st.sampled_from(["교통", "환경", "복지", "세금"]),
    "district": st.sampled_from(["", "마포구", "중구"]),
    "department": st.sampled_from(["", "교통과"]),
    "status": st.just("closed"), "resolution": st.just("solved")})


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(ROW, max_size=300), k=st.integers(2, 12))
def test_every_published_combination_has_k_records_and_nothing_is_invented(rows, k):
    for i, r in enumerate(rows):
        r["unique_key"] = f"C{i}"
    published, left_out = anonymise(rows, k)
    assert len(published) + left_out == len(rows)
    groups = Counter(tuple(r[q] for q in QUASI) for r in published)
    assert all(n >= k for n in groups.values())
    originals = {r["unique_key"]: r for r in rows}
    for r in published:  # each published value is the record's own, or withheld
        assert all(v == originals[r["unique_key"]][f] or v == WITHHELD for f, v in r.items())


PLANTED = ["900101-1234567", "010-9876-5432", "4111-1111-1111-1111", "hong@example.com", "서울시 마포구 망원로 12"]


def _fill_a_past_day(factory):
    """Yesterday at the center: 140 consultations on a few channels and categories (a handful
    rare), 30 cases across two departments, identifiers planted everywhere text goes."""
    rng = random.Random(5)
    with session_scope(factory) as s:
        center = center_service.get(s)
        day = center.today(clock.now()) - timedelta(days=1)
        start = center.day_start(day)
        citizen = Citizen(display_name="홍길동", phone="+821098765432", email="hong@example.com")
        s.add(citizen)
        s.flush()
        ctype = s.scalars(select(CaseType)).first()
        departments = list(s.scalars(select(Department).limit(2)))
        for i in range(140):
            at = start + timedelta(hours=rng.uniform(8, 20))
            conv = Conversation(citizen_id=citizen.id, channel=rng.choice(["voice", "voice", "sms"]), status="closed",
                                created_at=at, closed_at=at + timedelta(minutes=5))
            s.add(conv)
            s.flush()
            category = rng.choice(["교통", "교통", "복지"]) if i < 130 else f"희귀 {PLANTED[0]}"
            s.add(ConsultationRecord(conversation_id=conv.id, citizen_id=citizen.id, channel=conv.channel,
                                     category=category, summary=" ".join(PLANTED), resolution="solved",
                                     closed_at=conv.closed_at))
        for i in range(30):
            dept = departments[i % 2]
            at = start + timedelta(hours=rng.uniform(8, 20))
            s.add(Case(number=f"2026-{900000 + i}", case_type_id=ctype.id, department_id=dept.id,
                       organisation_id=dept.organisation_id, citizen_id=citizen.id, source="open311",
                       title=PLANTED[1], description=" ".join(PLANTED), address=PLANTED[4],
                       contact_phone=PLANTED[1], contact_email=PLANTED[3], lat=37.55, long=126.91,
                       opened_at=at, due_at=at + timedelta(days=3), updated_at=at))
        orgs = {d.organisation_id: s.get(Organisation, d.organisation_id) for d in departments}
    return day, orgs


def test_a_past_day_is_published_without_personal_data_or_small_groups(client, seeded, factory):
    day, _ = _fill_a_past_day(factory)
    data = client.get(f"/api/v1/opendata/records/{day.isoformat()}.json").json()
    text = client.get(f"/api/v1/opendata/records/{day.isoformat()}.csv").text
    for planted in [*PLANTED, "홍길동", "98765432", "1234567", "37.55", "126.91"]:
        assert planted not in text and planted not in str(data)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["unique_key"] for r in rows] == [r["unique_key"] for r in data["rows"]]
    assert data["records"] == len(rows) and data["records"] + data["suppressed"] == 170
    for published in (rows, data["rows"]):
        groups = Counter(tuple(r[q] for q in QUASI) for r in published)
        assert groups and all(n >= 10 for n in groups.values())
    types = Counter(r["record_type"] for r in rows)
    assert types["consultation"] >= 120 and types["case"] >= 10  # the common groups are there
    assert not any(r["category"].startswith("희귀") for r in rows)  # ten rare records could not hide


def test_the_data_dictionary_lists_every_published_field(client, seeded, factory):
    day, _ = _fill_a_past_day(factory)
    dictionary = client.get("/api/v1/opendata/dictionary").json()
    described = [f["name"] for f in dictionary["fields"]]
    assert all(f["description"] and f["type"] for f in dictionary["fields"])
    header = client.get(f"/api/v1/opendata/records/{day.isoformat()}.csv").text.lstrip("\ufeff").splitlines()[0]
    assert header.split(",") == described
    rows = client.get(f"/api/v1/opendata/records/{day.isoformat()}.json").json()["rows"]
    assert rows and all(list(r) == described for r in rows)
    assert set(dictionary["quasi_identifiers"]) <= set(described) and dictionary["k"] == 10
    assert [n for n, _t, _d in FIELDS] == described


def test_today_and_bad_requests_are_refused(client, seeded, factory):
    with session_scope(factory) as s:
        today = center_service.get(s).today(clock.now())
    r = client.get(f"/api/v1/opendata/records/{today.isoformat()}.json")
    assert r.status_code == 422 and "days that are over" in r.json()["message"]
    assert client.get("/api/v1/opendata/records/2026-13-01.json").status_code == 422
    assert client.get(f"/api/v1/opendata/records/{(today - timedelta(days=1)).isoformat()}.xml").status_code == 422

"""One citizen identity: a phone number written any usual way is one E.164 number (property
tests over formats), the intake recognises the citizen by it, and migration 0007 merges the
citizens the old digits-only rule split, keeping every conversation, message, record and case."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text

from dasan.config import Settings
from dasan.core.phone import InvalidPhone, for_dialling, for_display, normalize
from dasan.db.engine import session_scope
from dasan.db.migrate import upgrade
from dasan.security.actions import do_create_api_token

from .conftest import BACKEND, PG_ADMIN_URL

kr_mobile = st.from_regex(r"10[2-9][0-9]{7}", fullmatch=True)  # 10-XXXX-XXXX after the trunk 0
us_number = st.from_regex(r"(312|773|212)[2-9][0-9]{2}[0-9]{4}", fullmatch=True)


def kr_writings(n: str) -> list[str]:
    a, b, c = n[:2], n[2:6], n[6:]
    return [f"+82 {a}-{b}-{c}", f"82{n}", f"0{a}-{b}-{c}", f"0{n}", f"0{a} {b} {c}", f"(0{a}) {b}-{c}",
            f"+82-{a}-{b}-{c}", f"+82 (0){a} {b} {c}".replace("(0)", ""), f" 0{a}.{b}.{c} "]


@given(kr_mobile)
@example("1059700000")  # a range the numbering metadata does not list (yet): still one number
def test_every_usual_writing_of_a_korean_mobile_is_one_number(n):
    assert {normalize(w, "KR") for w in kr_writings(n)} == {f"+82{n}"}


@given(us_number)
def test_every_usual_writing_of_a_us_number_is_one_number(n):
    writings = [f"({n[:3]}) {n[3:6]}-{n[6:]}", f"{n[:3]}-{n[3:6]}-{n[6:]}", f"1{n}", f"+1 {n}", f"+1-{n[:3]}-{n[3:]}"]
    assert {normalize(w, "US") for w in writings} == {f"+1{n}"}


@given(st.one_of(kr_mobile.map(lambda n: f"0{n}"), us_number.map(lambda n: f"+1{n}"),
                 st.from_regex(r"\+?[0-9]{3,15}", fullmatch=True)), st.sampled_from(["KR", "US"]))
def test_normalising_twice_changes_nothing_and_dialling_form_comes_back(raw, country):
    once = normalize(raw, country)
    assert normalize(once, country) == once
    assert normalize(for_dialling(once, country), country) == once


def test_dialling_and_display_forms():
    assert for_dialling("+821012345678", "KR") == "01012345678"  # what a Korean SMSC takes
    assert for_dialling("+13125550142", "KR") == "+13125550142"  # a foreign number stays international
    assert for_display("+821012345678", "KR") == "010-1234-5678"
    assert for_display("+13125550142", "US") == "(312) 555-0142"


@pytest.mark.parametrize("bad", ["", "   ", "abc", "010-1234-567x", "+", "1" * 18, "010—1234"])
def test_what_is_not_a_phone_number_is_refused(bad):
    with pytest.raises(InvalidPhone):
        normalize(bad, "KR")


def test_three_writings_are_one_citizen_at_intake(client, seeded):
    with session_scope(seeded) as s:
        token = do_create_api_token(session=s, channel="sms")
    ids = set()
    for i, written in enumerate(["+82 10-1234-5678", "821012345678", "010-1234-5678"]):
        r = client.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"}, json={
            "channel": "sms", "external_id": f"p{i}", "sender": {"phone": written}, "text": f"message {i}",
            "sent_at": "2026-12-01T10:00:00+09:00"})
        assert r.status_code == 202, r.text
        ids.add(r.json()["conversation_id"])
    assert len(ids) == 1  # one citizen, so one open conversation on the channel
    bad = client.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"}, json={
        "channel": "sms", "external_id": "bad", "sender": {"phone": "not-a-number"}, "text": "x",
        "sent_at": "2026-12-01T10:00:00+09:00"})
    assert bad.status_code == 422 and bad.json()["error"] == "bad_phone"


@pytest.fixture
def old_database(tmp_path):
    """An empty database of this run's backend, migrated to 0006 (before one phone identity)."""
    if BACKEND == "postgresql":
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"dasan_merge_{secrets.token_hex(4)}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        settings = Settings(database_url=PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, data_dir=tmp_path)
    else:
        settings = Settings(data_dir=tmp_path)
    upgrade(settings, "0006")
    yield settings
    if BACKEND == "postgresql":
        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_migration_merges_citizens_the_old_rule_split(old_database):
    engine = create_engine(old_database.resolved_database_url)
    now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    with engine.begin() as c:
        def insert(table, **values):
            cols = ", ".join(f'"{k}"' for k in values)
            marks = ", ".join(f":{k}" for k in values)
            return c.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING id"), values).scalar()

        org = insert("organisations", code="seoul", name="서울", name_en="Seoul", kind="city")
        dept = insert("departments", organisation_id=org, code="d", name="d", name_en="d", phone="")
        ctype = insert("case_types", code="t", name="t", name_en="t", description="", group="", keywords="",
                       category="", department_id=dept, district_suffix="", working_days=3, priority="normal",
                       published=True, attributes="[]")
        citizens = []
        for i, (written, email, opt_out) in enumerate([("+821012345678", "", None), ("821012345678", "a@b.kr", None),
                                                        ("01012345678", "", now), ("01099990000", "", None)]):
            cid = insert("citizens", display_name=f"c{i}", phone=written, email=email, lang="ko", created_at=now,
                         sms_opt_out_at=opt_out)
            insert("citizen_identities", citizen_id=cid, kind="phone", value=written)
            conv = insert("conversations", citizen_id=cid, channel="sms", status="closed", queue_code="general",
                          lang="ko", dialled_number="", created_at=now, last_seq=1, offers_made="")
            insert("messages", conversation_id=conv, seq=1, kind="inbound", channel="sms", body=f"hello {i}",
                   created_at=now, attachments="[]", external_id=f"e{i}")
            insert("consultation_records", conversation_id=conv, citizen_id=cid, channel="sms", category="x",
                   summary="s", resolution="solved", wait_s=0, handle_s=0, closed_at=now)
            citizens.append(cid)
        insert("citizen_identities", citizen_id=citizens[1], kind="email", value="a@b.kr")
        insert("cases", number="2026-000001", case_type_id=ctype, department_id=dept, organisation_id=org,
               citizen_id=citizens[2], status="open", priority="normal", title="t", description="", address="",
               district_code="", attributes="{}", media_url="", contact_phone="010-1234-5678", contact_email="",
               source="agent", opened_at=now, updated_at=now, due_at=now, notify_channel="", attachments="[]",
               callback_requested=False, survey_comment="")
    upgrade(old_database)  # → head: 0007 merges
    with engine.connect() as c:
        survivors = c.execute(text("SELECT id, phone, email, sms_opt_out_at FROM citizens ORDER BY id")).all()
        assert [r.id for r in survivors] == [citizens[0], citizens[3]]
        kept = survivors[0]
        assert kept.phone == "+821012345678" and kept.email == "a@b.kr" and kept.sms_opt_out_at is not None
        phones = c.execute(text("SELECT citizen_id, value FROM citizen_identities WHERE kind = 'phone' ORDER BY value"
                                )).all()
        assert [tuple(p) for p in phones] == [(citizens[0], "+821012345678"), (citizens[3], "+821099990000")]
        assert c.execute(text("SELECT citizen_id FROM citizen_identities WHERE kind = 'email'")).scalar() == kept.id
        owner = c.execute(text("SELECT citizen_id, count(*) FROM conversations GROUP BY citizen_id ORDER BY 1")).all()
        assert [tuple(o) for o in owner] == [(citizens[0], 3), (citizens[3], 1)]
        assert c.execute(select(func.count()).select_from(text("messages"))).scalar() == 4  # nothing lost
        records = c.execute(text("SELECT citizen_id, count(*) FROM consultation_records GROUP BY citizen_id "
                                 "ORDER BY 1")).all()
        assert [tuple(r) for r in records] == [(citizens[0], 3), (citizens[3], 1)]
        assert c.execute(text("SELECT citizen_id FROM cases")).scalar() == kept.id
    engine.dispose()

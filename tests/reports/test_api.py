"""The interval report over the API: KPIs from real consultation records, CSV, errors, access."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from dasan.conversations.actions import do_close_with_record
from dasan.conversations.models import Conversation, Resolution
from dasan.core import clock
from dasan.db.engine import session_scope

from ..conftest import clock_to_local_hour, login
from ..test_conversation_flow import _intake, offer_now


def test_report_counts_answered_abandoned_and_occupancy(client, seeded, app):
    factory = seeded
    clock_to_local_hour("Asia/Seoul", 10)  # the seeded center's zone: all of it on one local day
    answered = _intake(client, factory, ext="r1", phone="010-7000-0001")["conversation_id"]
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    offer_now(app, factory, answered)
    clock.advance(timedelta(seconds=5))
    assert client.post(f"/api/v1/conversations/{answered}/accept", headers=h).status_code == 200
    clock.advance(timedelta(seconds=120))
    r = client.post(f"/api/v1/conversations/{answered}/wrapup", headers=h,
                    json={"category": "교통", "summary": "안내 완료", "resolution": "solved"})
    assert r.status_code == 200, r.text
    client.post("/api/v1/agent/presence", json={"presence": "break"}, headers=h)
    gave_up = _intake(client, factory, ext="r2", phone="010-7000-0002")["conversation_id"]
    clock.advance(timedelta(seconds=40))
    with session_scope(factory) as s:
        do_close_with_record(session=s, conv=s.get(Conversation, gave_up), agent=None, category="미분류",
                             summary="left", resolution=Resolution.ABANDONED)

    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    rep = client.get("/api/v1/reports/intervals").json()
    t = rep["totals"]
    assert (t["offered"], t["answered"], t["answered_in_t"], t["abandoned"]) == (2, 1, 1, 1)
    assert t["service_level"] == 0.5 and t["answer_rate"] == 0.5 and t["abandon_rate"] == 0.5
    assert 4 <= t["asa_s"] <= 7 and 115 <= t["aht_s"] <= 130
    # agent1 was staffed from becoming available until the break and held the contact ~120 s of it.
    assert t["occupancy"] is not None and 0.8 <= t["occupancy"] <= 1.0
    assert len(rep["intervals"]) == 48 and sum(i["offered"] for i in rep["intervals"]) == 2
    one_queue = client.get("/api/v1/reports/intervals?queue=lang-en").json()
    assert one_queue["totals"]["offered"] == 0

    r = client.get("/api/v1/reports/intervals?format=csv&interval_min=60")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 25 and rows[-1]["start"] == "total" and rows[-1]["offered"] == "2"


def test_bad_report_queries_get_clear_errors_and_agents_are_refused(client, seeded):
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    r = client.get("/api/v1/reports/intervals?interval_min=7", headers=h)
    assert r.status_code == 422 and r.json()["error"] == "bad_interval"
    r = client.get("/api/v1/reports/intervals?queue=nope", headers=h)
    assert r.status_code == 404 and "nope" in r.json()["message"]
    r = client.get("/api/v1/reports/intervals?day=2026-13-01", headers=h)
    assert r.status_code == 422
    client.cookies.clear()
    login(client, "agent1")
    assert client.get("/api/v1/reports/intervals").status_code == 403

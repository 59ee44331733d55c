"""Agents see a citizen's personal identifiers only in the contact they handle: in the citizen's
past records they are masked; supervisors see them whole. An agent opens the history only of a
citizen they serve."""

from __future__ import annotations

from sqlalchemy import select

from dasan.conversations.models import Conversation
from dasan.db.engine import session_scope
from dasan.orgs.models import User

from .conftest import login
from .test_conversation_flow import _intake, offer_now


def test_past_records_mask_identifiers_for_agents_not_for_supervisors(client, seeded, app):
    factory = seeded
    conv_id = _intake(client, factory, text="회신 부탁드립니다", ext="pa-1", phone="010-5555-0901")["conversation_id"]
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    offer_now(app, factory, conv_id)
    assert client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).status_code == 200
    summary = "회신 번호 010-2345-6789, 주민번호 900101-1234568 확인"
    r = client.post(f"/api/v1/conversations/{conv_id}/wrapup", headers=h,
                    json={"category": "기타", "summary": summary, "resolution": "solved"})
    assert r.status_code == 200
    citizen_id = client.get(f"/api/v1/conversations/{conv_id}").json()["citizen_id"]
    # The same citizen writes again; agent2 is offered the new contact and opens the history.
    again = _intake(client, factory, text="지난번 문의 관련", ext="pa-2", phone="010-5555-0901")["conversation_id"]
    login(client, "agent2")
    assert client.get(f"/api/v1/citizens/{citizen_id}/history").status_code == 404  # not serving them yet
    with session_scope(factory) as s:
        s.get_one(Conversation, again).offered_to_id = s.scalar(select(User.id).where(User.username == "agent2"))
    seen = client.get(f"/api/v1/citizens/{citizen_id}/history").json()["records"][0]["summary"]
    assert "2345-6789" not in seen and "900101" not in seen and seen.startswith("회신 번호 ")
    login(client, "supervisor1")
    assert client.get(f"/api/v1/citizens/{citizen_id}/history").json()["records"][0]["summary"] == summary

"""Happy-calls for every kind of contact (M14): the configured share of closed contacts is
surveyed on their channel, once each; a score of 1–2 opens a catch-call with a deadline."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dasan.conversations.actions import do_close_with_record, do_get_or_create_citizen, do_start_conversation
from dasan.conversations.models import Conversation, Message, Resolution
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.outbox.models import OutboxItem
from dasan.quality import actions, core
from dasan.quality.models import CatchCall, ContactSurvey
from tests.conftest import login


@settings(max_examples=40, deadline=None)
@given(share=st.floats(0.01, 0.99), seed=st.integers(0, 2**32 - 1))
def test_the_running_share_stays_within_two_points_over_a_thousand_contacts(share, seed):
    rng = random.Random(seed)
    sampled = 0
    for considered in range(1000):
        p = core.chance(share, considered, sampled)
        assert 0.0 <= p <= 1.0
        sampled += rng.random() < p
    assert abs(sampled / 1000 - share) <= 0.02


def test_a_share_of_none_or_all_is_exact():
    assert core.chance(0.0, 10, 0) == 0.0 and core.chance(1.0, 10, 10) == 1.0


def _close(s, channel: str, i: int, *, resolution=Resolution.SOLVED) -> Conversation:
    kind, value = {"sms": ("phone", f"+8210{5500_0000 + i}"), "voice": ("phone", f"+8210{6600_0000 + i}"),
                   "webchat": ("webchat", f"visitor-{i}")}[channel]
    citizen = do_get_or_create_citizen(session=s, kind=kind, value=value)
    conv = do_start_conversation(session=s, citizen=citizen, channel=channel)
    do_close_with_record(session=s, conv=conv, agent=None, category="교통", summary="안내", resolution=resolution)
    return conv


def _set_share(client, share: float, hours: int = 24) -> None:
    h = {"X-CSRF-Token": login(client, "admin")}
    r = client.put("/api/v1/quality/happy-call", json={"share": share, "catch_call_hours": hours}, headers=h)
    assert r.status_code == 200 and r.json()["share"] == share


def test_the_configured_share_of_a_thousand_closed_contacts_is_surveyed_once_each(client, seeded, factory):
    _set_share(client, 0.3)
    channels = ["voice", "voice", "sms", "webchat"]
    with session_scope(factory) as s:
        for i in range(1000):
            _close(s, channels[i % 4], i)
    with factory() as s:
        surveys = s.scalar(select(func.count()).select_from(ContactSurvey))
        contacts = s.scalar(select(func.count(func.distinct(ContactSurvey.conversation_id))))
        by_channel = dict(s.execute(select(ContactSurvey.channel, func.count()).group_by(ContactSurvey.channel)).all())
        policy = actions.policy(s)
    print(f"happy-call share over 1,000 closed contacts: {surveys / 1000:.3f} (configured 0.300)")
    assert abs(surveys / 1000 - 0.3) <= 0.02
    assert contacts == surveys  # nobody surveyed twice for one contact
    assert set(by_channel) == {"voice", "sms", "webchat"}
    assert (policy.considered, policy.sampled) == (1000, surveys)


def test_a_contact_is_never_surveyed_twice_and_abandoned_ones_never(client, seeded, factory):
    _set_share(client, 1.0)
    with session_scope(factory) as s:
        conv = _close(s, "webchat", 1)
        record = conv.id
    with session_scope(factory) as s:
        from dasan.conversations.models import ConsultationRecord

        rec = s.scalar(select(ConsultationRecord).where(ConsultationRecord.conversation_id == record))
        assert actions.on_close(s, s.get_one(Conversation, record), rec) is None  # asked once already
        gone = _close(s, "sms", 2, resolution=Resolution.ABANDONED)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(ContactSurvey)) == 1
        assert s.scalar(select(ContactSurvey).where(ContactSurvey.conversation_id == gone.id)) is None


def test_a_call_is_surveyed_by_sms_to_the_caller_and_a_chat_in_its_own_thread(client, seeded, factory):
    _set_share(client, 1.0)
    with session_scope(factory) as s:
        call = _close(s, "voice", 7).id
        chat = _close(s, "webchat", 8).id
    with factory() as s:
        survey = s.scalar(select(ContactSurvey).where(ContactSurvey.conversation_id == call))
        thread = s.get_one(Conversation, survey.sent_via)
        assert thread.channel == "sms" and thread.id != call
        item = s.scalar(select(OutboxItem).where(OutboxItem.conversation_id == thread.id))
        assert item.recipient == "+821066000007" and f"/survey/{survey.token}" in item.body
        chat_survey = s.scalar(select(ContactSurvey).where(ContactSurvey.conversation_id == chat))
        assert chat_survey.sent_via == chat
        last = s.scalar(select(Message).where(Message.conversation_id == chat).order_by(Message.seq.desc()))
        assert f"/survey/{chat_survey.token}" in last.body and "1~5" in last.body


def _link_of(factory, conv_id: int) -> str:
    with factory() as s:
        return "/survey/" + s.scalar(select(ContactSurvey.token).where(ContactSurvey.conversation_id == conv_id))


def test_a_low_score_opens_a_catch_call_with_its_deadline_and_a_good_one_does_not(client, seeded, factory):
    _set_share(client, 1.0, hours=8)
    with session_scope(factory) as s:
        low, high = _close(s, "webchat", 1).id, _close(s, "sms", 2).id
    link = _link_of(factory, low)
    page = client.get(link)
    assert page.status_code == 200 and 'id="survey-form"' in page.text
    answered = client.post(link, data={"score": "2", "comment": "기다림이 길었어요"})
    assert 'id="survey-done"' in answered.text
    again = client.post(link, data={"score": "5"})
    assert 'id="survey-error"' in again.text  # once only
    client.post(_link_of(factory, high), data={"score": "4"})
    with factory() as s:
        calls = list(s.scalars(select(CatchCall)))
        survey = s.scalar(select(ContactSurvey).where(ContactSurvey.conversation_id == low))
    assert [c.conversation_id for c in calls] == [low] and survey.score == 2
    assert calls[0].due_at - survey.answered_at == timedelta(hours=8)
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    listed = client.get("/api/v1/quality/catch-calls", headers=h).json()
    assert [(c["conversation_id"], c["score"], c["comment"]) for c in listed] == [(low, 2, "기다림이 길었어요")]
    assert client.post(f"/api/v1/quality/catch-calls/{listed[0]['id']}/done", json={"note": ""},
                       headers=h).status_code == 422
    done = client.post(f"/api/v1/quality/catch-calls/{listed[0]['id']}/done", json={"note": "사과드리고 재안내"},
                       headers=h)
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.get("/api/v1/quality/catch-calls", headers=h).json() == []


def test_an_expired_or_unknown_link_answers_nothing(client, seeded, factory):
    _set_share(client, 1.0)
    with session_scope(factory) as s:
        conv = _close(s, "webchat", 1).id
    link = _link_of(factory, conv)
    clock.advance(timedelta(days=3, minutes=1))
    assert 'id="survey-error"' in client.post(link, data={"score": "1"}).text
    assert 'id="survey-error"' in client.get("/survey/not-a-token").text
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(CatchCall)) == 0
        assert s.scalar(select(ContactSurvey.score)) is None


def test_only_an_admin_sets_the_share_and_a_bad_one_is_refused(client, seeded):
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    assert client.put("/api/v1/quality/happy-call", json={"share": 0.5, "catch_call_hours": 24},
                      headers=h).status_code == 403
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "admin")}
    assert client.put("/api/v1/quality/happy-call", json={"share": 1.5, "catch_call_hours": 24},
                      headers=h).status_code == 422
    assert client.get("/api/v1/quality/happy-call", headers=h).json()["share"] == 0.0

"""The supervisor sees the city's pulse and the unhappy citizens live: an emerging issue appears
(with a toast and its suggested article) as the records of a surge close, and becomes a bot
notice; a citizen scores a happy-call 1 on its page and the catch-call appears, is noted and done."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dasan.conversations.models import Citizen, ConsultationRecord, Conversation, Message
from dasan.core import clock
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.quality.models import ContactSurvey

from ..conftest import settings_from_env, wait_until_ready
from ..trends.test_live import EVERYDAY as EVERYDAY_WITH_CATEGORY
from ..trends.test_live import OUTAGE
from .test_chat_flow import log_in

EVERYDAY = [text for text, _category in EVERYDAY_WITH_CATEGORY]


def _record(s, citizen_id: int, at, said: str) -> int:
    conv = Conversation(citizen_id=citizen_id, channel="webchat", status="closed", created_at=at - timedelta(minutes=3),
                        closed_at=at, last_seq=1)
    s.add(conv)
    s.flush()
    s.add(Message(conversation_id=conv.id, seq=1, kind="inbound", body=said, channel="webchat"))
    s.add(ConsultationRecord(conversation_id=conv.id, citizen_id=citizen_id, channel="webchat", category="",
                             summary="안내함", resolution="solved", closed_at=at))
    return conv.id


@pytest.mark.browser
def test_an_emerging_issue_and_a_catch_call_reach_the_supervisor_live(browser, server_env, servers):
    db = make_sessionmaker(make_engine(settings_from_env(server_env)))
    now = clock.now()
    with session_scope(db) as s:  # three ordinary days behind the center
        citizen = Citizen(display_name="시민")
        s.add(citizen)
        s.flush()
        for d in (3, 2, 1):
            for i in range(240):
                _record(s, citizen.id, now - timedelta(days=d, minutes=3 * i), EVERYDAY[i % len(EVERYDAY)])
        unhappy = _record(s, citizen.id, now - timedelta(hours=1), "민원 처리가 너무 늦어요")
        token = secrets.token_urlsafe(16)
        s.add(ContactSurvey(conversation_id=unhappy, citizen_id=citizen.id, channel="webchat", token=token,
                            sent_at=now, expires_at=now + timedelta(days=3), comment=""))
        citizen_id = citizen.id
    base = servers({**server_env, "DASAN_TRENDS_INTERVAL_S": "1", "DASAN_KB_WARMUP": "true"}).url
    wait_until_ready(base)  # the knowledge index that suggests the article is built
    board = browser.new_context(locale="ko-KR").new_page()
    log_in(board, base, "supervisor1")
    expect(board.locator("#trends tbody tr")).to_have_count(0)
    board.wait_for_timeout(2500)  # the detector has read the ordinary days: nothing rises

    with session_scope(db) as s:  # a water outage: a dozen contacts in twenty minutes
        for i in range(12):
            _record(s, citizen_id, clock.now() - timedelta(minutes=22 - 2 * i), OUTAGE[i % 3])
    row = board.locator("#trends tbody tr")
    expect(row).to_have_count(1, timeout=10000)
    expect(row.locator(".label")).to_contain_text("단수")
    expect(row.locator("a")).to_contain_text("단수")  # the knowledge article on outages, suggested
    expect(board.locator(".toast")).to_contain_text("떠오르는 민원")

    # The supervisor gives the bot a notice about it, drafted from the alert, and later ends it.
    row.locator(".notice-draft").click()
    expect(row.locator(".notice-text")).to_contain_text("단수")
    row.locator(".notice-hours").fill("3")
    row.locator(".notice-publish").click()
    notice = board.locator("#notices li")
    expect(notice).to_have_count(1)
    expect(notice.locator(".text")).to_contain_text("단수")
    notice.locator(".notice-end").click()
    expect(board.locator("#notices li")).to_have_count(0)

    survey = browser.new_context(locale="ko-KR").new_page()
    survey.goto(f"{base}/survey/{token}")
    survey.check("input[name=score][value='1']")
    survey.fill("#comment", "답변을 너무 늦게 받았어요")
    survey.click("#survey-send")
    expect(survey.locator("#survey-done")).to_be_visible()

    call = board.locator("#catch-calls tr[data-catch-call]")
    expect(call).to_have_count(1, timeout=5000)
    expect(call.locator(".score")).to_have_text("1")
    expect(call).to_contain_text("답변을 너무 늦게 받았어요")
    expect(board.locator(".toast", has_text="1점")).to_be_visible()
    call.locator("button.done").click()  # a note first
    expect(call).to_have_count(1)
    call.locator("input").fill("사과드리고 처리 일정 재안내")
    call.locator("button.done").click()
    expect(board.locator("#catch-calls tr[data-catch-call]")).to_have_count(0, timeout=5000)

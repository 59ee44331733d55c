"""In the browser: a waiting citizen is offered a callback, leaves a number, closes the chat, and
the agent who gets the contact sees the number to call."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.routing.models import Queue

from ..conftest import settings_from_env
from .test_chat_flow import log_in


def _waiting_citizen(browser, server_env, servers, text: str, after_s: float):
    """A server whose general line offers a callback after `after_s`, and a citizen waiting there
    (browser in Seoul time); returns (server url, citizen page, the offer form once shown)."""
    db = make_sessionmaker(make_engine(settings_from_env(server_env)))
    with session_scope(db) as s:
        s.execute(update(Queue).where(Queue.code == "general").values(callback_after_s=after_s, bot_after_s=None))
    base = servers(server_env).url
    citizen = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul").new_page()
    citizen.goto(f"{base}/chat")
    citizen.fill(".dw-form textarea", text)
    citizen.keyboard.press("Enter")
    offer = citizen.locator(".dw-offers .dw-callback")
    expect(offer).to_be_visible(timeout=5000)
    return base, citizen, offer


@pytest.mark.browser
def test_callback_offer_in_the_widget(browser, server_env, servers):
    base, citizen, offer = _waiting_citizen(browser, server_env, servers, "주민등록등본 발급 문의", 2)
    offer.locator("input[type=tel]").fill("12345")
    offer.locator("button").click()
    expect(citizen.locator(".dw-offer-error")).not_to_be_empty()
    offer.locator("input[type=tel]").fill("010-3456-7890")
    offer.locator("button").click()
    expect(citizen.locator(".dw-offers")).to_be_hidden()
    expect(citizen.locator(".dw-msg.system").last).to_contain_text("010-3456-7890")
    citizen.click(".dw-end:not(.dw-human)")
    citizen.close()

    agent = browser.new_context(locale="ko-KR").new_page()
    log_in(agent, base, "agent1")
    agent.select_option("#presence", "available")
    expect(agent.locator("#offers .offer .callback")).to_contain_text("010-3456-7890")
    agent.locator("#offers .offer button.accept").click()
    expect(agent.locator("#conv-head #callback")).to_contain_text("010-3456-7890")


@pytest.mark.browser
def test_reserved_callback_time_from_the_widget(browser, server_env, servers):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    _, citizen, offer = _waiting_citizen(browser, server_env, servers, "내일 오전에 전화 주세요", 1)
    tomorrow = (datetime.now(ZoneInfo("Asia/Seoul")) + timedelta(days=1)).replace(hour=10, minute=30)
    offer.locator("input[type=tel]").fill("010-4567-8901")
    offer.locator("input.dw-when").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    offer.locator("button").click()
    expect(citizen.locator(".dw-offers")).to_be_hidden()
    # The citizen's local 10:30 (Seoul) is what the centre confirms.
    expect(citizen.locator(".dw-msg.system").last).to_contain_text(f"{tomorrow.day}일 10:30에 010-4567-8901")

"""Keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7; issue 16): a citizen opens the chat, asks, asks for an
agent, reads the answer and ends; an agent logs in, becomes available, accepts, replies and wraps
up — with Tab, Enter, Space, arrows and typing, no mouse and no programmatic fills. Every control
is reached in tab order and shows a visible focus ring; axe-core checks each state on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ..conftest import wait_until_ready
from .conftest import assert_accessible

QUESTION = "외계인 침공에 대비한 서울시 대피 계획이 있나요?"
REPLY = "현재 그런 계획은 없지만 민방위 대피소 위치는 안전디딤돌 앱에서 확인하실 수 있습니다."


def tab_to(page: Page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`; it must show a focus indicator."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement !== null && document.activeElement.matches(s)", selector):
            ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? 'outline' :
                       (s.boxShadow !== 'none' ? 'shadow' : ''); }""")
            assert ring, f"{selector} has no visible focus indicator"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} was not reached with Tab in {limit} presses on {page.url}")


def choose(page: Page, selector: str, value: str) -> None:
    """Pick an option of a focused <select> with the arrow keys."""
    tab_to(page, selector)
    for key in ("Home", *["ArrowDown"] * 12):
        if page.eval_on_selector(selector, "(e) => e.value") == value:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{value} not reachable with the arrow keys in {selector}")


@pytest.mark.browser
def test_citizen_chat_and_agent_desk_without_a_mouse(browser, server_env, servers):
    base = servers({**server_env, "DASAN_BOT_ENABLED": "true", "DASAN_KB_WARMUP": "true"}).url
    wait_until_ready(base)
    errors: list[str] = []

    agent = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 720}).new_page()
    agent.on("pageerror", lambda e: errors.append(str(e)))
    agent.goto(f"{base}/login")
    tab_to(agent, "#username")
    agent.keyboard.type("agent1")
    agent.keyboard.press("Tab")
    agent.keyboard.type("dasan-demo-120")
    agent.keyboard.press("Enter")
    expect(agent).to_have_url(re.compile(r"/agent$"))
    expect(agent.locator("#presence")).to_have_value("offline")  # the agent's state has loaded
    choose(agent, "#presence", "available")
    expect(agent.locator("#presence")).to_have_value("available")
    assert_accessible(agent, "agent available, no contact")

    citizen = browser.new_context(locale="ko-KR").new_page()
    citizen.on("pageerror", lambda e: errors.append(str(e)))
    citizen.goto(f"{base}/chat")
    tab_to(citizen, ".dw-form textarea")
    citizen.keyboard.type(QUESTION)
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-msg.inbound:not(.pending)")).to_have_text(QUESTION)
    expect(citizen.locator(".dw-msg.outbound").first).to_be_visible(timeout=20_000)  # the bot answered
    assert_accessible(citizen, "the bot's answer")
    if not agent.locator("#offers .offer").count():  # the bot offered choices: ask for a person
        tab_to(citizen, ".dw-human")
        citizen.keyboard.press("Enter")
    offer = agent.locator("#offers .offer")
    expect(offer).to_contain_text("외계인", timeout=15_000)
    assert_accessible(agent, "a contact offered")

    tab_to(agent, "#offers .offer button.accept")
    agent.keyboard.press("Enter")
    expect(agent.locator("#transcript .msg.inbound").first).to_contain_text("외계인")
    tab_to(agent, "#reply")
    agent.keyboard.type(REPLY)
    assert agent.eval_on_selector("#reply", "(e) => e.value") == REPLY
    agent.keyboard.press("Enter")
    expect(agent.locator("#transcript .msg.outbound").last).to_contain_text(REPLY)
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text(REPLY)
    assert_accessible(agent, "a live chat")
    assert_accessible(citizen, "talking to an agent")

    # The citizen reads the log from the keyboard (a focusable region) and ends the chat.
    tab_to(citizen, ".dw-list")
    tab_to(citizen, ".dw-end:not(.dw-human)")
    citizen.keyboard.press("Enter")
    expect(agent.locator("#transcript .msg.system").last).to_contain_text("시민이 대화를 종료했습니다")

    # The agent ends the contact and wraps up: category, summary, resolution, save.
    tab_to(agent, "#end-chat")
    agent.keyboard.press("Enter")
    expect(agent.locator("#wrapup-form")).to_be_visible()
    tab_to(agent, "#wrap-category")
    agent.keyboard.type("안전")
    tab_to(agent, "#wrap-summary")
    agent.keyboard.type("민방위 대피소 안내")
    choose(agent, "#wrap-resolution", "solved")
    assert_accessible(agent, "the wrap-up form")
    tab_to(agent, "#wrap-save")
    agent.keyboard.press("Space")
    expect(agent.locator("#history .record").first).to_contain_text("민방위 대피소 안내")
    expect(citizen.locator(".dw-msg.system").last).to_contain_text("상담이 종료되었습니다")
    assert errors == []

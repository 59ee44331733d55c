"""The supervisor's wallboard changes within 2 s when a contact queues, is answered, is abandoned."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_chat_flow import log_in


@pytest.mark.browser
def test_wallboard_follows_queue_answer_and_abandon(browser, server_env, servers):
    base = servers(server_env).url
    board = browser.new_context(locale="ko-KR").new_page()
    log_in(board, base, "supervisor1")
    row = board.locator('#queues tr[data-queue="general"]')
    expect(row.locator(".day-offered")).to_have_text("0")

    citizen = browser.new_context(locale="ko-KR").new_page()
    citizen.goto(f"{base}/chat")
    citizen.fill(".dw-form textarea", "주차 딱지 이의신청은 어떻게 하나요?")
    citizen.keyboard.press("Enter")
    expect(row.locator(".day-offered")).to_have_text("1", timeout=2000)
    expect(row.locator(".waiting")).to_have_text("1", timeout=2000)

    agent = browser.new_context(locale="ko-KR").new_page()
    log_in(agent, base, "agent1")
    agent.select_option("#presence", "available")
    agent.locator("#offers .offer button.accept").click()
    expect(row.locator(".day-answered")).to_have_text("1", timeout=2000)
    expect(row.locator(".day-sl")).to_contain_text("100%", timeout=2000)
    expect(board.locator("#agents-by-state")).to_contain_text("상담 가능 1")

    agent.select_option("#presence", "break")  # the next caller waits, then gives up
    other = browser.new_context(locale="ko-KR").new_page()
    other.goto(f"{base}/chat")
    other.fill(".dw-form textarea", "여보세요")
    other.keyboard.press("Enter")
    expect(other.locator(".dw-msg.inbound:not(.pending)")).to_have_count(1)
    expect(row.locator(".day-offered")).to_have_text("2", timeout=2000)
    other.click(".dw-end:not(.dw-human)")
    expect(row.locator(".day-abandoned")).to_have_text("1", timeout=2000)
    expect(row.locator(".day-sl")).to_contain_text("50%", timeout=2000)

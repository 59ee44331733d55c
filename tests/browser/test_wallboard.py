"""The supervisor's wallboard changes within 2 s when a contact queues, is answered, is abandoned."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import wait_until_ready
from .test_chat_flow import log_in


@pytest.mark.browser
def test_wallboard_follows_queue_answer_and_abandon(browser, server_env, servers):
    # The knowledge index is built before the test starts (the agent desktop searches it): a cold
    # build keeps the process busy for seconds, which is not what this test measures.
    base = servers({**server_env, "DASAN_KB_WARMUP": "true"}).url
    wait_until_ready(base)
    board = browser.new_context(locale="ko-KR").new_page()
    log_in(board, base, "supervisor1")
    row = board.locator('#queues tr[data-queue="general"]')
    expect(row.locator(".day-offered")).to_have_text("0")

    citizen = browser.new_context(locale="ko-KR").new_page()
    citizen.goto(f"{base}/chat")
    citizen.fill(".dw-form textarea", "주차 딱지 이의신청은 어떻게 하나요?")
    citizen.keyboard.press("Enter")
    # The 2 s are the wallboard's, counted from the moment the server has the message (on a busy
    # machine the citizen's own page may take longer than that to send it).
    expect(citizen.locator(".dw-msg.inbound:not(.pending)")).to_have_count(1)
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
    # Nothing happens for a while, yet the longest-wait clock keeps moving: refreshed every second.
    # A wallboard is the visible page on the supervisor's screen (Chromium throttles timers of
    # pages in the background, which the other pages of this test would otherwise make it).
    board.bring_to_front()
    seen = []
    for _ in range(7):
        seen.append(int(row.locator(".longest").inner_text().rstrip("s")))
        board.wait_for_timeout(500)
    changes = sum(1 for a, b in zip(seen, seen[1:], strict=False) if b > a)
    assert changes >= 2, seen  # a 5-second refresh would move it at most once in 3 s
    other.click(".dw-end:not(.dw-human)")
    expect(row.locator(".day-abandoned")).to_have_text("1", timeout=2000)
    expect(row.locator(".day-sl")).to_contain_text("50%", timeout=2000)

    # The interval report of the same day: KPIs, the chart, the table and the CSV of it.
    board.goto(f"{base}/reports")
    expect(board.locator('[data-kpi="answer_rate"] strong')).to_have_text("50%")
    expect(board.locator('[data-kpi="abandon"] strong')).to_have_text("50%")
    expect(board.locator('[data-kpi="sl"] strong')).to_have_text("50%")
    expect(board.locator("#chart svg rect.offered")).to_have_count(48)
    expect(board.locator("#intervals tbody tr td.offered").first).to_have_text("2")
    href = board.locator("#csv").get_attribute("href")
    csv_text = board.request.get(base + href).text()
    assert csv_text.splitlines()[-1].startswith("total,,2,1,")

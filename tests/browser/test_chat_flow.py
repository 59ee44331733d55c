"""Citizen ↔ agent web chat in real browsers, recorded and visible to the supervisor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ..conftest import REDIS_URL, require_service

QUESTION = "대형폐기물 버리는 방법 알려주세요"
REPLY = "구청 누리집에서 대형폐기물 배출 신고 후 수수료를 내고 신고번호를 붙여 내놓으시면 됩니다."
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "dasan-demo-120")
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")


def converse(browser, citizen_base: str, agent_base: str, supervisor_base: str, *, screenshot: bool = False):
    """The acceptance flow; citizen, agent and supervisor may each be on a different server process."""
    citizen = browser.new_context(locale="ko-KR").new_page()
    agent = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 860}).new_page()
    supervisor = browser.new_context(locale="ko-KR").new_page()
    errors: list[str] = []
    agent.on("pageerror", lambda e: errors.append(str(e)))
    citizen.on("pageerror", lambda e: errors.append(str(e)))

    log_in(agent, agent_base, "agent1")
    expect(agent).to_have_url(re.compile(r"/agent$"))
    log_in(supervisor, supervisor_base, "supervisor1")
    expect(supervisor).to_have_url(re.compile(r"/supervisor$"))
    expect(agent.locator("#live")).to_have_class(re.compile("on"))

    citizen.goto(f"{citizen_base}/chat")
    citizen.fill(".dw-form textarea", QUESTION)
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-msg.inbound:not(.pending)")).to_have_text(QUESTION)
    expect(citizen.locator(".dw-status")).to_contain_text("대기 순서 1번째")
    expect(citizen.locator(".dw-status")).to_contain_text("단순 추정")  # the simple estimate says so
    citizen.fill(".dw-form textarea", XSS)
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-msg.inbound:not(.pending)")).to_have_count(2)

    # The supervisor sees the waiting contact live.
    expect(supervisor.locator('#queues tr[data-queue="general"] .waiting')).to_have_text("1")

    agent.select_option("#presence", "available")
    offer = agent.locator("#offers .offer")
    expect(offer).to_contain_text(QUESTION)
    offer.locator("button.accept").click()
    transcript = agent.locator("#transcript")
    expect(transcript.locator(".msg.inbound").first).to_contain_text(QUESTION)
    # The citizen's markup is shown as text and never runs in the agent's browser.
    expect(transcript.locator(".msg.inbound").nth(1).locator(".body")).to_have_text(XSS)
    assert agent.evaluate("window.__xss") is None
    assert transcript.locator("img").count() == 0
    expect(citizen.locator(".dw-status")).to_contain_text("최민준")
    expect(supervisor.locator("#agents tbody tr", has_text="최민준").locator(".contacts")).to_contain_text("상담 중")

    # Knowledge search suggests the bulky-waste article for the question.
    # (the first search builds the index and loads the models)
    expect(agent.locator("#kb-results .article").first).to_contain_text("대형폐기물", timeout=30_000)

    agent.fill("#reply", REPLY)
    agent.click("#send")
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text(REPLY)
    expect(transcript.locator(".msg.outbound")).to_contain_text(REPLY)
    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        agent.screenshot(path=str(ARTIFACTS / "agent-desktop.png"))

    agent.fill("#wrap-category", "청소·폐기물")
    agent.fill("#wrap-summary", "대형폐기물 배출 신고 방법 안내")
    agent.select_option("#wrap-resolution", "solved")
    agent.click("#wrap-save")
    expect(agent.locator("#history .record").first).to_contain_text("대형폐기물 배출 신고 방법 안내")
    expect(citizen.locator(".dw-status")).to_contain_text("상담이 종료되었습니다")
    expect(supervisor.locator("#records tbody tr").first).to_contain_text("대형폐기물 배출 신고 방법 안내")
    expect(supervisor.locator("#records tbody tr").first).to_contain_text("현장 해결")
    assert supervisor.evaluate("window.__xss") is None
    # Writing again after the close starts a new contact, and the widget follows it.
    citizen.fill(".dw-form textarea", "하나 더 여쭤볼게요")
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-msg.inbound:not(.pending)")).to_have_count(3)
    expect(citizen.locator(".dw-status")).to_contain_text("대기 순서 1번째")
    expect(agent.locator("#offers .offer")).to_contain_text("하나 더 여쭤볼게요")
    assert errors == []
    for p in (citizen, agent, supervisor):
        p.context.close()


@pytest.mark.browser
def test_citizen_agent_supervisor_in_the_browser(browser, server_env, servers):
    server = servers(server_env)
    converse(browser, server.url, server.url, server.url, screenshot=True)


@pytest.mark.browser
@pytest.mark.multiprocess
def test_two_processes_share_events_through_redis(browser, server_env, servers, settings):
    if not settings.database_url:
        pytest.skip("two processes need PostgreSQL: this run is on SQLite (the PostgreSQL run covers it)")
    require_service("Redis", "127.0.0.1", 6379)
    env = {**server_env, "DASAN_REDIS_URL": REDIS_URL}
    a = servers(env)
    b = servers(env)
    # Citizen on A, agent on B, supervisor on A: every live update crosses processes.
    converse(browser, a.url, b.url, a.url)

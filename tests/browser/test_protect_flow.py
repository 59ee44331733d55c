"""Protecting an agent in real browsers: a citizen insults the agent in chat, the message is
marked, the agent sends warning 1 and 2, the third step ends the contact, the agent is on a
recovery break and is offered nothing, the supervisor sees the incident live, and the citizen's
next contact goes to the dedicated team's queue with the warning first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_chat_flow import log_in

INSULT = "야 이 병신아 전화를 왜 이렇게 늦게 받아"


@pytest.mark.browser
def test_warnings_end_recovery_break_and_the_supervisor_told(browser, server_env, servers):
    server = servers(server_env)
    base = server.url
    citizen = browser.new_context(locale="ko-KR").new_page()
    agent = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 860}).new_page()
    supervisor = browser.new_context(locale="ko-KR").new_page()
    errors: list[str] = []
    agent.on("pageerror", lambda e: errors.append(str(e)))
    citizen.on("pageerror", lambda e: errors.append(str(e)))
    supervisor.on("pageerror", lambda e: errors.append(str(e)))
    log_in(agent, base, "agent1")
    log_in(supervisor, base, "supervisor1")
    expect(supervisor).to_have_url(re.compile(r"/supervisor$"))
    # The center's policy for this test: one contact ended for abuse makes a repeat offender.
    admin = browser.new_context(locale="ko-KR").new_page()
    log_in(admin, base, "admin")
    admin.on("pageerror", lambda e: errors.append(str(e)))
    status = admin.evaluate("""async () => (await fetch('/api/v1/protect/policies/*', {method: 'PUT',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.body.dataset.csrf},
        body: JSON.stringify({offender_incidents: 1, offender_queue: 'protect'})})).status""")
    assert status == 200

    citizen.goto(f"{base}/chat")
    expect(citizen.locator(".dw-notice")).to_contain_text("법으로 금지")  # the notice opens the chat
    citizen.fill(".dw-form textarea", "대형폐기물 문의드립니다")
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-msg.inbound:not(.pending)")).to_have_count(1)
    agent.select_option("#presence", "available")
    agent.locator("#offers .offer button.accept").click()
    expect(citizen.locator(".dw-status")).to_contain_text("최민준")

    citizen.fill(".dw-form textarea", INSULT)
    citizen.keyboard.press("Enter")
    flagged = agent.locator("#transcript .msg.inbound.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged.locator(".abuse")).to_contain_text("모욕")
    expect(agent.locator("#transcript .msg.inbound").first).not_to_have_class(re.compile("flagged"))

    agent.click("#warn")
    expect(agent.locator("#protect-status")).to_contain_text("1차 경고")
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text("상담사에 대한 욕설")
    agent.click("#warn")
    expect(agent.locator("#protect-status")).to_contain_text("2차 경고")
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text("두 번째 안내")
    agent.click("#warn")
    expect(agent.locator("#protect-status")).to_contain_text("회복 휴식")
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text("상담을 종료합니다")
    expect(agent.locator("#wrapup-form")).to_be_visible()  # the record still to write

    # The supervisor sees the incident live, and the agent on a recovery break.
    row = supervisor.locator("#incidents tbody tr").first
    expect(row).to_contain_text("최민준")
    expect(row).to_contain_text("모욕")
    expect(supervisor.locator("#agents tbody tr", has_text="최민준")).to_contain_text(re.compile("휴식|break"))

    # A new contact is not offered to the agent on the break.
    other = browser.new_context(locale="ko-KR").new_page()
    other.goto(f"{base}/chat")
    other.fill(".dw-form textarea", "여권 재발급 문의")
    other.keyboard.press("Enter")
    expect(other.locator(".dw-status")).to_contain_text("대기 순서")
    agent.wait_for_timeout(1500)
    expect(agent.locator("#offers .offer")).to_have_count(0)

    # The citizen, now a repeat offender, comes back: the warning first, the dedicated team's queue.
    offender = supervisor.locator("#offenders tbody tr").first
    expect(offender.locator(".count")).to_have_text("1")
    expect(offender.locator("button.lift")).to_be_visible()
    citizen.fill(".dw-form textarea", "다시 문의드립니다")
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-msg.outbound", has_text="이전 상담에서 욕설")).to_have_count(1)
    expect(supervisor.locator("#queues tr[data-queue=protect] .waiting")).to_have_text("1")
    # The day's protection report on /reports.
    supervisor.goto(f"{base}/reports")
    today = supervisor.locator("#protect-rows tbody tr[data-channel=all]").last
    expect(today.locator(".ends")).to_have_text("1")
    expect(today.locator(".warnings")).to_have_text("2")
    expect(today.locator(".new_offenders")).to_have_text("1")
    expect(supervisor.locator("#protect-csv")).to_have_attribute("href", re.compile(r"format=csv"))
    # The admin finds every protection step in the audit log, and exports the same query.
    admin.goto(f"{base}/admin/audit")
    admin.fill("#audit-action", "protect.")
    admin.click("#audit-form button[type=submit]")
    expect(admin.locator("#audit tbody tr .action", has_text="protect.restrict")).to_have_count(1)
    expect(admin.locator("#audit tbody tr .action", has_text="protect.policy")).to_have_count(1)
    expect(admin.locator("#audit tbody tr .action", has_text="login")).to_have_count(0)
    expect(admin.locator("#audit-csv")).to_have_attribute("href", re.compile(r"action=protect\.&format=csv"))
    assert errors == []
    for p in (citizen, agent, supervisor, other, admin):
        p.context.close()

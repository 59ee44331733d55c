"""The administration console in a real browser: an admin creates a department with a legacy
number, a skill, a queue for it and an agent with that skill — a chat from the department's page
is offered to that agent —, creates a channel token (shown once) and revokes it — the intake then
refuses it — and finds every change in the audit log."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from .test_chat_flow import log_in


@pytest.mark.browser
def test_an_admin_sets_up_a_department_queue_agent_and_revokes_a_token(browser, server_env, servers):
    server = servers(server_env)
    base = server.url
    page = browser.new_context(locale="ko-KR").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "admin")
    page.click("nav a[href='/admin']")
    expect(page.locator("#departments tbody tr").first).to_be_visible()

    page.fill("#department-form [name=code]", "noise")
    page.fill("#department-form [name=name]", "소음관리과")
    page.click("#department-form button[type=submit]")
    expect(page.locator("#departments tr[data-code=noise]")).to_contain_text("소음관리과")
    page.select_option("#line-department", label="소음관리과 (noise)")
    page.fill("#line-form [name=number]", "02-2133-9999")
    page.click("#line-form button[type=submit]")
    expect(page.locator("#departments tr[data-code=noise] .lines")).to_have_text("02-2133-9999")
    page.fill("#line-form [name=number]", "02-2133-9999")  # the same number again: refused, and said why
    page.click("#line-form button[type=submit]")
    expect(page.locator("#admin-status")).to_contain_text("already")

    page.fill("#skill-form [name=code]", "noise")
    page.fill("#skill-form [name=name]", "소음")
    page.click("#skill-form button[type=submit]")
    expect(page.locator("#queue-skill option[value=noise]")).to_have_count(1)
    page.fill("#queue-form [name=code]", "noise")
    page.fill("#queue-form [name=name]", "소음 상담")
    page.select_option("#queue-skill", "noise")
    page.click("#queue-form button[type=submit]")
    expect(page.locator("#queues tr[data-code=noise]")).to_contain_text("noise")
    page.fill("#user-form [name=username]", "agent-noise")
    page.fill("#user-form [name=display_name]", "소음 담당")
    page.fill("#user-form [name=password]", "noise-agent-1")
    page.select_option("#user-skill", "noise")
    page.fill("#user-form [name=level]", "5")
    page.click("#user-form button[type=submit]")
    expect(page.locator("#users tr[data-username=agent-noise]")).to_contain_text("noise 5")

    # A chat from the department's page waits in its line and is offered to the new agent.
    agent = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 860}).new_page()
    agent.on("pageerror", lambda e: errors.append(str(e)))
    agent.goto(f"{base}/login")
    agent.fill("#username", "agent-noise")
    agent.fill("#password", "noise-agent-1")
    agent.click("#login-submit")
    agent.wait_for_load_state("networkidle")
    agent.select_option("#presence", "available")
    citizen = browser.new_context(locale="ko-KR").new_page()
    citizen.goto(f"{base}/chat?line=noise")
    citizen.fill(".dw-form textarea", "윗집 층간소음 때문에 잠을 못 자요")
    citizen.keyboard.press("Enter")
    expect(agent.locator("#offers .offer")).to_have_count(1)
    agent.locator("#offers .offer button.accept").click()
    expect(citizen.locator(".dw-status")).to_contain_text("소음 담당")

    page.fill("#token-form [name=channel]", "sns-line")
    page.click("#token-form button[type=submit]")
    expect(page.locator("#token-once")).to_be_visible()
    token = page.locator("#token-value").text_content()
    body = {"channel": "sns-line", "external_id": "adm-1", "sender": {"phone": "010-5555-1101"}, "text": "문의",
            "sent_at": "2026-12-07T10:00:00+09:00"}
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{base}/api/v1/intake/messages", json=body, headers=bearer).status_code == 202
    page.locator("#tokens tbody tr").first.locator("button.revoke").click()
    expect(page.locator("#tokens tbody tr").first).to_have_class("revoked")
    body["external_id"] = "adm-2"
    assert httpx.post(f"{base}/api/v1/intake/messages", json=body, headers=bearer).status_code == 401

    page.goto(f"{base}/admin/audit")
    page.fill("#audit-action", "admin.")
    page.click("#audit-form button[type=submit]")
    for action in ("admin.department.create", "admin.line.add", "admin.skill.create", "admin.queue.create",
                   "admin.user.create", "admin.token.create", "admin.token.revoke"):
        expect(page.locator("#audit tbody .action", has_text=action)).to_have_count(1)
    assert errors == []
    for p in (page, agent, citizen):
        p.context.close()

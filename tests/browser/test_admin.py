"""The administration console in a real browser: an admin creates a department with a legacy
number, a skill, a queue for it and an agent with that skill — a chat from the department's page
is offered to that agent —, creates a channel token (shown once) and revokes it — the intake then
refuses it — and finds every change in the audit log."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible
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

    page.fill("#organisation-form [name=code]", "seoul-water")
    page.fill("#organisation-form [name=name]", "서울아리수본부")
    page.select_option("#organisation-form [name=kind]", "agency")
    page.select_option("#organisation-parent", index=1)
    page.click("#organisation-form button[type=submit]")
    expect(page.locator("#department-org option[value=seoul-water]")).to_have_count(1)

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
    page.fill("#queue-form [name=callback_after_s]", "90")
    page.click("#queue-form button[type=submit]")
    expect(page.locator("#queues tr[data-code=noise]")).to_contain_text("noise")
    expect(page.locator("#queues tr[data-code=noise] .rules")).to_contain_text("90")
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
    # The admin chose that password: the agent chooses their own first.
    expect(agent).to_have_url(f"{base}/me")
    expect(agent.locator("#must-change")).to_be_visible()
    assert_accessible(agent, "first login: choose your own password")
    agent.fill("#pw-current", "noise-agent-1")
    agent.fill("#pw-new", "qwerty123456")  # long enough, but among the most common passwords
    agent.fill("#pw-repeat", "qwerty123456")
    agent.click("#pw-save")
    expect(agent.locator("#pw-status")).to_have_text(
        "너무 쉽게 추측할 수 있는 비밀번호입니다. 서로 관계없는 단어 몇 개를 이어 쓰세요.")
    agent.fill("#pw-new", "my-own-noise-9")
    agent.fill("#pw-repeat", "my-own-noise-9")
    agent.click("#pw-save")
    expect(agent).to_have_url(f"{base}/agent", timeout=10_000)
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

    # Changing an existing user: their skills, and a new password shown once.
    page.select_option("#edit-user", label="agent7 (임도현)")
    expect(page.locator("#edit-skills")).to_have_value("ko:5")
    page.fill("#edit-skills", "ko:5, tax:4")
    page.click("#edit-user-form button[type=submit]")
    expect(page.locator("#users tr[data-username=agent7]")).to_contain_text("tax 4")
    page.click("#edit-reset")
    expect(page.locator("#password-once")).to_be_visible()
    assert len(page.locator("#password-value").text_content() or "") >= 12

    # An Open311 client's key and a social platform's webhook, each secret shown once.
    page.fill("#open311-form [name=name]", "seoul-app")
    page.click("#open311-form button[type=submit]")
    expect(page.locator("#tokens tbody tr", has_text="open311:seoul-app")).to_have_count(1)
    page.fill("#webhook-form [name=platform]", "line")
    page.click("#webhook-form button[type=submit]")
    expect(page.locator("#secret-once")).to_be_visible()
    assert len(page.locator("#secret-value").text_content() or "") >= 32
    page.locator("#webhooks tr[data-platform=line] button.remove").click()
    expect(page.locator("#webhooks tr[data-platform=line]")).to_have_count(0)

    # Users in bulk from a CSV: the refused row is reported with its reason, the made password once.
    page.select_option("#import-kind", "users")
    page.set_input_files("#import-file", files=[{"name": "users.csv", "mimeType": "text/csv", "buffer":
                         "username,display_name,role,department\nofficial-noise,소음 주무관,official,noise\n"
                         "agent-x,엑스,pilot,\n".encode()}])
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-summary")).to_be_visible()
    expect(page.locator("#import-rejected tbody tr")).to_have_count(1)
    expect(page.locator("#import-rejected tbody tr td").first).to_have_text("3")
    expect(page.locator("#import-passwords li")).to_contain_text("official-noise")
    expect(page.locator("#users tr[data-username=official-noise]")).to_have_count(1)
    assert_accessible(page, "the import's report")

    # A case type for the new department with its deadline, and the office's closing time (deadlines
    # fall due at it).
    page.fill("#case-type-form [name=code]", "noise-report")
    page.fill("#case-type-form [name=name]", "층간소음 신고")
    page.select_option("#case-type-department", "noise")
    page.fill("#case-type-form [name=working_days]", "2")
    page.click("#case-type-form button[type=submit]")
    expect(page.locator("#case-types tr[data-code=noise-report] .days")).to_have_text("2")
    expect(page.locator("#center-close")).to_have_value("18:00")
    page.fill("#center-close", "17:30")
    page.click("#center-form button[type=submit]")
    expect(page.locator("#admin-status")).not_to_be_empty()
    page.fill("#closed-form [name=day]", "2027-03-09")
    page.fill("#closed-form [name=why]", "센터 이전")
    page.click("#closed-form button[type=submit]")
    expect(page.locator("#closed-days li[data-day='2027-03-09']")).to_contain_text("센터 이전")
    page.reload()
    expect(page.locator("#center-close")).to_have_value("17:30")
    expect(page.locator("#closed-days li")).to_have_count(1)

    # Protecting agents on SMS: a longer recovery break, threats end at once.
    expect(page.locator("#protect-form[data-channel='*']")).to_have_count(1)
    page.select_option("#protect-channel", "sms")
    expect(page.locator("#protect-form[data-channel=sms]")).to_have_count(1)  # its rules are loaded
    page.fill("#protect-break", "15")
    page.check("#protect-form input[name=one_strike][value=threat]")
    page.click("#protect-form button[type=submit]")
    expect(page.locator("#admin-status")).to_have_text("저장했습니다")
    page.reload()
    expect(page.locator("#protect-form[data-channel='*']")).to_have_count(1)
    page.select_option("#protect-channel", "sms")
    expect(page.locator("#protect-form[data-channel=sms]")).to_have_count(1)
    expect(page.locator("#protect-break")).to_have_value("15")
    expect(page.locator("#protect-form input[name=one_strike][value=threat]")).to_be_checked()
    assert_accessible(page, "the admin console, filled in")

    page.goto(f"{base}/admin/audit")
    page.fill("#audit-action", "admin.")
    page.click("#audit-form button[type=submit]")
    for action in ("admin.department.create", "admin.line.add", "admin.skill.create", "admin.queue.create",
                   "admin.user.create", "admin.token.create", "admin.token.revoke", "admin.case_type.create",
                   "admin.center.update", "admin.open311_key.create", "admin.webhook.create", "admin.webhook.remove",
                   "admin.import", "admin.organisation.create", "admin.agent.skills", "admin.user.reset_password"):
        expect(page.locator("#audit tbody .action", has_text=action).first).to_be_visible()
    page.fill("#audit-action", "protect.policy")
    page.click("#audit-form button[type=submit]")
    expect(page.locator("#audit tbody .action", has_text="protect.policy")).to_have_count(1)
    assert_accessible(page, "the audit log, searched")
    assert errors == []
    for p in (page, agent, citizen):
        p.context.close()

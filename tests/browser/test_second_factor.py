"""The second factor in a real browser (issue 18): an admin whose grace period is over reaches only
their own page, sets up an authenticator app there (the code computed here from the key the page
shows), keeps the recovery codes, reaches the admin pages, and logs in again in two steps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible


@pytest.mark.browser
def test_an_admin_enrols_an_authenticator_app_and_logs_in_with_its_code(browser, server_env, servers):
    # No grace period on this server: the admin must set up the second factor at once.
    base = servers({**server_env, "DASAN_SECOND_FACTOR_GRACE_DAYS": "0"}).url
    page = browser.new_context(locale="ko-KR").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", "dasan-demo-120")
    page.click("#login-submit")
    expect(page).to_have_url(f"{base}/me")
    expect(page.locator("#factor-state")).to_contain_text("설정해야 다른 화면을 쓸 수 있습니다")
    page.goto(f"{base}/admin")
    expect(page).to_have_url(f"{base}/me")  # the admin pages wait for the second factor

    page.click("#factor-start")
    expect(page.locator("#factor-qr")).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    secret = page.locator("#factor-secret").text_content() or ""
    assert len(secret) >= 32
    assert_accessible(page, "setting up an authenticator app")
    page.fill("#factor-code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("#factor-confirm")
    expect(page.locator("#factor-status")).to_contain_text("코드가 맞지 않습니다")
    page.fill("#factor-code", pyotp.TOTP(secret).now())
    page.click("#factor-confirm")
    expect(page.locator("#factor-code-list li")).to_have_count(10)
    expect(page.locator("#factor-state")).to_contain_text("켜져 있습니다")
    assert_accessible(page, "recovery codes shown once")
    recovery = page.locator("#factor-code-list li").first.text_content() or ""

    page.goto(f"{base}/admin")
    expect(page).to_have_url(f"{base}/admin")
    expect(page.locator("#departments tbody tr").first).to_be_visible()

    # Log out and in again: the password, then the code (the next step's, so never a used one)
    page.click("#logout")
    expect(page).to_have_url(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", "dasan-demo-120")
    page.click("#login-submit")
    expect(page.locator("#code")).to_be_focused()
    assert_accessible(page, "login: the second factor's code")
    page.fill("#code", "12345")
    page.click("#code-submit")
    expect(page.locator("#code-wrong")).to_be_visible()
    totp = pyotp.TOTP(secret)
    page.fill("#code", totp.at(datetime.now(UTC) + timedelta(seconds=30)))
    page.click("#code-submit")
    expect(page).to_have_url(f"{base}/supervisor")
    # and a recovery code stands in for a lost phone, once
    page.click("#logout")
    expect(page).to_have_url(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", "dasan-demo-120")
    page.click("#login-submit")
    page.fill("#code", recovery)
    page.click("#code-submit")
    expect(page).to_have_url(f"{base}/supervisor")
    assert errors == []

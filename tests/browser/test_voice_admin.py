"""The voice admin page in a real browser: a menu with a mistake is refused with the reason, a
number is pointed at a menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_chat_flow import log_in


@pytest.mark.browser
def test_an_admin_edits_menus_and_numbers_in_the_browser(browser, server_env, servers):
    base = servers(server_env).url
    page = browser.new_context(locale="en-US").new_page()
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/voice")
    expect(page.locator("#numbers tbody tr").first).to_be_visible()
    expect(page.locator("#numbers")).to_contain_text("120")
    menu = page.locator("#menus details").filter(has_text="main").first
    menu.locator("summary").click()
    area = menu.locator("textarea")
    area.fill(area.input_value().replace('"queue": "general"', '"queue": "nowhere"', 1))
    menu.locator("button").click()
    expect(page.locator("#voice-status")).to_contain_text("unknown queue 'nowhere'")
    page.fill("#number-value", "02-120-9999")
    page.select_option("#number-menu", "main")
    page.click("#number-form button[type=submit]")
    expect(page.locator("#numbers")).to_contain_text("021209999")

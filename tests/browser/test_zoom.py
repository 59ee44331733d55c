"""Zoom and reflow (WCAG 1.4.4, 1.4.10; issue 16): at 200 % zoom of a 1280-pixel screen (a
640-pixel viewport) staff pages, and at 400 % (320 pixels) the citizen's pages, need no
horizontal scrolling for their text; axe-core checks each page at that size."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_chat_flow import log_in

CITIZEN_PAGES = ["/chat", "/chat?lang=vi", "/cases/lookup", "/login"]
STAFF_PAGES = {"agent1": ["/agent", "/me"], "supervisor1": ["/supervisor", "/reports", "/privacy"],
               "official-recycling": ["/cases", "/kb"], "admin": ["/admin", "/admin/audit"]}


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scrolling)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


@pytest.mark.browser
def test_pages_reflow_at_200_and_400_percent(browser, server_env, servers):
    base = servers(server_env).url
    wide: list[str] = []
    citizen = browser.new_context(locale="ko-KR", viewport={"width": 320, "height": 640}).new_page()
    for path in CITIZEN_PAGES:
        citizen.goto(base + path)
        citizen.wait_for_load_state("networkidle")
        assert citizen.url == base + path
        if overflow(citizen):
            wide.append(f"{path} at 320 px: {overflow(citizen)} px too wide")
        assert_accessible(citizen, f"{path} at 320 px")
    citizen.goto(base + "/chat")
    expect(citizen.locator(".dw-form textarea")).to_be_visible()
    for user, paths in STAFF_PAGES.items():
        page = browser.new_context(locale="ko-KR", viewport={"width": 640, "height": 720}).new_page()
        log_in(page, base, user)
        for path in paths:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            assert page.url == base + path, f"{user} did not reach {path} (at {page.url})"
            if overflow(page):
                wide.append(f"{path} at 640 px: {overflow(page)} px too wide")
            assert_accessible(page, f"{path} at 640 px")
        page.context.close()
    assert not wide, "\n".join(wide)

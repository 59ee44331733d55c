"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page

from ..conftest import IN_CI

CHROMIUM = os.environ.get("DASAN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser(playwright_session):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM} (CI installs Debian's chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield b
    b.close()


# --- accessibility: axe-core (npm, tests/browser/package.json) on every page a test reaches ----
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of serious or critical impact on the page as it is now.
    The engine is evaluated through the DevTools protocol, so the page's CSP stays as it is."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    return page.evaluate(
        """async ([tags, blocking]) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
             return r.violations.filter((v) => blocking.includes(v.impact)).map((v) => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 4).map((n) =>
                 n.target.join(' ') + ' — ' + n.failureSummary.replace(/\\s+/g, ' '))}));
           }""", [WCAG_AA, list(BLOCKING)])


def assert_accessible(page: Page, state: str = "") -> None:
    """Fail on any serious or critical WCAG 2.1 AA violation axe-core finds on `page` now."""
    found = axe_violations(page)
    assert not found, f"axe-core on {page.url} ({state or 'current state'}):\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found)


@functools.cache
def _axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run scripts/setup --tests (npm ci in tests/browser)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _axe_on_every_page(request, monkeypatch):
    """Every page a browser test opens is checked with axe-core in its last state: when the test
    closes its context, or at the end for what it left open (then closed here). Tests check
    intermediate states with `assert_accessible`."""
    if "browser" not in request.fixturenames:
        yield
        return
    from playwright.sync_api import BrowserContext

    browser = request.getfixturevalue("browser")
    before = set(browser.contexts)
    problems: list[str] = []
    checked: set[int] = set()
    original_close = BrowserContext.close

    def check(context) -> None:
        if context in before or id(context) in checked:
            return
        checked.add(id(context))
        for page in context.pages:
            if page.is_closed() or not page.url.startswith("http"):
                continue
            try:
                assert_accessible(page, "where the test left it")
            except AssertionError as e:
                problems.append(str(e))

    def close_checked(self, *args, **kwargs):
        check(self)
        return original_close(self, *args, **kwargs)

    monkeypatch.setattr(BrowserContext, "close", close_checked)
    yield
    for context in [c for c in browser.contexts if c not in before]:
        check(context)
        original_close(context)
    assert not problems, "\n".join(problems)

"""An analyst browses the day's topics in /reports: builds them, renames one, merges two; the
hot-spots map shows the day's cases per district, for all topics and for one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dasan.cases.actions import do_open_case
from dasan.cases.models import CaseType
from dasan.center import service as center_service
from dasan.conversations.models import Conversation
from dasan.core import clock
from dasan.db.engine import make_engine, make_sessionmaker, session_scope

from ..conftest import settings_from_env
from ..trends.test_topics import _records
from .test_chat_flow import log_in


@pytest.mark.browser
def test_an_analyst_builds_renames_and_merges_the_days_topics(browser, server_env, servers):
    db = make_sessionmaker(make_engine(settings_from_env(server_env)))
    with db() as s:
        center = center_service.get(s)
        when = min(center.day_start(center.today(clock.now())) + timedelta(hours=10),
                   clock.now() - timedelta(minutes=1))
    themes = _records(db, when)
    with session_scope(db) as s:  # cases from two water contacts in Mapo, one parking contact in Gangnam
        ctype = s.scalar(select(CaseType).where(CaseType.code == "bulky-waste"))
        for conv_id, district in [(themes["water"][0], "mapo"), (themes["water"][1], "mapo"),
                                  (themes["parking"][0], "gangnam")]:
            do_open_case(session=s, ctype=ctype, title="현장 확인 요청", conversation=s.get_one(Conversation, conv_id),
                         district_code=district)
    base = servers(server_env).url
    page = browser.new_context(locale="ko-KR").new_page()
    log_in(page, base, "analyst1")
    page.goto(f"{base}/reports")
    expect(page.locator("#topics-msg")).to_have_text("이 기간의 주제가 아직 없습니다")
    page.click("#topics-build")
    expect(page.locator("#topics-msg")).to_contain_text("개를 만들었습니다", timeout=20000)
    rows = page.locator("#topics tr[data-topic]")
    expect(rows.first).to_be_visible()
    n = rows.count()
    assert n >= 3
    # (a row's text includes the other topics' names in its merge list: match on its own terms)
    water = rows.filter(has=page.locator(".terms", has_text="단수")).first
    water.locator(".topic-label").fill("마포구 단수")
    water.locator(".topic-label").press("Enter")
    expect(page.locator("#topics-msg")).to_have_text("주제 이름을 바꿨습니다")
    water_id = water.get_attribute("data-topic")
    parking = rows.filter(has=page.locator(".terms", has_text="주정차")).first
    parking.locator(".merge-into").select_option(water_id)
    parking.locator(".merge").click()
    expect(page.locator("#topics-msg")).to_have_text("주제를 합쳤습니다")
    expect(rows).to_have_count(n - 1)
    page.reload()  # stored: the name and the merge are there for the next analyst
    kept = page.locator(f'#topics tr[data-topic="{water_id}"]')
    expect(kept.locator(".topic-label")).to_have_value("마포구 단수")
    expect(kept.locator(".terms")).to_contain_text("주정차")

    # Hot spots: the week's cases on the map of Seoul's districts, then only the merged topic's.
    mapo = page.locator('#hs-map path[data-district="마포구"]')
    expect(mapo).to_have_attribute("data-cases", "2")
    expect(page.locator('#hs-map path[data-district="강남구"]')).to_have_attribute("data-cases", "1")
    expect(page.locator("#hs-map path")).to_have_count(25)
    expect(page.locator('#hs-rows tr[data-district="마포구"] .cases')).to_have_text("2")
    expect(page.locator("#hs-source")).to_contain_text("KOSTAT")
    page.select_option("#hs-topic", water_id)
    page.click("#hotspots-form button[type=submit]")
    expect(page.locator('#hs-map path[data-district="강남구"]')).to_have_attribute("data-cases", "1")
    page.select_option("#hs-topic", "")
    page.reload()
    for row in page.locator("#topics tr[data-topic]").all():  # a topic without a case: no hot spot
        if row.get_attribute("data-topic") != water_id:
            page.select_option("#hs-topic", row.get_attribute("data-topic"))
            page.click("#hotspots-form button[type=submit]")
            expect(mapo).to_have_attribute("data-cases", "0")
            break

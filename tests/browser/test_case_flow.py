"""Issue 6's browser acceptance: an agent turns a web chat into a case for the district's
department; the district official sees it in their queue, comments publicly and resolves it; the
citizen's chat shows the public comment and the answer; the survey link is sent once and the
citizen's answer is stored."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dasan.cases.models import Case
from dasan.db.engine import make_engine, make_sessionmaker, session_scope

from ..conftest import settings_from_env
from .test_chat_flow import log_in

QUESTION = "집 앞에 버린 냉장고를 수거해 주세요"


@pytest.mark.browser
def test_chat_to_case_to_official_to_citizen_and_survey(browser, server_env, servers):
    server = servers(server_env)
    base = server.url
    citizen = browser.new_context(locale="ko-KR").new_page()
    agent = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 900}).new_page()
    official = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 900}).new_page()
    errors: list[str] = []
    for page in (citizen, agent, official):
        page.on("pageerror", lambda e: errors.append(str(e)))

    log_in(agent, base, "agent1")
    expect(agent.locator("#live")).to_have_class(re.compile("on"))
    citizen.goto(f"{base}/chat")
    citizen.fill(".dw-form textarea", QUESTION)
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".dw-msg.inbound:not(.pending)")).to_have_text(QUESTION)
    agent.select_option("#presence", "available")
    agent.locator("#offers .offer button.accept").click()
    expect(agent.locator("#transcript .msg.inbound").first).to_contain_text(QUESTION)

    # The agent hands it to Mapo-gu's sanitation division.
    agent.locator("#case-box summary").click()
    agent.select_option("#case-type", "bulky-waste")
    agent.select_option("#case-district", "mapo")
    agent.fill("#case-title", "냉장고 수거 요청")
    agent.fill("#case-description", "월드컵로 212 앞, 냉장고 1대")
    agent.fill("#case-address", "서울 마포구 월드컵로 212")
    agent.click("#case-go")
    expect(agent.locator("#case-result")).to_contain_text("마포구 청소행정과")
    number = re.search(r"\d{4}-\d{6}", agent.locator("#case-result").inner_text()).group(0)
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text(number)  # the citizen has the number

    # The official of that district sees it, with its deadline clock, and answers.
    log_in(official, base, "official-mapo")
    expect(official).to_have_url(re.compile(r"/cases$"))
    item = official.locator("#case-list li", has_text=number)
    expect(item).to_contain_text("처리기한")
    item.locator("button").click()
    expect(official.locator("#case-head")).to_contain_text("마포구 청소행정과")
    # The citizen's words as the agent saw them (one rendering of a message on every staff page).
    expect(official.locator("#case-transcript .msg.inbound .body").first).to_have_text(QUESTION)
    expect(official.locator("#case-transcript .msg.inbound .meta").first).not_to_be_empty()
    official.click("#take")
    expect(official.locator("#case-status")).to_have_text("처리 중")
    official.fill("#comment-text", "내일 오전에 수거하겠습니다.")
    official.check("#comment-public")
    official.click("#comment-go")
    expect(official.locator("#case-comments li")).to_have_count(1)
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text("내일 오전에 수거하겠습니다.")
    official.fill("#answer", "수거를 마쳤습니다. 이용해 주셔서 감사합니다.")
    official.click("#resolve")
    expect(official.locator("#case-status")).to_have_text("완료")

    # The citizen's chat shows the answer, then the survey link, once.
    expect(citizen.locator(".dw-msg.outbound", has_text="수거를 마쳤습니다.")).to_have_count(1)
    survey = citizen.locator(".dw-msg.outbound", has_text="만족")
    expect(survey).to_have_count(1)
    assert f"/cases/{number}/survey" in survey.inner_text()

    # The citizen follows the link, answers; a second answer is refused; a wrong key is refused.
    link = re.search(r"/cases/\S+", survey.inner_text()).group(0)
    page = browser.new_context(locale="ko-KR").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}{link.replace('k=', 'k=x')}")
    page.check("input[name=score][value='2']")
    page.click("#survey-send")
    expect(page.locator("#survey-error")).to_contain_text("설문 링크가 맞지 않습니다")
    page.goto(f"{base}{link}")
    page.check("input[name=score][value='5']")
    page.fill("#comment", "빠른 처리 감사합니다")
    page.click("#survey-send")
    expect(page.locator("#survey-done")).to_be_visible()
    page.goto(f"{base}{link}")
    page.check("input[name=score][value='1']")
    page.click("#survey-send")
    expect(page.locator("#survey-error")).to_contain_text("already answered")
    with session_scope(make_sessionmaker(make_engine(settings_from_env(server_env)))) as s:
        assert s.execute(select(Case.survey_score, Case.survey_comment).where(Case.number == number)).one() == (
            5, "빠른 처리 감사합니다")
    expect(citizen.locator(".dw-msg.outbound", has_text="만족")).to_have_count(1)  # sent once

    # The supervisor's report counts the case, resolved within its deadline, with its score.
    boss = browser.new_context(locale="ko-KR", viewport={"width": 1400, "height": 900}).new_page()
    boss.on("pageerror", lambda e: errors.append(str(e)))
    log_in(boss, base, "supervisor1")
    boss.goto(f"{base}/reports")
    rows = boss.locator("#case-rows tbody tr")
    expect(rows).to_have_count(7)
    expect(rows.last.locator("td").nth(2)).to_have_text("1")
    expect(rows.last.locator("td").nth(4)).to_have_text("100%")
    expect(rows.last.locator("td").nth(6)).to_have_text("5.00")
    assert not errors

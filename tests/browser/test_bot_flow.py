"""The bot and the knowledge workflow in real browsers (issue 3 acceptance)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import wait_until_ready
from .test_chat_flow import log_in


@pytest.fixture
def bot_server(server_env, servers):
    server = servers({**server_env, "DASAN_BOT_ENABLED": "true", "DASAN_KB_WARMUP": "true"})
    wait_until_ready(server.url)  # index built and the bot's thresholds measured (seconds when cold)
    return server


def _citizen(browser, base, lang="ko"):
    page = browser.new_context(locale="ko-KR").new_page()
    page.goto(f"{base}/chat?lang={lang}")
    return page


def _ask(page, text):
    before = page.locator(".dw-msg.outbound").count()
    page.fill(".dw-form textarea", text)
    page.keyboard.press("Enter")
    expect(page.locator(".dw-msg.outbound")).to_have_count(before + 1, timeout=20_000)
    return page.locator(".dw-msg.outbound").last


@pytest.mark.browser
def test_bot_answers_hands_off_and_serves_vietnamese(browser, bot_server):
    base = bot_server.url
    citizen = _citizen(browser, base)
    answer = _ask(citizen, "냉장고를 버리고 싶은데 어떻게 하나요?")
    expect(answer).to_contain_text("폐가전 무상 방문수거")
    expect(citizen.locator(".dw-status")).to_contain_text("챗봇")

    # A question no article covers goes to an agent, who sees why and the bot's candidates.
    agent = browser.new_context(locale="ko-KR").new_page()
    log_in(agent, base, "agent1")
    agent.select_option("#presence", "available")
    other = _citizen(browser, base)
    _ask(other, "외계인 침공에 대비한 서울시 대피 계획이 있나요?")
    if other.locator(".dw-msg.outbound").last.inner_text().startswith("다음 중"):
        _ask(other, "상담원 연결")
    offer = agent.locator("#offers .offer")
    expect(offer).to_contain_text("외계인", timeout=10_000)
    offer.locator("button.accept").click()
    note = agent.locator("#transcript .msg.note").first
    expect(note).to_contain_text("[챗봇 이관] 사유:")
    expect(note).to_contain_text("후보 1.")

    # Vietnamese: a translated article is answered in Vietnamese …
    vi = _citizen(browser, base, "vi")
    expect(vi.locator(".dw-head")).to_contain_text("Tư vấn trực tuyến")
    expect(_ask(vi, "Làm thế nào để vứt ghế sofa?")).to_contain_text("Cách vứt rác cồng kềnh")
    # … an untranslated one goes to a Vietnamese-speaking agent.
    vi_agent = browser.new_context(locale="ko-KR").new_page()
    log_in(vi_agent, base, "agent-vi")
    vi_agent.select_option("#presence", "available")
    vi2 = _citizen(browser, base, "vi")
    expect(_ask(vi2, "Tôi muốn hỏi cách nộp thuế ô tô")).to_contain_text("Đang kết nối bạn với nhân viên")
    expect(vi_agent.locator("#offers .offer")).to_contain_text("thuế ô tô", timeout=10_000)
    expect(agent.locator("#offers .offer", has_text="thuế ô tô")).to_have_count(0)
    # On the Korean desk the citizen's words are marked as Vietnamese (a screen reader reads them so).
    vi_agent.locator("#offers .offer button.accept").click()
    expect(vi_agent.locator("#transcript .msg.inbound .body").first).to_have_attribute("lang", "vi")


@pytest.mark.browser
def test_official_drafts_reviewer_publishes_and_the_bot_answers_the_next_question_with_it(browser, bot_server):
    base = bot_server.url
    citizen = _citizen(browser, base)
    _ask(citizen, "안녕하세요")  # the index is built and the models are loaded

    official = browser.new_context(locale="ko-KR").new_page()
    log_in(official, base, "official-recycling")
    expect(official).to_have_url(re.compile(r"/cases$"))  # an official's home is their case queue
    official.click("a[href='/kb']")
    expect(official).to_have_url(re.compile(r"/kb$"))
    official.fill("#kb-title", "폐건전지·폐형광등 버리는 곳")
    official.fill("#kb-body", "폐건전지와 폐형광등은 동 주민센터와 아파트 단지의 전용 수거함에 넣어 주세요.")
    official.fill("#kb-questions", "건전지 어디에 버려요\n형광등 버리는 방법")
    official.click("#kb-save")
    expect(official.locator("#kb-status")).to_have_text("저장되었습니다.")
    # A second save is a new version whose diff the official sees.
    official.fill("#kb-body", "폐건전지와 폐형광등은 동 주민센터와 아파트 단지의 전용 수거함에 넣어 주세요. "
                              "깨진 형광등은 신문지에 싸서 버립니다.")
    official.click("#kb-save")
    expect(official.locator("#kb-versions li").first).to_contain_text("v2")
    expect(official.locator("#kb-versions pre.diff").first).to_contain_text("깨진 형광등")
    official.click("#kb-submit")
    expect(official.locator("#kb-status")).to_have_text("검토를 요청했습니다.")

    reviewer = browser.new_context(locale="ko-KR").new_page()
    log_in(reviewer, base, "supervisor1")
    reviewer.goto(f"{base}/kb")
    item = reviewer.locator("#kb-review li", has_text="폐건전지·폐형광등 버리는 곳")
    item.locator("button.approve").click()
    expect(reviewer.locator("#kb-status")).to_have_text("게시되었습니다.")
    # The very next question finds it: no restart, no waiting for a rebuild. (How long that first
    # answer takes is a figure for bench/, not a timed assertion here.)
    answer = _ask(citizen, "다 쓴 건전지는 어디에 버리나요?")
    expect(answer).to_contain_text("폐건전지·폐형광등 버리는 곳")


def _case_by_number(settings_env, number):
    from sqlalchemy import select

    from dasan.cases.models import Case, CaseType
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope
    from dasan.orgs.models import Department

    from ..conftest import settings_from_env

    engine = make_engine(settings_from_env(settings_env))
    try:
        with session_scope(make_sessionmaker(engine)) as s:
            case = s.scalar(select(Case).where(Case.number == number))
            return (s.get(CaseType, case.case_type_id).code, s.get(Department, case.department_id).code,
                    case.address, [a["content_type"] for a in case.attachments])
    finally:
        engine.dispose()


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "request_text", "place", "yes", "number_after"), [
    ("ko", "집 앞에 불법주차 신고하려고요", "마포구 월드컵로 212 앞", "네", "접수를 마쳤습니다"),
    ("en", "I want to report a car parked illegally in front of my house", "Mapo-gu, 212 World Cup-ro", "yes",
     "your request is filed as"),
])
def test_a_citizen_files_a_request_with_a_photo_in_the_chat(browser, bot_server, server_env, tmp_path, lang,
                                                           request_text, place, yes, number_after):
    from ..attachments.test_attachments import photo_with_gps

    photo = tmp_path / "car.jpg"
    photo.write_bytes(photo_with_gps())
    citizen = _citizen(browser, bot_server.url, lang)
    expect(_ask(citizen, request_text)).to_contain_text("불법 주정차" if lang == "ko" else "Illegal parking")
    expect(_ask(citizen, place)).to_contain_text("사진" if lang == "ko" else "photo")
    before = citizen.locator(".dw-msg.outbound").count()
    citizen.set_input_files(".dw-form input[type=file]", str(photo))
    expect(citizen.locator(".dw-msg.inbound").last).to_contain_text("📷")
    expect(citizen.locator(".dw-msg.outbound")).to_have_count(before + 1, timeout=20_000)
    expect(citizen.locator(".dw-msg.outbound").last).to_contain_text(place)  # the confirmation
    citizen.fill(".dw-form textarea", yes)
    citizen.keyboard.press("Enter")
    # The case's own notice, then the bot's closing line with the number.
    done = citizen.locator(".dw-msg.outbound", has_text=number_after)
    expect(done).to_have_count(1, timeout=20_000)
    number = re.search(r"\d{4}-\d{6}", done.inner_text()).group(0)
    code, dept, address, files = _case_by_number(server_env, number)
    assert (code, dept, address) == ("illegal-parking", "parking", place)
    assert files == ["image/jpeg"]  # the photo travelled with the case

"""Quality evaluation in the browser (M14 acceptance): a supervisor builds a scorecard with a
critical question; an evaluator scores a contact beside its transcript; the agent disputes and a
supervisor resolves; three evaluators calibrate five contacts blind and the page shows α per
question equal to the krippendorff package's own value for those scores; a mystery shopper
completes an assignment and it appears in the report."""

from __future__ import annotations

from datetime import timedelta

import krippendorff
import numpy as np
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dasan.center import service as center_service
from dasan.conversations.models import Citizen, ConsultationRecord, Conversation, Message
from dasan.core import clock
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.orgs.models import User

from ..conftest import settings_from_env
from .test_chat_flow import log_in

SAID = ["불법 주정차 신고는 어디에 하나요?", "여권 재발급에 필요한 서류가 궁금해요",
        "대형 폐기물 스티커는 어디서 사나요?", "수도 요금이 너무 많이 나왔어요", "버스 노선이 바뀌었나요?"]
# Three evaluators × five contacts: greeting (yes/no), identity check (critical), correctness (1–5).
GREET = [["yes", "yes", "no", "yes", "yes"], ["yes", "yes", "no", "yes", "no"], ["yes", "no", "no", "yes", "yes"]]
IDENTITY = [["yes", "yes", "no", "yes", "yes"], ["yes", "yes", "no", "yes", "yes"], ["yes", "yes", "yes", "no", "yes"]]
CORRECT = [[5, 4, 3, 2, 1], [5, 4, 3, 1, 1], [4, 4, 2, 2, 1]]


def _contacts(db) -> list[int]:
    now = clock.now()
    ids = []
    with session_scope(db) as s:
        agent = s.scalar(select(User).where(User.username == "agent1"))
        citizen = Citizen(display_name="시민")
        s.add(citizen)
        s.flush()
        for i, said in enumerate(SAID):
            at = now - timedelta(hours=2, minutes=10 * i)
            conv = Conversation(citizen_id=citizen.id, channel="webchat", status="closed", agent_id=agent.id,
                                created_at=at - timedelta(minutes=5), closed_at=at, last_seq=2)
            s.add(conv)
            s.flush()
            s.add(Message(conversation_id=conv.id, seq=1, kind="inbound", body=said, channel="webchat"))
            s.add(Message(conversation_id=conv.id, seq=2, kind="outbound", body="안내해 드리겠습니다.",
                          channel="webchat", author_id=agent.id))
            s.add(ConsultationRecord(conversation_id=conv.id, citizen_id=citizen.id, agent_id=agent.id,
                                     channel="webchat", category="일반", summary="안내함", resolution="solved",
                                     handle_s=300, closed_at=at))
            ids.append(conv.id)
    return ids


def _answer(page, answers: dict[str, str]) -> None:
    for key, value in answers.items():
        page.check(f'#questions input[name="q-{key}"][value="{value}"]')


@pytest.mark.browser
def test_scorecard_evaluation_dispute_and_calibration(browser, server_env, servers):
    db = make_sessionmaker(make_engine(settings_from_env(server_env)))
    contacts = _contacts(db)
    base = servers(server_env).url

    # A supervisor builds a scorecard: two sections, one critical question, one scale.
    sup = browser.new_context(locale="ko-KR").new_page()
    log_in(sup, base, "supervisor1")
    sup.goto(f"{base}/quality")
    sup.fill("#fb-code", "phone")
    sup.fill("#fb-name", "전화 상담 평가표")
    first = sup.locator(".fb-section").first
    first.locator(".fb-title").fill("응대")
    first.locator(".fb-text").fill("인사와 기관명 안내")
    first.locator(".fb-add-question").click()
    q2 = first.locator(".fb-question").nth(1)
    q2.locator(".fb-text").fill("개인정보 전 본인 확인")
    q2.locator(".fb-weight").fill("2")
    q2.locator(".fb-critical").check()
    sup.click("#fb-add-section")
    second = sup.locator(".fb-section").nth(1)
    second.locator(".fb-title").fill("답변")
    second.locator(".fb-text").fill("답변이 정확했다")
    second.locator(".fb-kind").select_option("scale")
    second.locator(".fb-weight").fill("4")
    sup.click("#fb-save")
    expect(sup.locator("#qa-msg")).to_contain_text("전화 상담 평가표 v1")
    expect(sup.locator("#forms li")).to_have_count(1)

    # Another supervisor evaluates the first contact beside its transcript: the critical question fails.
    ev = browser.new_context(locale="ko-KR").new_page()
    log_in(ev, base, "supervisor2")
    ev.goto(f"{base}/quality")
    expect(ev.locator("#form-pick option")).to_have_count(1)
    ev.fill("#contact-id", str(contacts[0]))
    ev.click("#open-contact button[type=submit]")
    expect(ev.locator("#transcript")).to_contain_text(SAID[0])
    expect(ev.locator("#questions .question.critical")).to_have_count(1)
    _answer(ev, {"q1": "yes", "q2": "no", "q3": "4"})
    ev.fill("#score-comment", "본인 확인 없이 주소를 안내함")
    ev.click("#score-send")
    expect(ev.locator("#qa-msg")).to_contain_text("치명 문항 미충족")

    # The agent sees it with the transcript and disputes it.
    agent = browser.new_context(locale="ko-KR").new_page()
    log_in(agent, base, "agent1")
    agent.goto(f"{base}/quality")
    row = agent.locator("#mine tr[data-evaluation]")
    expect(row).to_have_count(1)
    expect(row.locator(".score")).to_contain_text("0")
    row.locator(".details").click()
    expect(agent.locator("#mine-transcript")).to_contain_text(SAID[0])
    row.locator(".dispute-reason").fill("상담 시작 때 생년월일로 본인 확인을 했습니다")
    row.locator(".dispute").click()
    expect(row.locator(".status")).to_have_text("이의 신청 중")

    # The first supervisor (not the evaluator) upholds it; the agent's page follows live.
    sup.reload()
    dispute = sup.locator("#disputes tr[data-evaluation]")
    expect(dispute).to_have_count(1)
    expect(dispute.locator(".reason")).to_contain_text("생년월일")
    dispute.locator(".note").fill("녹취 확인 결과 본인 확인이 없었음")
    dispute.locator(".uphold").click()
    expect(sup.locator("#disputes tr[data-evaluation]")).to_have_count(0)
    expect(agent.locator("#mine tr[data-evaluation] .status")).to_have_text("점수 유지됨", timeout=5000)

    # Calibration: three evaluators score the five contacts blind.
    sup.fill("#cal-name", "12월 보정")
    sup.fill("#cal-contacts", ", ".join(map(str, contacts)))
    for name in ("김서연 팀장", "이도윤 팀장", "박하은 팀장"):
        sup.locator("#cal-evaluators label", has_text=name).locator("input").check()
    sup.click("#calibration-form button[type=submit]")
    expect(sup.locator("#rounds tr[data-round]")).to_have_count(1)
    pages = [sup, ev]
    third = browser.new_context(locale="ko-KR").new_page()
    log_in(third, base, "supervisor3")
    third.goto(f"{base}/quality")
    pages.append(third)
    for i, page in enumerate(pages):
        page.reload()
        round_row = page.locator("#rounds tr[data-round]")
        round_row.locator(".results").click()
        expect(page.locator("#alphas")).to_contain_text("결과가 보입니다")  # blind until mine are in
        for j in range(5):
            round_row.locator(".score-next").click()
            expect(page.locator("#transcript")).to_contain_text(SAID[j])
            _answer(page, {"q1": GREET[i][j], "q2": IDENTITY[i][j], "q3": str(CORRECT[i][j])})
            page.click("#score-send")
            expect(page.locator("#qa-msg")).to_contain_text("평가를 저장했습니다")
            expect(round_row.locator(".progress")).to_have_text(f"{5 * i + j + 1} / 15")
        expect(round_row.locator(".score-next")).to_have_count(0)

    sup.locator("#rounds tr[data-round] .results").click()
    as_numbers = {"yes": 1.0, "no": 0.0}
    expected = {
        "q1": krippendorff.alpha(reliability_data=np.array([[as_numbers[v] for v in r] for r in GREET]),
                                 level_of_measurement="nominal"),
        "q2": krippendorff.alpha(reliability_data=np.array([[as_numbers[v] for v in r] for r in IDENTITY]),
                                 level_of_measurement="nominal"),
        "q3": krippendorff.alpha(reliability_data=np.array(CORRECT, dtype=float), level_of_measurement="ordinal"),
    }
    for key, value in expected.items():
        expect(sup.locator(f'#alphas tr[data-key="{key}"] .alpha')).to_have_text(f"{value:.3f}")
    expect(sup.locator("#distances tr[data-evaluator]")).to_have_count(3)

    # The scores report shows the upheld evaluation (calibration rounds are not agents' scores).
    sup.click("#scores-form button[type=submit]")
    expect(sup.locator("#scores tbody tr")).to_have_count(1)
    expect(sup.locator("#scores tbody td.mean_score")).to_have_text("0")


@pytest.mark.browser
def test_a_mystery_shopper_assignment_is_completed_and_appears_in_the_report(browser, server_env, servers):
    db = make_sessionmaker(make_engine(settings_from_env(server_env)))
    with db() as s:
        local_now = clock.now().astimezone(center_service.get(s).tz)
    base = servers(server_env).url
    sup = browser.new_context(locale="ko-KR").new_page()
    log_in(sup, base, "supervisor1")
    sup.goto(f"{base}/quality")
    csrf = sup.evaluate("document.body.dataset.csrf")
    form = {"name": "채팅 응대", "sections": [{"title": "응대", "questions": [
        {"text": "인사", "kind": "yesno", "weight": 1}, {"text": "정확성", "kind": "scale", "weight": 3}]}]}
    assert sup.request.post(f"{base}/api/v1/quality/forms", data={"code": "chat", "form": form},
                            headers={"X-CSRF-Token": csrf}).status == 201
    sup.reload()
    sup.fill("#sn-title", "대형 폐기물 배출")
    sup.select_option("#sn-channel", "webchat")
    sup.fill("#sn-script", "소파를 버리려면 어떻게 하나요?")
    sup.fill("#sn-expected", "구청 누리집에서 배출 신고 후 스티커 부착")
    sup.click("#scenario-form button[type=submit]")
    expect(sup.locator("#as-scenario option")).to_have_count(1)
    sup.select_option("#as-shopper", label="미스터리 쇼퍼 한지우")
    sup.click("#assign-form button[type=submit]")
    row = sup.locator("#assignments tr[data-assignment]")
    expect(row.locator(".status")).to_have_text("진행 전")

    shopper = browser.new_context(locale="ko-KR").new_page()
    log_in(shopper, base, "shopper1")
    expect(shopper).to_have_url(f"{base}/quality")  # a shopper's home: their assignments only
    expect(shopper.locator("#qa-evaluate")).to_have_count(0)
    shopper.locator("#my-assignments .report").click()
    expect(shopper.locator("#rc-script")).to_have_text("소파를 버리려면 어떻게 하나요?")
    shopper.fill("#rc-at", (local_now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
    shopper.check("input[name=rc-correct][value=yes]")
    _answer(shopper, {"q1": "yes", "q2": "4"})
    shopper.fill("#rc-notes", "2분 만에 연결, 친절함")
    shopper.click("#rc-send")
    expect(shopper.locator("#qa-msg")).to_contain_text("결과를 제출했습니다")
    expect(shopper.locator("#my-assignments .status")).to_have_text("완료")

    expect(row.locator(".status")).to_have_text("완료", timeout=5000)  # the supervisor's page follows live
    # (1·1 + 3·0.75) / 4 = 81.25 → 81.2 (one decimal, as the API rounds)
    expect(row.locator(".score")).to_have_text("81.2")
    sup.click("#mystery-report-form button[type=submit]")
    web = sup.locator('#mystery-report tr[data-channel="webchat"]')
    expect(web.locator(".mystery-n")).to_have_text("1")
    expect(web.locator(".mystery-mean")).to_have_text("81.2")

"""The demo's quality work (M14): a scorecard, last days' contacts evaluated from the worklist
the way an evaluator would pick them (through the real actions: scores, one dispute resolved,
one open), and a mystery-shopper scenario assigned, so `/quality` shows real numbers at first start."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dasan.conversations.models import ConsultationRecord, Resolution
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.orgs.models import Role, User
from dasan.quality import actions, sampling

# (section in ko, in en, [(key, question in ko, in en, kind, weight, critical, N/A allowed)])
SECTIONS = [
    ("응대", "Handling", [
        ("greet", "첫인사와 기관명·상담사 이름을 안내했다", "Greeted and named the center and themselves",
         "yesno", 1, False, False),
        ("identity", "개인정보를 말하기 전에 본인 확인을 했다", "Confirmed who the caller is before personal data",
         "yesno", 2, True, True),
        ("courtesy", "친절하고 알기 쉬운 말로 응대했다", "Courteous, in plain words", "scale", 2, False, False)]),
    ("답변", "Answer", [
        ("correct", "답변이 정확하고 빠짐이 없었다", "The answer was correct and complete", "scale", 4, False, False),
        ("case", "필요한 경우 민원을 접수하고 처리 기한을 안내했다", "Opened a case where needed and told the deadline",
         "yesno", 1, False, True),
        ("record", "상담 기록(분류·요약)을 정확히 남겼다", "Recorded category and summary correctly",
         "yesno", 1, False, False)]),
]


def form(lang: str) -> dict:
    """The demo's scorecard in the center's language (Korean, or English)."""
    i = 0 if lang == "ko" else 1
    return {"name": ("기본 상담 평가표", "Standard consultation scorecard")[i], "sections": [
        {"title": section[i], "questions": [
            {"key": key, "text": (ko, en)[i], "kind": kind, "weight": weight, "critical": critical, "na": na}
            for key, ko, en, kind, weight, critical, na in questions]}
        for *section, questions in SECTIONS]}


EXPECTED = "구청 누리집이나 앱에서 배출 신고 후 수수료를 내고 스티커를 붙여 내놓는다"


def _answers(rng: random.Random, skill: float) -> dict:
    yes = lambda p: "yes" if rng.random() < p else "no"  # noqa: E731
    return {"greet": yes(0.9), "identity": "na" if rng.random() < 0.5 else yes(0.97),
            "courtesy": min(5, max(1, round(rng.gauss(3.2 + 1.5 * skill, 0.7)))),
            "correct": min(5, max(1, round(rng.gauss(3.0 + 1.8 * skill, 0.8)))),
            "case": "na" if rng.random() < 0.7 else yes(0.85), "record": yes(0.8 + 0.15 * skill)}


def seed_quality(factory: sessionmaker[Session], *, lang: str = "ko", per_agent: int = 3, seed: int = 120) -> int:
    """Evaluate `per_agent` of each agent's recent contacts; returns how many were evaluated."""
    rng = random.Random(seed)
    with session_scope(factory) as s:
        supervisors = list(s.scalars(select(User).where(User.role == Role.SUPERVISOR.value, User.active.is_(True))
                                     .order_by(User.id)))
        if len(supervisors) < 2:
            return 0
        scorecard = actions.do_save_form(session=s, user=supervisors[0], code="standard", data=form(lang))
        since = clock.now() - timedelta(days=3)
        rows = s.execute(select(ConsultationRecord.conversation_id, ConsultationRecord.agent_id,
                                ConsultationRecord.channel, ConsultationRecord.handle_s)
                         .where(ConsultationRecord.closed_at >= since, ConsultationRecord.agent_id.is_not(None),
                                ConsultationRecord.resolution != Resolution.ABANDONED)).all()
        picked = sampling.pick([sampling.Contact(id=c, agent_id=a, channel=ch, handle_s=h or 0.0)
                                for c, a, ch, h in rows if a is not None], per_agent=per_agent, seed="demo")
        skill = {a: rng.random() for a in {c.agent_id for c, _ in picked}}
        evaluations = []
        for contact, why in picked:
            evaluator = next(u for u in supervisors if u.id != contact.agent_id)
            evaluations.append(actions.do_evaluate(session=s, evaluator=evaluator, form=scorecard,
                                                   conversation_id=contact.id, reason=why,
                                                   answers=_answers(rng, skill[contact.agent_id])))
        for ev in evaluations[:len(evaluations) // 2]:  # half acknowledged by their agents
            actions.do_acknowledge(session=s, ev=ev, user=s.get_one(User, ev.agent_id))
        if len(evaluations) >= 2:  # one dispute decided, one waiting for a supervisor
            decided, waiting = evaluations[-1], evaluations[-2]
            for ev, why in ((decided, "녹취를 다시 들어 봐 주세요" if lang == "ko" else "Please listen again"),
                            (waiting, "민원 접수는 필요하지 않은 상담이었습니다" if lang == "ko"
                             else "No case was needed for this contact")):
                actions.do_dispute(session=s, ev=ev, user=s.get_one(User, ev.agent_id), reason=why)
            judge = next(u for u in supervisors if u.id not in (decided.evaluator_id, decided.agent_id))
            actions.do_resolve(session=s, ev=decided, user=judge, decision="upheld",
                               note="평가가 맞습니다" if lang == "ko" else "The evaluation stands")
        shopper = s.scalar(select(User).where(User.role == Role.SHOPPER.value, User.active.is_(True)))
        if shopper is not None:
            scenario = actions.do_create_scenario(
                session=s, user=supervisors[0], form=scorecard, channel="webchat",
                title="대형 폐기물 배출 문의" if lang == "ko" else "Bulky waste",
                script="소파를 버리려면 어떻게 해야 하나요?" if lang == "ko" else "How do I throw away a sofa?",
                expected_answer=EXPECTED if lang == "ko" else "Book a bulky-item pickup online; pay when booking")
            actions.do_assign(session=s, scenario=scenario, shopper=shopper, due_at=clock.now() + timedelta(days=7))
        return len(evaluations)

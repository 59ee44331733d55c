"""Object-level authorization (issue 18, ASVS 4.2.1): every route that takes the id of a citizen,
a conversation, a case, a recording, an article, a file, an evaluation, an incident or a login
session is tried by a user whose role may use the route but who may not see that object — another
agent's contact, another department's case or draft, another agent's call, evaluation or incident,
another user's session. Each is refused (403 or 404, never a leak of the object) and nothing
changes. Every id route is either walked here or named below with the reason it has no per-object
rule, so a new id route cannot slip in unchecked."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from dasan.app import all_routes, route_policy
from dasan.attachments.service import store
from dasan.cases.actions import do_open_case
from dasan.cases.models import Case, CaseType
from dasan.conversations.actions import do_close_with_record, do_get_or_create_citizen, do_start_conversation
from dasan.conversations.models import Conversation, ConvStatus, Message, Resolution
from dasan.db.engine import session_scope
from dasan.knowledge.actions import do_create_article, do_flag
from dasan.knowledge.models import Article, ArticleFlag
from dasan.orgs.models import Department, User
from dasan.protect.models import AbuseIncident
from dasan.quality.models import QaEvaluation
from dasan.security.actions import do_create_login_session
from dasan.security.deps import Allow
from dasan.security.models import LoginSession
from dasan.voice.models import VoiceCall

from .conftest import login
from .quality.test_scoring import FORM

# Id routes without a per-object rule, and why.
NO_OBJECT_RULE = {
    "/api/v1/lines/{number}": "the center's directory of numbers, the same for every staff member",
    "/api/v1/protect/policies/{channel}": "a channel's policy, not a person's object",
    "/api/v1/quality/calibrations/{calibration_id}": "supervisors and admins only; every one of them runs calibration",
    "/api/v1/quality/evaluations/{evaluation_id}/resolve":
        "supervisors and admins; resolving another's is the point (the evaluator and the agent are refused: "
        "tests/quality/test_evaluations.py)",
    "/api/v1/quality/catch-calls/{call_id}/done": "supervisors and admins: the catch-call worklist is shared",
    "/api/v1/quality/mystery/assignments/{assignment_id}/complete": "walked in tests/quality/test_mystery.py "
                                                                   "(another shopper's assignment: 404)",
    "/api/v1/protect/restrictions/{restriction_id}/lift": "supervisors and admins: the center's restrictions",
    "/api/v1/protect/restrictions/{restriction_id}/extend": "supervisors and admins: the center's restrictions",
    "/api/v1/protect/conversations/{conversation_id}/evidence": "supervisors and admins: every incident",
    "/api/v1/privacy/citizens/{citizen_id}/export": "supervisors and admins: every citizen's request",
    "/api/v1/privacy/citizens/{citizen_id}/erase": "supervisors and admins: every citizen's request",
    "/api/v1/trends/topics/{topic_id}": "the city's topics, shared by analysts and supervisors",
    "/api/v1/trends/topics/{topic_id}/merge": "the city's topics, shared by analysts and supervisors",
    "/api/v1/trends/alerts/{alert_id}/notice-draft": "the city's alerts, shared by analysts and supervisors",
    "/api/v1/trends/notices/{notice_id}/end": "supervisors and admins: the center's notices",
    "/api/v1/cases/{case_id}/transfer": "supervisors and admins: moving cases between departments is theirs",
}


# Accepting or declining answers for the offer, not the contact: "not offered to you" (409).
OFFER_ROUTES = {"/api/v1/conversations/{conversation_id}/accept", "/api/v1/conversations/{conversation_id}/decline"}


@dataclass
class World:
    ids: dict[str, int]
    key: str


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


@pytest.fixture
def world(seeded, settings) -> World:
    factory = seeded
    with session_scope(factory) as s:
        agent2 = _user(s, "agent2")
        recycling = s.scalar(select(Department.id).where(Department.code == "recycling"))
        citizen = do_get_or_create_citizen(session=s, kind="phone", value="+821077001234")
        # agent2's live chat, with a photo the citizen sent
        live = do_start_conversation(session=s, citizen=citizen, channel="webchat")
        live.agent_id, live.status = agent2.id, ConvStatus.ACTIVE
        photo = store(settings.data_dir, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + b"\x00" * 64, name="a.gif",
                      declared_type="image/gif")
        s.add(Message(conversation_id=live.id, seq=1, kind="citizen", body="사진", channel="webchat",
                      attachments=[photo]))
        # agent2's closed contact (scored below) and call with a recording
        closed = do_start_conversation(session=s, citizen=citizen, channel="voice")
        do_close_with_record(session=s, conv=closed, agent=agent2, category="교통", summary="안내",
                             resolution=Resolution.SOLVED)
        (settings.data_dir / "recordings").mkdir(parents=True, exist_ok=True)
        (settings.data_dir / "recordings" / "x.wav").write_bytes(b"RIFF")
        call = VoiceCall(sip_call_id="object-access-1", conversation_id=closed.id, agent_id=agent2.id,
                         recording_path="recordings/x.wav", recording_s=1.0)
        s.add(call)
        incident = AbuseIncident(conversation_id=closed.id, citizen_id=citizen.id, agent_id=agent2.id,
                                 channel="voice", kind="insult")
        s.add(incident)
        # the recycling department's case and never-published draft, and a flag on its article
        ctype = s.scalar(select(CaseType).where(CaseType.code == "bulky-waste"))
        case = do_open_case(session=s, ctype=ctype, title="소파 수거", department_id=recycling)
        draft = do_create_article(session=s, author=_user(s, "official-recycling"), department_id=recycling,
                                  title="새 분리배출 안내 초안", body="<p>초안</p>", questions=["초안 질문"])
        published = s.scalar(select(Article).where(Article.department_id == recycling,
                                                   Article.published_version.is_not(None)).limit(1))
        flag = do_flag(session=s, user=agent2, art=published, reason="전화번호가 바뀌었어요")
        _, other_session = do_create_login_session(session=s, user=agent2, hours=1)
        s.flush()
        ids = {"citizen": citizen.id, "live": live.id, "closed": closed.id, "call": call.id, "incident": incident.id,
               "case": case.id, "draft": draft.id, "flag": flag.id, "session": other_session.id}
    return World(ids=ids, key=photo["url"].rsplit("/", 1)[1])


def _evaluation(client, closed: int) -> int:
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    form = client.post("/api/v1/quality/forms", json={"code": "phone", "form": FORM}, headers=h).json()
    r = client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": closed,
        "answers": {"greet": "yes", "identity": "yes", "correct": 5, "followup": "na"}})
    assert r.status_code == 201, r.text
    return r.json()["id"]


# (method, route, who tries it, path values, body)
def _attempts(w: World, evaluation: int) -> list[tuple[str, str, str, dict, dict | None]]:
    i = w.ids
    conv = {"conversation_id": i["live"]}
    return [
        ("GET", "/api/v1/conversations/{conversation_id}", "agent1", conv, None),
        ("POST", "/api/v1/conversations/{conversation_id}/messages", "agent1", conv, {"text": "안녕하세요"}),
        ("POST", "/api/v1/conversations/{conversation_id}/accept", "agent1", conv, None),
        ("POST", "/api/v1/conversations/{conversation_id}/decline", "agent1", conv, None),
        ("POST", "/api/v1/conversations/{conversation_id}/end", "agent1", conv, None),
        ("POST", "/api/v1/conversations/{conversation_id}/wrapup", "agent1", conv,
         {"category": "교통", "summary": "x", "resolution": "solved"}),
        ("POST", "/api/v1/conversations/{conversation_id}/transfer", "agent1", conv, {"to_queue": "general"}),
        ("GET", "/api/v1/conversations/{conversation_id}/case-suggestions", "agent1", conv, None),
        ("POST", "/api/v1/conversations/{conversation_id}/cases", "agent1", conv,
         {"case_type": "bulky-waste", "title": "x"}),
        ("GET", "/api/v1/citizens/{citizen_id}/history", "agent1", {"citizen_id": i["citizen"]}, None),
        ("GET", "/api/v1/attachments/{key}", "agent1", {"key": w.key}, None),
        ("GET", "/api/v1/voice/conversations/{conversation_id}/calls", "agent1",
         {"conversation_id": i["closed"]}, None),
        ("GET", "/api/v1/voice/calls/{call_id}/recording", "agent1", {"call_id": i["call"]}, None),
        ("POST", "/api/v1/voice/conversations/{conversation_id}/consult", "agent1", conv, {"to_user_id": 1}),
        ("POST", "/api/v1/voice/conversations/{conversation_id}/consult/complete", "agent1", conv, None),
        ("POST", "/api/v1/voice/conversations/{conversation_id}/consult/cancel", "agent1", conv, None),
        ("POST", "/api/v1/voice/conversations/{conversation_id}/conference", "agent1", conv, {"to_user_id": 1}),
        ("POST", "/api/v1/voice/conversations/{conversation_id}/conference/end", "agent1", conv, None),
        ("POST", "/api/v1/protect/conversations/{conversation_id}/warn", "agent1", conv, None),
        ("POST", "/api/v1/protect/conversations/{conversation_id}/protect", "agent1", conv, None),
        ("POST", "/api/v1/protect/incidents/{incident_id}/counselling", "agent1", {"incident_id": i["incident"]},
         {"outcome": "accepted"}),
        ("GET", "/api/v1/cases/{case_id}", "official-bus", {"case_id": i["case"]}, None),
        ("POST", "/api/v1/cases/{case_id}/take", "official-bus", {"case_id": i["case"]}, None),
        ("POST", "/api/v1/cases/{case_id}/comments", "official-bus", {"case_id": i["case"]}, {"body": "x"}),
        ("POST", "/api/v1/cases/{case_id}/resolve", "official-bus", {"case_id": i["case"]}, {"answer": "x"}),
        ("POST", "/api/v1/cases/{case_id}/reassign", "official-bus", {"case_id": i["case"]}, {"assignee_id": 1}),
        ("POST", "/api/v1/cases/{case_id}/return", "official-bus", {"case_id": i["case"]}, {"reason": "x"}),
        ("POST", "/api/v1/cases/{case_id}/callback", "official-bus", {"case_id": i["case"]}, {"note": "x"}),
        ("GET", "/api/v1/knowledge/articles/{article_id}", "official-bus", {"article_id": i["draft"]}, None),
        ("GET", "/api/v1/knowledge/articles/{article_id}", "agent1", {"article_id": i["draft"]}, None),
        ("PUT", "/api/v1/knowledge/articles/{article_id}", "official-bus", {"article_id": i["draft"]},
         {"title": "바꾼 제목"}),
        ("POST", "/api/v1/knowledge/articles/{article_id}/submit", "official-bus", {"article_id": i["draft"]}, None),
        ("POST", "/api/v1/knowledge/articles/{article_id}/review", "official-bus", {"article_id": i["draft"]},
         {"approve": True}),
        ("POST", "/api/v1/knowledge/articles/{article_id}/archive", "official-bus", {"article_id": i["draft"]}, None),
        ("GET", "/api/v1/knowledge/articles/{article_id}/versions", "official-bus", {"article_id": i["draft"]}, None),
        ("POST", "/api/v1/knowledge/articles/{article_id}/flag", "agent1", {"article_id": i["draft"]},
         {"reason": "x"}),
        ("POST", "/api/v1/knowledge/articles/{article_id}/used", "agent1", {"article_id": i["draft"]}, None),
        ("POST", "/api/v1/knowledge/flags/{flag_id}/resolve", "official-bus", {"flag_id": i["flag"]}, None),
        ("GET", "/api/v1/quality/contacts/{conversation_id}", "agent1", {"conversation_id": i["closed"]}, None),
        ("GET", "/api/v1/quality/evaluations/{evaluation_id}", "agent1", {"evaluation_id": evaluation}, None),
        ("POST", "/api/v1/quality/evaluations/{evaluation_id}/acknowledge", "agent1",
         {"evaluation_id": evaluation}, None),
        ("POST", "/api/v1/quality/evaluations/{evaluation_id}/dispute", "agent1", {"evaluation_id": evaluation},
         {"reason": "x"}),
        ("DELETE", "/api/v1/me/sessions/{session_id}", "agent1", {"session_id": i["session"]}, None),
    ]


def _fingerprint(factory, w: World) -> tuple:
    """What the attempts could have changed, read back."""
    with session_scope(factory) as s:
        live = s.get_one(Conversation, w.ids["live"])
        case = s.get_one(Case, w.ids["case"])
        draft = s.get_one(Article, w.ids["draft"])
        return (live.status, live.agent_id, live.queue_code,
                s.scalar(select(func.count()).select_from(Message).where(Message.conversation_id == live.id)),
                case.status, case.assignee_id, case.department_id,
                s.scalar(select(func.count()).select_from(Case)),
                draft.status, draft.title, draft.version, draft.usage_count,
                s.scalar(select(func.count()).select_from(ArticleFlag)),
                s.get_one(ArticleFlag, w.ids["flag"]).resolved_at,
                s.get_one(AbuseIncident, w.ids["incident"]).counselling,
                s.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.id == w.ids["session"])),
                tuple(s.execute(select(QaEvaluation.acknowledged_at, QaEvaluation.disputed_at)).all()))


def test_every_id_route_refuses_a_user_who_may_use_it_but_not_see_that_object(app, client, world):
    factory = app.state.session_factory
    evaluation = _evaluation(client, world.ids["closed"])
    attempts = _attempts(world, evaluation)
    before = _fingerprint(factory, world)
    walked, wrong = set(), []
    for method, route, who, values, body in attempts:
        policy = next(route_policy(r) for r in all_routes(app)
                      if isinstance(r, APIRoute) and r.path == route and method in r.methods)
        role = {"agent1": "agent", "official-bus": "official"}[who]
        assert isinstance(policy, Allow) and role in policy.roles, f"{route}: {who} may not even use the route"
        client.cookies.clear()
        csrf = login(client, who)
        path = route.format(**values)
        r = client.request(method, path, json=body, headers={"X-CSRF-Token": csrf})
        allowed = (403, 404, 409) if route in OFFER_ROUTES else (403, 404)
        if r.status_code not in allowed or not r.json().get("error"):
            wrong.append(f"{method} {path} as {who}: {r.status_code} {r.text[:160]}")
        walked.add(route)
    assert not wrong, "\n".join(wrong)
    assert _fingerprint(factory, world) == before, "a refused request changed something"

    id_routes = {r.path for r in all_routes(app) if isinstance(r, APIRoute) and re.search(r"\{\w+\}", r.path)
                 and isinstance(route_policy(r), Allow) and set(route_policy(r).roles) - {"admin"}}
    missing = id_routes - walked - set(NO_OBJECT_RULE)
    assert not missing, f"id routes neither walked nor explained: {sorted(missing)}"
    assert not (walked & set(NO_OBJECT_RULE))

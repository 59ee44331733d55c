"""Quality writes: the happy-call drawn when a contact closes and sent on its channel, the
citizen's answer, the catch-call a low score asks for, the policy; scorecards, evaluations,
their disputes and calibration rounds."""

from __future__ import annotations

import hmac
import random
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.actions import SUPERVISING_ROLES, citizen_text, do_append_message, do_record_event
from dasan.conversations.models import (
    Citizen,
    CitizenIdentity,
    ConsultationRecord,
    Conversation,
    ConvStatus,
    MsgKind,
    Resolution,
)
from dasan.core import clock
from dasan.core.errors import Conflict, Forbidden, Invalid, NotFound
from dasan.events.actions import send_event_on_commit
from dasan.events.schemas import Audience, QualityUpdated
from dasan.orgs.models import User
from dasan.quality import core, scoring
from dasan.quality.models import (
    CatchCall,
    ContactSurvey,
    HappyCallPolicy,
    MysteryAssignment,
    MysteryScenario,
    QaCalibration,
    QaEvaluation,
    QaForm,
)

SURVEY_DAYS = 3  # a link answers for this long
_draw = random.SystemRandom()


def policy(session: Session, *, for_update: bool = False) -> HappyCallPolicy:
    """The one policy row, made the first time with a share of 0: the center decides to survey."""
    row = session.get(HappyCallPolicy, 1, with_for_update=for_update, populate_existing=for_update)
    if row is None:
        row = HappyCallPolicy(id=1, share=0.0, catch_call_hours=24, considered=0, sampled=0)
        session.add(row)
        session.flush()
    return row


def do_set_policy(*, session: Session, share: float, catch_call_hours: int) -> HappyCallPolicy:
    if not 0.0 <= share <= 1.0:
        raise Invalid("the share surveyed is between 0 and 1", code="bad_share")
    if not 1 <= catch_call_hours <= 24 * 14:
        raise Invalid("a catch-call is due within 1 hour to 14 days", code="bad_hours")
    row = policy(session, for_update=True)
    if row.share != share:  # a new share starts a new count
        row.considered, row.sampled = 0, 0
    row.share, row.catch_call_hours, row.updated_at = share, catch_call_hours, clock.now()
    return row


def _phone(session: Session, citizen_id: int) -> str | None:
    return session.scalar(select(CitizenIdentity.value).where(CitizenIdentity.citizen_id == citizen_id,
                                                              CitizenIdentity.kind == "phone"))


def on_close(session: Session, conv: Conversation, record: ConsultationRecord) -> ContactSurvey | None:
    """A contact closed with its record: draw whether it is surveyed (the policy's share of the
    contacts that can be) and, if so, send the link on its channel. Abandoned contacts, citizens
    who opted out of SMS where the link would be an SMS, and restricted or erased citizens are
    not asked."""
    current = session.get(HappyCallPolicy, 1)
    if current is None or current.share == 0.0:
        return None  # the center surveys nobody (and no row lock on every close)
    if record.resolution == Resolution.ABANDONED or session.scalar(
            select(ContactSurvey.id).where(ContactSurvey.conversation_id == conv.id)) is not None:
        return None  # nobody is asked about a contact twice
    citizen = session.get(Citizen, conv.citizen_id)
    if citizen is None or citizen.erased_at is not None or (
            citizen.restricted_until is not None and citizen.restricted_until > clock.now()):
        return None
    route = core.survey_route(conv.channel, has_phone=_phone(session, conv.citizen_id) is not None)
    if route is None or (citizen.sms_opt_out_at is not None and (route == "sms" or conv.channel == "sms")):
        return None
    row = session.get_one(HappyCallPolicy, 1, with_for_update=True, populate_existing=True)
    chance = core.chance(row.share, row.considered, row.sampled)
    row.considered += 1
    if _draw.random() >= chance:
        return None
    row.sampled += 1
    return _send(session, conv, record, via_sms=route == "sms")


def _send(session: Session, conv: Conversation, record: ConsultationRecord, *, via_sms: bool) -> ContactSurvey:
    now = clock.now()
    survey = ContactSurvey(conversation_id=conv.id, citizen_id=conv.citizen_id, agent_id=record.agent_id,
                           channel=conv.channel, token=secrets.token_urlsafe(16), sent_at=now,
                           expires_at=now + timedelta(days=SURVEY_DAYS), comment="")
    thread = conv
    if via_sms:  # a call's survey goes to the caller's phone, in a thread of its own
        thread = Conversation(citizen_id=conv.citizen_id, channel="sms", status=ConvStatus.CLOSED, lang=conv.lang,
                              created_at=now, ended_at=now, closed_at=now)
        session.add(thread)
        session.flush()
    survey.sent_via = thread.id
    session.add(survey)
    session.flush()
    url = f"{center_service.public_url()}/survey/{survey.token}"
    do_append_message(session=session, conv=thread, kind=MsgKind.OUTBOUND, notice=True,
                      body=citizen_text(session, thread, "survey.contact", url=url))
    do_record_event(session=session, conv=conv, kind="survey_sent", data={"via": thread.channel})
    return survey


def survey_by_token(session: Session, token: str) -> ContactSurvey:
    """The survey a link names; an unknown or expired link is not found."""
    survey = session.scalar(select(ContactSurvey).where(ContactSurvey.token == token[:40]))
    if survey is None or not hmac.compare_digest(survey.token, token) or survey.expires_at < clock.now():
        raise NotFound("this survey link is unknown or has expired", code="no_survey")
    return survey


def do_answer(*, session: Session, survey: ContactSurvey, score: int, comment: str = "") -> CatchCall | None:
    """The citizen's score (1–5), once; 1 or 2 opens a catch-call due within the policy's hours."""
    if not 1 <= score <= 5:
        raise Invalid("the score is from 1 to 5", code="bad_score")
    if survey.score is not None:
        raise Conflict("this survey was already answered", code="already_answered")
    now = clock.now()
    survey.score, survey.comment, survey.answered_at = score, comment.strip()[:2000], now
    conv = session.get_one(Conversation, survey.conversation_id)
    do_record_event(session=session, conv=conv, kind="survey_answered", data={"score": score})
    if score > core.LOW_SCORE:
        return None
    call = CatchCall(survey_id=survey.id, conversation_id=survey.conversation_id, created_at=now,
                     due_at=now + timedelta(hours=policy(session).catch_call_hours), status="open", note="")
    session.add(call)
    session.flush()
    send_event_on_commit(session, Audience(roles=SUPERVISING_ROLES),
                         QualityUpdated(data={"event": "catch_call", "id": call.id, "score": score,
                                              "conversation_id": call.conversation_id,
                                              "due_at": call.due_at.isoformat()}))
    return call


def do_finish_catch_call(*, session: Session, call: CatchCall, user: User, note: str) -> CatchCall:
    """The supervisor called the citizen back: what came of it."""
    if call.status == "done":
        raise Conflict("this catch-call is already done", code="already_done")
    note = note.strip()
    if not note:
        raise Invalid("say what came of the call", code="note_required")
    call.status, call.done_by_id, call.done_at, call.note = "done", user.id, clock.now(), note[:2000]
    send_event_on_commit(session, Audience(roles=SUPERVISING_ROLES),
                         QualityUpdated(data={"event": "catch_call_done", "id": call.id}))
    return call


# -- scorecards, evaluations, disputes, calibration -----------------------------------------------

DISPUTE_DAYS = 7  # an agent may dispute an evaluation for this long


def form_of(form: QaForm) -> scoring.Form:
    return scoring.parse_form(form.definition)


def _invalid(e: scoring.FormError) -> Invalid:
    return Invalid(str(e), code="bad_form")


def do_save_form(*, session: Session, user: User, code: str, data: dict) -> QaForm:
    """A new form, or a new version of the form `code`: the older versions stay for the
    evaluations scored on them and are no longer offered."""
    if not code.isidentifier() or len(code) > 40:
        raise Invalid("a form's code is a short identifier (letters, digits, _)", code="bad_code")
    try:
        form = scoring.parse_form(data)
    except scoring.FormError as e:
        raise _invalid(e) from e
    previous = session.scalars(select(QaForm).where(QaForm.code == code).with_for_update()).all()
    for old in previous:
        old.active = False
    row = QaForm(code=code, version=max((f.version for f in previous), default=0) + 1, name=form.name,
                 definition=scoring.form_json(form), active=True, created_by_id=user.id, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def _contact(session: Session, conversation_id: int) -> tuple[Conversation, ConsultationRecord]:
    conv = session.get(Conversation, conversation_id)
    record = session.scalar(select(ConsultationRecord).where(ConsultationRecord.conversation_id == conversation_id))
    if conv is None or record is None:
        raise NotFound(f"no closed contact {conversation_id}", code="unknown_contact")
    if record.agent_id is None:
        raise Invalid("nobody answered this contact: there is no agent to evaluate", code="no_agent")
    return conv, record


def do_evaluate(*, session: Session, evaluator: User, form: QaForm, conversation_id: int, answers: dict,
                comment: str = "", reason: str = "", calibration: QaCalibration | None = None) -> QaEvaluation:
    """Score a closed contact on a form. Outside calibration a contact is evaluated once and its
    agent is told; in a calibration round each of its evaluators scores each of its contacts once,
    blind, and the agent is not told (the round is about the evaluators)."""
    conv, record = _contact(session, conversation_id)
    if record.agent_id == evaluator.id:
        raise Forbidden("nobody evaluates their own contacts", code="own_contact")
    if calibration is not None:
        if evaluator.id not in calibration.evaluator_ids:
            raise Forbidden("you are not an evaluator of this calibration round", code="not_calibrating")
        if conversation_id not in calibration.conversation_ids:
            raise Invalid("this contact is not in the calibration round", code="not_in_round")
        if form.id != calibration.form_id:
            raise Invalid("a calibration round is scored on its own form", code="wrong_form")
    elif not form.active:
        raise Invalid("this form has a newer version: score on that one", code="old_form")
    taken = select(QaEvaluation.id).where(QaEvaluation.conversation_id == conversation_id)
    taken = (taken.where(QaEvaluation.calibration_id == calibration.id, QaEvaluation.evaluator_id == evaluator.id)
             if calibration is not None else taken.where(QaEvaluation.calibration_id.is_(None)))
    if session.scalar(taken) is not None:
        raise Conflict("this contact has already been evaluated" + (" by you in this round" if calibration else ""),
                       code="already_evaluated")
    try:
        result = scoring.score(form_of(form), answers)
    except scoring.FormError as e:
        raise _invalid(e) from e
    now = clock.now()
    ev = QaEvaluation(form_id=form.id, conversation_id=conv.id, agent_id=record.agent_id, evaluator_id=evaluator.id,
                      calibration_id=calibration.id if calibration else None, answers=answers, score=result.score,
                      critical_failed=bool(result.critical_failed), comment=comment.strip()[:4000],
                      reason=reason[:20], created_at=now, status="calibration" if calibration else "open",
                      dispute_until=now + timedelta(days=DISPUTE_DAYS), dispute_reason="", resolution_note="")
    session.add(ev)
    session.flush()
    if calibration is None:
        send_event_on_commit(session, Audience(user_ids=[ev.agent_id]),
                             QualityUpdated(data={"event": "evaluation", "id": ev.id, "score": ev.score}))
    return ev


def do_acknowledge(*, session: Session, ev: QaEvaluation, user: User) -> QaEvaluation:
    if ev.agent_id != user.id:
        raise Forbidden("only the evaluated agent acknowledges an evaluation", code="not_yours")
    if ev.status != "open":
        raise Conflict(f"this evaluation is {ev.status}", code="not_open")
    ev.status, ev.acknowledged_at = "acknowledged", clock.now()
    return ev


def do_dispute(*, session: Session, ev: QaEvaluation, user: User, reason: str) -> QaEvaluation:
    """The agent disagrees, saying why, before the deadline; the supervisors are told."""
    if ev.agent_id != user.id:
        raise Forbidden("only the evaluated agent disputes an evaluation", code="not_yours")
    if ev.status != "open":
        raise Conflict(f"this evaluation is {ev.status}", code="not_open")
    if clock.now() > ev.dispute_until:
        raise Conflict("the time to dispute this evaluation has passed", code="too_late")
    reason = reason.strip()
    if not reason:
        raise Invalid("say what is wrong with the evaluation", code="reason_required")
    ev.status, ev.dispute_reason, ev.disputed_at = "disputed", reason[:4000], clock.now()
    send_event_on_commit(session, Audience(roles=SUPERVISING_ROLES),
                         QualityUpdated(data={"event": "dispute", "id": ev.id}))
    return ev


def do_resolve(*, session: Session, ev: QaEvaluation, user: User, decision: str, note: str,
               answers: dict | None = None) -> QaEvaluation:
    """A supervisor other than the evaluator decides a dispute: the score stands (`upheld`) or is
    amended with corrected answers (the first score is kept beside it)."""
    if ev.status != "disputed":
        raise Conflict("only a disputed evaluation is resolved", code="not_disputed")
    if user.id in (ev.evaluator_id, ev.agent_id):
        raise Forbidden("a dispute is resolved by someone other than its evaluator and agent", code="own_dispute")
    note = note.strip()
    if not note:
        raise Invalid("say why the dispute was decided so", code="note_required")
    if decision == "amended":
        if answers is None:
            raise Invalid("an amended evaluation needs its corrected answers", code="answers_required")
        try:
            result = scoring.score(form_of(session.get_one(QaForm, ev.form_id)), answers)
        except scoring.FormError as e:
            raise _invalid(e) from e
        ev.original_score, ev.answers, ev.score = ev.score, answers, result.score
        ev.critical_failed = bool(result.critical_failed)
    elif decision != "upheld":
        raise Invalid("a dispute is upheld or amended", code="bad_decision")
    ev.status, ev.resolution_note, ev.resolved_by_id, ev.resolved_at = decision, note[:4000], user.id, clock.now()
    send_event_on_commit(session, Audience(user_ids=[ev.agent_id]),
                         QualityUpdated(data={"event": "dispute_resolved", "id": ev.id, "decision": decision}))
    return ev


def do_create_calibration(*, session: Session, user: User, name: str, form: QaForm, conversation_ids: list[int],
                          evaluator_ids: list[int]) -> QaCalibration:
    name = name.strip()
    if not name:
        raise Invalid("a calibration round has a name", code="name_required")
    if not form.active:
        raise Invalid("this form has a newer version", code="old_form")
    if len(set(evaluator_ids)) < 2:
        raise Invalid("a calibration round has at least two evaluators", code="too_few_evaluators")
    if not conversation_ids:
        raise Invalid("a calibration round has at least one contact", code="no_contacts")
    evaluators = session.scalars(select(User).where(User.id.in_(set(evaluator_ids)))).all()
    if len(evaluators) != len(set(evaluator_ids)) or any(u.role not in SUPERVISING_ROLES for u in evaluators):
        raise Invalid("evaluators are supervisors or admins", code="bad_evaluator")
    for cid in dict.fromkeys(conversation_ids):
        _contact(session, cid)
    row = QaCalibration(name=name[:200], form_id=form.id, conversation_ids=list(dict.fromkeys(conversation_ids)),
                        evaluator_ids=sorted(set(evaluator_ids)), created_by_id=user.id, created_at=clock.now())
    session.add(row)
    session.flush()
    send_event_on_commit(session, Audience(user_ids=row.evaluator_ids),
                         QualityUpdated(data={"event": "calibration", "id": row.id}))
    return row


# -- mystery shopping -----------------------------------------------------------------------------

MYSTERY_CHANNELS = ("voice", "webchat", "sms", "email", "video", "sns-kakao")


def do_create_scenario(*, session: Session, user: User, title: str, channel: str, script: str,
                       expected_answer: str, form: QaForm) -> MysteryScenario:
    title, script, expected_answer = title.strip(), script.strip(), expected_answer.strip()
    if not title or not script or not expected_answer:
        raise Invalid("a scenario has a title, a script and the answer expected", code="scenario_incomplete")
    if channel not in MYSTERY_CHANNELS:
        raise Invalid(f"the channel is one of {', '.join(MYSTERY_CHANNELS)}", code="bad_channel")
    if not form.active:
        raise Invalid("this form has a newer version", code="old_form")
    row = MysteryScenario(title=title[:200], channel=channel, script=script[:4000],
                          expected_answer=expected_answer[:4000], form_id=form.id, created_by_id=user.id,
                          created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def do_assign(*, session: Session, scenario: MysteryScenario, shopper: User, due_at) -> MysteryAssignment:
    if shopper.role != "shopper" or not shopper.active:
        raise Invalid("assignments go to active mystery shoppers", code="not_a_shopper")
    if due_at <= clock.now():
        raise Invalid("the due date is in the future", code="bad_due")
    row = MysteryAssignment(scenario_id=scenario.id, shopper_id=shopper.id, due_at=due_at, status="assigned",
                            critical_failed=False, notes="", created_at=clock.now())
    session.add(row)
    session.flush()
    send_event_on_commit(session, Audience(user_ids=[shopper.id]),
                         QualityUpdated(data={"event": "mystery_assigned", "id": row.id}))
    return row


def do_complete_assignment(*, session: Session, assignment: MysteryAssignment, user: User, answers: dict,
                           answer_correct: bool, contact_at, notes: str) -> MysteryAssignment:
    """The shopper made the contact: its scores on the scenario's form, whether the expected answer
    was given, when, and what they noticed. Once."""
    if assignment.shopper_id != user.id:
        raise Forbidden("only the assigned shopper reports this contact", code="not_yours")
    if assignment.status == "done":
        raise Conflict("this assignment is already reported", code="already_done")
    if contact_at > clock.now():
        raise Invalid("the contact cannot be in the future", code="bad_contact_time")
    scenario = session.get_one(MysteryScenario, assignment.scenario_id)
    try:
        result = scoring.score(form_of(session.get_one(QaForm, scenario.form_id)), answers)
    except scoring.FormError as e:
        raise _invalid(e) from e
    assignment.answers, assignment.score = answers, result.score
    assignment.critical_failed, assignment.answer_correct = bool(result.critical_failed), answer_correct
    assignment.contact_at, assignment.notes = contact_at, notes.strip()[:4000]
    assignment.status, assignment.completed_at = "done", clock.now()
    send_event_on_commit(session, Audience(roles=SUPERVISING_ROLES),
                         QualityUpdated(data={"event": "mystery_done", "id": assignment.id}))
    return assignment

"""Quality API: the happy-call policy (admins), what the surveys say and the catch-calls
(supervisors); scorecards, the evaluation worklist, evaluations with their acknowledgement and
disputes, calibration rounds with their agreement, and the scores report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import case, func, select

from dasan.center import service as center_service
from dasan.conversations import service as conv_service
from dasan.conversations.models import ConsultationRecord, ConversationEvent
from dasan.core.csvfile import to_csv
from dasan.core.errors import Invalid, NotFound, found
from dasan.core.ids import PathId
from dasan.core.moments import Day, Moment, check_period
from dasan.orgs.models import Role, User
from dasan.quality import actions, sampling, scoring
from dasan.quality.models import (
    CatchCall,
    ContactSurvey,
    MysteryAssignment,
    MysteryScenario,
    QaCalibration,
    QaEvaluation,
    QaForm,
)
from dasan.security.actions import do_audit
from dasan.security.deps import ALL_ROLES, SUPERVISION, Allow, Principal, SessionDep
from dasan.voice.models import VoiceCall

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])
Supervising = Annotated[Principal, Depends(Allow(*SUPERVISION))]
Admin = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]


class PolicyIn(BaseModel):
    share: float = Field(ge=0.0, le=1.0)
    catch_call_hours: int = Field(ge=1, le=24 * 14)


def _policy_out(row) -> dict:
    return {"share": row.share, "catch_call_hours": row.catch_call_hours, "considered": row.considered,
            "sampled": row.sampled}


@router.get("/happy-call")
def get_policy(session: SessionDep, me: Supervising) -> dict:
    """The share of closed contacts surveyed, and how many were considered and surveyed since it was set."""
    return _policy_out(actions.policy(session))


@router.put("/happy-call")
def set_policy(body: PolicyIn, session: SessionDep, me: Admin) -> dict:
    row = actions.do_set_policy(session=session, share=body.share, catch_call_hours=body.catch_call_hours)
    do_audit(session=session, user_id=me.id, action="quality.happy_call.set", subject_type="policy", subject_id=1,
             detail={"share": body.share, "catch_call_hours": body.catch_call_hours})
    return _policy_out(row)


@router.get("/surveys")
def survey_summary(session: SessionDep, me: Supervising,
                   start: Annotated[Day, Query()], end: Annotated[Day, Query()]) -> dict:
    """Surveys sent on the center's days `start`…`end`: how many, answered, the mean score, per channel."""
    try:
        check_period(start, end)
    except ValueError as e:
        raise Invalid(str(e), code="bad_period") from e
    t0, t1 = center_service.get(session).day_bounds(start, end)
    rows = session.execute(select(ContactSurvey.channel, func.count(), func.count(ContactSurvey.score),
                                  func.avg(ContactSurvey.score)).where(
        ContactSurvey.sent_at >= t0, ContactSurvey.sent_at < t1).group_by(ContactSurvey.channel)).all()
    return {"start": start.isoformat(), "end": end.isoformat(),
            "channels": [{"channel": c, "sent": n, "answered": a, "mean_score": round(float(m), 2) if m else None}
                         for c, n, a, m in rows]}


def _call_out(c: CatchCall, survey: ContactSurvey) -> dict:
    return {"id": c.id, "conversation_id": c.conversation_id, "score": survey.score, "comment": survey.comment,
            "channel": survey.channel, "agent_id": survey.agent_id, "created_at": c.created_at, "due_at": c.due_at,
            "status": c.status, "note": c.note, "done_at": c.done_at}


@router.get("/catch-calls")
def list_catch_calls(session: SessionDep, me: Supervising,
                     status: Annotated[str, Query(pattern="^(open|done)$")] = "open") -> list[dict]:
    """The low scores to call back, soonest due first."""
    rows = session.execute(select(CatchCall, ContactSurvey).join(ContactSurvey, ContactSurvey.id == CatchCall.survey_id)
                           .where(CatchCall.status == status).order_by(CatchCall.due_at).limit(500)).all()
    return [_call_out(c, s) for c, s in rows]


class DoneIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


@router.post("/catch-calls/{call_id}/done")
def finish_catch_call(call_id: PathId, body: DoneIn, session: SessionDep, me: Supervising) -> dict:
    call = session.get(CatchCall, call_id)
    if call is None:
        raise NotFound(f"no catch-call {call_id}", code="unknown_catch_call")
    actions.do_finish_catch_call(session=session, call=call, user=me.user, note=body.note)
    do_audit(session=session, user_id=me.id, action="quality.catch_call.done", subject_type="catch_call",
             subject_id=call.id)
    return _call_out(call, session.get_one(ContactSurvey, call.survey_id))


# -- scorecards, evaluations, disputes, calibration -----------------------------------------------

Staff = Annotated[Principal, Depends(Allow(*ALL_ROLES))]


class FormIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    form: dict


def _form_out(f: QaForm) -> dict:
    return {"id": f.id, "code": f.code, "version": f.version, "name": f.name, "active": f.active,
            "definition": f.definition, "created_at": f.created_at}


@router.get("/forms")
def list_forms(session: SessionDep, me: Supervising, all: bool = False) -> list[dict]:
    """The scorecards in use (with `all`, every version)."""
    q = select(QaForm).order_by(QaForm.code, QaForm.version.desc()).limit(500)
    return [_form_out(f) for f in session.scalars(q if all else q.where(QaForm.active.is_(True)))]


@router.post("/forms", status_code=201)
def save_form(body: FormIn, session: SessionDep, me: Supervising) -> dict:
    """A new scorecard, or a new version of the one with this code."""
    row = actions.do_save_form(session=session, user=me.user, code=body.code, data=body.form)
    do_audit(session=session, user_id=me.id, action="quality.form.save", subject_type="qa_form", subject_id=row.id,
             detail={"code": row.code, "version": row.version})
    return _form_out(row)


def _get_form(session, form_id: int) -> QaForm:
    return found(session.get(QaForm, form_id), f"form {form_id}", "unknown_form")


@router.get("/worklist")
def worklist(session: SessionDep, me: Supervising, start: Annotated[Day, Query()], end: Annotated[Day, Query()],
             per_agent: Annotated[int, Query(ge=1, le=100)] = 4,
             channel: Annotated[str | None, Query(max_length=20)] = None,
             targets: Annotated[str, Query(max_length=100)] = ",".join(sampling.TARGETS)) -> list[dict]:
    """The contacts to evaluate for the center's days `start`…`end`: `per_agent` per agent,
    about half targeted (low happy-call scores, transfers, long contacts), the rest at random."""
    try:
        check_period(start, end)
    except ValueError as e:
        raise Invalid(str(e), code="bad_period") from e
    wanted = tuple(t for t in targets.split(",") if t)
    if set(wanted) - set(sampling.TARGETS):
        raise Invalid(f"targets are among {', '.join(sampling.TARGETS)}", code="bad_target")
    t0, t1 = center_service.get(session).day_bounds(start, end)
    transfers = (select(ConversationEvent.conversation_id, func.count().label("n"))
                 .where(ConversationEvent.kind == "transferred").group_by(ConversationEvent.conversation_id).subquery())
    query = (select(ConsultationRecord.conversation_id, ConsultationRecord.agent_id, ConsultationRecord.channel,
                    ConsultationRecord.handle_s, func.coalesce(transfers.c.n, 0), ContactSurvey.score)
             .outerjoin(transfers, transfers.c.conversation_id == ConsultationRecord.conversation_id)
             .outerjoin(ContactSurvey, ContactSurvey.conversation_id == ConsultationRecord.conversation_id)
             .where(ConsultationRecord.closed_at >= t0, ConsultationRecord.closed_at < t1,
                    ConsultationRecord.agent_id.is_not(None), ConsultationRecord.resolution != "abandoned"))
    if channel:
        query = query.where(ConsultationRecord.channel == channel)
    rows = session.execute(query.limit(200_000)).all()
    contacts = [sampling.Contact(id=c, agent_id=a, channel=ch, handle_s=h or 0.0, transfers=n, survey_score=s)
                for c, a, ch, h, n, s in rows]
    done = frozenset(session.scalars(select(QaEvaluation.conversation_id).where(
        QaEvaluation.calibration_id.is_(None), QaEvaluation.conversation_id.in_([c.id for c in contacts]))))
    picked = sampling.pick(contacts, per_agent=per_agent, seed=f"{start}:{end}", targets=wanted, done=done)
    names = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({c.agent_id for c, _ in picked}))).all())
    return [{"conversation_id": c.id, "agent_id": c.agent_id, "agent": names.get(c.agent_id, ""),
             "channel": c.channel, "handle_s": round(c.handle_s), "transfers": c.transfers,
             "survey_score": c.survey_score, "reason": why} for c, why in picked]


@router.get("/evaluators")
def evaluators(session: SessionDep, me: Supervising) -> list[dict]:
    """Who may evaluate and calibrate: active supervisors and admins."""
    rows = session.execute(select(User.id, User.display_name).where(
        User.role.in_(SUPERVISION), User.active.is_(True)).order_by(User.display_name)).all()
    return [{"id": i, "name": n} for i, n in rows]


@router.get("/contacts/{conversation_id}")
def contact(conversation_id: PathId, session: SessionDep, me: Staff) -> dict:
    """What an evaluation is scored beside: the contact's record, its whole transcript and its
    calls with recordings. Supervisors and admins see any closed contact; an agent the contacts of
    their own evaluations. Every view is in the audit log."""
    record = session.scalar(select(ConsultationRecord).where(ConsultationRecord.conversation_id == conversation_id))
    if record is None or (me.user.role not in SUPERVISION and session.scalar(select(QaEvaluation.id).where(
            QaEvaluation.conversation_id == conversation_id, QaEvaluation.agent_id == me.id,
            QaEvaluation.calibration_id.is_(None))) is None):
        raise NotFound(f"no closed contact {conversation_id} to see", code="unknown_contact")
    msgs = conv_service.list_messages(session=session, conversation_id=conversation_id)
    names = conv_service.author_names(session=session, messages=msgs)
    agent = session.get(User, record.agent_id) if record.agent_id else None
    calls = session.execute(select(VoiceCall.id, VoiceCall.recording_s).where(
        VoiceCall.conversation_id == conversation_id, VoiceCall.recording_path != "")
        .order_by(VoiceCall.id)).all()
    do_audit(session=session, user_id=me.id, action="quality.contact.view", subject_type="conversation",
             subject_id=conversation_id)
    return {"conversation_id": conversation_id, "channel": record.channel, "category": record.category,
            "summary": record.summary, "resolution": record.resolution, "closed_at": record.closed_at,
            "handle_s": round(record.handle_s), "agent_id": record.agent_id,
            "agent": agent.display_name if agent else "",
            "messages": [conv_service.message_data(m, names.get(m.author_id or 0, "")).model_dump() for m in msgs],
            "recordings": [{"call_id": i, "seconds": round(sec or 0, 1),
                            "url": f"/api/v1/voice/calls/{i}/recording"} for i, sec in calls]}


class EvaluationIn(BaseModel):
    form_id: int = Field(ge=1, le=2**31 - 1)
    conversation_id: int = Field(ge=1, le=2**31 - 1)
    answers: dict[str, int | str] = Field(max_length=100)
    comment: str = Field(default="", max_length=4000)
    reason: str = Field(default="", max_length=20)
    calibration_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


def _eval_out(ev: QaEvaluation, names: dict[int, str]) -> dict:
    return {"id": ev.id, "form_id": ev.form_id, "conversation_id": ev.conversation_id, "agent_id": ev.agent_id,
            "agent": names.get(ev.agent_id, ""), "evaluator_id": ev.evaluator_id,
            "evaluator": names.get(ev.evaluator_id, ""), "calibration_id": ev.calibration_id, "answers": ev.answers,
            "score": ev.score, "critical_failed": ev.critical_failed, "comment": ev.comment, "reason": ev.reason,
            "created_at": ev.created_at, "status": ev.status, "dispute_until": ev.dispute_until,
            "dispute_reason": ev.dispute_reason, "original_score": ev.original_score,
            "resolution_note": ev.resolution_note, "resolved_at": ev.resolved_at}


def _names(session, evs) -> dict[int, str]:
    ids = {i for ev in evs for i in (ev.agent_id, ev.evaluator_id)}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}


def _calibration(session, calibration_id: int) -> QaCalibration:
    return found(session.get(QaCalibration, calibration_id), f"calibration round {calibration_id}",
                 "unknown_calibration")


@router.post("/evaluations", status_code=201)
def evaluate(body: EvaluationIn, session: SessionDep, me: Supervising) -> dict:
    """Score a closed contact (in a calibration round when `calibration_id` is given)."""
    calibration = _calibration(session, body.calibration_id) if body.calibration_id else None
    ev = actions.do_evaluate(session=session, evaluator=me.user, form=_get_form(session, body.form_id),
                             conversation_id=body.conversation_id, answers=body.answers, comment=body.comment,
                             reason=body.reason, calibration=calibration)
    do_audit(session=session, user_id=me.id, action="quality.evaluation.create", subject_type="qa_evaluation",
             subject_id=ev.id, detail={"conversation_id": ev.conversation_id, "score": ev.score})
    return _eval_out(ev, _names(session, [ev]))


STATUS_PATTERN = "^(open|acknowledged|disputed|upheld|amended)$"


@router.get("/evaluations")
def list_evaluations(session: SessionDep, me: Supervising,
                     status: Annotated[str | None, Query(pattern=STATUS_PATTERN)] = None,
                     agent_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> list[dict]:
    """Evaluations outside calibration, newest first (disputes: `status=disputed`)."""
    q = select(QaEvaluation).where(QaEvaluation.calibration_id.is_(None))
    if status:
        q = q.where(QaEvaluation.status == status)
    if agent_id:
        q = q.where(QaEvaluation.agent_id == agent_id)
    evs = session.scalars(q.order_by(QaEvaluation.id.desc()).limit(500)).all()
    names = _names(session, evs)
    return [_eval_out(ev, names) for ev in evs]


@router.get("/evaluations/mine")
def my_evaluations(session: SessionDep, me: Staff) -> list[dict]:
    """The evaluations of my contacts, newest first."""
    evs = session.scalars(select(QaEvaluation).where(QaEvaluation.agent_id == me.id,
                                                     QaEvaluation.calibration_id.is_(None))
                          .order_by(QaEvaluation.id.desc()).limit(200)).all()
    names = _names(session, evs)
    return [_eval_out(ev, names) for ev in evs]


def _evaluation(session, evaluation_id: int, me: Principal) -> QaEvaluation:
    """An evaluation its viewer may see: its agent (outside calibration), supervisors and admins
    (a calibration score only to its own evaluator, so the round stays blind)."""
    ev = session.get(QaEvaluation, evaluation_id)
    if ev is not None:
        if ev.calibration_id is not None:
            if ev.evaluator_id == me.id:
                return ev
        elif ev.agent_id == me.id or me.user.role in SUPERVISION:
            return ev
    raise NotFound(f"no evaluation {evaluation_id}", code="unknown_evaluation")


@router.get("/evaluations/{evaluation_id}")
def get_evaluation(evaluation_id: PathId, session: SessionDep, me: Staff) -> dict:
    """An evaluation with the form it was scored on."""
    ev = _evaluation(session, evaluation_id, me)
    return {**_eval_out(ev, _names(session, [ev])), "form": _form_out(session.get_one(QaForm, ev.form_id))}


@router.post("/evaluations/{evaluation_id}/acknowledge")
def acknowledge(evaluation_id: PathId, session: SessionDep, me: Staff) -> dict:
    ev = actions.do_acknowledge(session=session, ev=_evaluation(session, evaluation_id, me), user=me.user)
    do_audit(session=session, user_id=me.id, action="quality.evaluation.acknowledge", subject_type="qa_evaluation",
             subject_id=ev.id)
    return _eval_out(ev, _names(session, [ev]))


class DisputeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


@router.post("/evaluations/{evaluation_id}/dispute")
def dispute(evaluation_id: PathId, body: DisputeIn, session: SessionDep, me: Staff) -> dict:
    ev = actions.do_dispute(session=session, ev=_evaluation(session, evaluation_id, me), user=me.user,
                            reason=body.reason)
    do_audit(session=session, user_id=me.id, action="quality.evaluation.dispute", subject_type="qa_evaluation",
             subject_id=ev.id)
    return _eval_out(ev, _names(session, [ev]))


class ResolveIn(BaseModel):
    decision: str = Field(pattern="^(upheld|amended)$")
    note: str = Field(min_length=1, max_length=4000)
    answers: dict[str, int | str] | None = Field(default=None, max_length=100)


@router.post("/evaluations/{evaluation_id}/resolve")
def resolve(evaluation_id: PathId, body: ResolveIn, session: SessionDep, me: Supervising) -> dict:
    ev = actions.do_resolve(session=session, ev=_evaluation(session, evaluation_id, me), user=me.user,
                            decision=body.decision, note=body.note, answers=body.answers)
    do_audit(session=session, user_id=me.id, action="quality.evaluation.resolve", subject_type="qa_evaluation",
             subject_id=ev.id, detail={"decision": ev.status, "score": ev.score})
    return _eval_out(ev, _names(session, [ev]))


class CalibrationIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    form_id: int = Field(ge=1, le=2**31 - 1)
    conversation_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=50)
    evaluator_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=2, max_length=20)


def _round_out(session, row: QaCalibration, me: Principal) -> dict:
    mine = set(session.scalars(select(QaEvaluation.conversation_id).where(
        QaEvaluation.calibration_id == row.id, QaEvaluation.evaluator_id == me.id)))
    scored = session.scalar(select(func.count()).where(QaEvaluation.calibration_id == row.id)) or 0
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(row.evaluator_ids))).all())
    return {"id": row.id, "name": row.name, "form_id": row.form_id, "conversation_ids": row.conversation_ids,
            "evaluators": [{"id": e, "name": names.get(e, "")} for e in row.evaluator_ids],
            "created_at": row.created_at, "scored": scored,
            "expected": len(row.conversation_ids) * len(row.evaluator_ids),
            "mine_to_score": [c for c in row.conversation_ids if c not in mine] if me.id in row.evaluator_ids else []}


@router.post("/calibrations", status_code=201)
def create_calibration(body: CalibrationIn, session: SessionDep, me: Supervising) -> dict:
    """A calibration round: these evaluators score these contacts on this form, blind."""
    row = actions.do_create_calibration(session=session, user=me.user, name=body.name,
                                        form=_get_form(session, body.form_id), conversation_ids=body.conversation_ids,
                                        evaluator_ids=body.evaluator_ids)
    do_audit(session=session, user_id=me.id, action="quality.calibration.create", subject_type="qa_calibration",
             subject_id=row.id)
    return _round_out(session, row, me)


@router.get("/calibrations")
def list_calibrations(session: SessionDep, me: Supervising) -> list[dict]:
    rows = session.scalars(select(QaCalibration).order_by(QaCalibration.id.desc()).limit(100)).all()
    return [_round_out(session, r, me) for r in rows]


@router.get("/calibrations/{calibration_id}")
def calibration_results(calibration_id: PathId, session: SessionDep, me: Supervising) -> dict:
    """A round's agreement: Krippendorff's α per question and for the total, each evaluator's
    distance from the consensus. Blind: an evaluator of the round sees it once their own scores
    are all in."""
    row = _calibration(session, calibration_id)
    out = _round_out(session, row, me)
    if out["mine_to_score"]:
        return {**out, "results": None}
    evs = session.scalars(select(QaEvaluation).where(QaEvaluation.calibration_id == row.id)).all()
    form = actions.form_of(session.get_one(QaForm, row.form_id))
    result = scoring.agreement(form, row.evaluator_ids, row.conversation_ids,
                               {(e.evaluator_id, e.conversation_id): e.answers for e in evs},
                               {(e.evaluator_id, e.conversation_id): e.score for e in evs})
    names = {e["id"]: e["name"] for e in out["evaluators"]}
    for d in result["evaluators"]:
        d["name"] = names.get(d["evaluator_id"], "")
    result["consensus"] = [{"conversation_id": c, "score": s} for c, s in result["consensus"].items()]
    return {**out, "results": result}


@router.get("/scores", response_model=None)
def scores(session: SessionDep, me: Supervising, start: Annotated[Day, Query()], end: Annotated[Day, Query()],
           by: Annotated[str, Query(pattern="^(agent|question|month)$")] = "agent",
           format: Annotated[str, Query(pattern="^(json|csv)$")] = "json") -> dict | Response:
    """Evaluation scores of the center's days `start`…`end` (calibration rounds left out), by agent,
    by question (share of points earned where it applied) or by month; as CSV with `format=csv`."""
    try:
        check_period(start, end, max_days=400)
    except ValueError as e:
        raise Invalid(str(e), code="bad_period") from e
    center = center_service.get(session)
    t0, t1 = center.day_bounds(start, end)
    evs = session.scalars(select(QaEvaluation).where(
        QaEvaluation.calibration_id.is_(None), QaEvaluation.created_at >= t0, QaEvaluation.created_at < t1)
        .limit(100_000)).all()
    forms = {f.id: actions.form_of(f) for f in session.scalars(select(QaForm).where(
        QaForm.id.in_({e.form_id for e in evs})))}
    rows = scoring.summarise(evs, forms, by=by, names=_names(session, evs), zone=center.tz)
    if format == "csv":
        name = f"dasan-qa-scores-{by}-{start.isoformat()}-{end.isoformat()}.csv"
        do_audit(session=session, user_id=me.id, action="report.export", subject_type="report", subject_id=None,
                 detail={"file": name})
        session.commit()
        return Response(to_csv(list(rows[0]) if rows else ["key"], rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return {"start": start.isoformat(), "end": end.isoformat(), "by": by, "rows": rows}


# -- mystery shopping -----------------------------------------------------------------------------

Shopper = Annotated[Principal, Depends(Allow(Role.SHOPPER.value))]


class ScenarioIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    channel: str = Field(min_length=1, max_length=20)
    script: str = Field(min_length=1, max_length=4000)
    expected_answer: str = Field(min_length=1, max_length=4000)
    form_id: int = Field(ge=1, le=2**31 - 1)


def _scenario_out(s: MysteryScenario) -> dict:
    return {"id": s.id, "title": s.title, "channel": s.channel, "script": s.script,
            "expected_answer": s.expected_answer, "form_id": s.form_id, "created_at": s.created_at}


@router.post("/mystery/scenarios", status_code=201)
def create_scenario(body: ScenarioIn, session: SessionDep, me: Supervising) -> dict:
    """A scripted test contact for mystery shoppers."""
    row = actions.do_create_scenario(session=session, user=me.user, title=body.title, channel=body.channel,
                                     script=body.script, expected_answer=body.expected_answer,
                                     form=_get_form(session, body.form_id))
    do_audit(session=session, user_id=me.id, action="quality.mystery.scenario", subject_type="qa_mystery_scenario",
             subject_id=row.id)
    return _scenario_out(row)


@router.get("/mystery/scenarios")
def list_scenarios(session: SessionDep, me: Supervising) -> list[dict]:
    return [_scenario_out(s) for s in session.scalars(select(MysteryScenario).order_by(MysteryScenario.id.desc())
                                                      .limit(500))]


@router.get("/shoppers")
def shoppers(session: SessionDep, me: Supervising) -> list[dict]:
    """The active mystery shoppers, to assign scenarios to."""
    rows = session.execute(select(User.id, User.display_name).where(
        User.role == Role.SHOPPER.value, User.active.is_(True)).order_by(User.display_name)).all()
    return [{"id": i, "name": n} for i, n in rows]


class AssignIn(BaseModel):
    scenario_id: int = Field(ge=1, le=2**31 - 1)
    shopper_id: int = Field(ge=1, le=2**31 - 1)
    due_on: Day  # the center's day it is due by (end of that day)


def _assignment_out(a: MysteryAssignment, scenario: MysteryScenario, names: dict[int, str]) -> dict:
    return {"id": a.id, "scenario": _scenario_out(scenario), "shopper_id": a.shopper_id,
            "shopper": names.get(a.shopper_id, ""), "due_at": a.due_at, "status": a.status, "answers": a.answers,
            "score": a.score, "critical_failed": a.critical_failed, "answer_correct": a.answer_correct,
            "contact_at": a.contact_at, "notes": a.notes, "completed_at": a.completed_at}


@router.post("/mystery/assignments", status_code=201)
def assign(body: AssignIn, session: SessionDep, me: Supervising) -> dict:
    scenario = found(session.get(MysteryScenario, body.scenario_id), f"scenario {body.scenario_id}",
                     "unknown_scenario")
    shopper = found(session.get(User, body.shopper_id), f"user {body.shopper_id}", "unknown_user")
    _, due_at = center_service.get(session).day_bounds(body.due_on)
    row = actions.do_assign(session=session, scenario=scenario, shopper=shopper, due_at=due_at)
    do_audit(session=session, user_id=me.id, action="quality.mystery.assign", subject_type="qa_mystery_assignment",
             subject_id=row.id, detail={"shopper_id": shopper.id})
    return _assignment_out(row, scenario, {shopper.id: shopper.display_name})


def _assignments(session, query) -> list[dict]:
    rows = session.execute(query.join(MysteryScenario, MysteryScenario.id == MysteryAssignment.scenario_id)
                           .order_by(MysteryAssignment.due_at, MysteryAssignment.id).limit(500)).all()
    ids = {a.shopper_id for a, _ in rows}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return [_assignment_out(a, s, names) for a, s in rows]


@router.get("/mystery/assignments")
def list_assignments(session: SessionDep, me: Supervising,
                     status: Annotated[str | None, Query(pattern="^(assigned|done)$")] = None) -> list[dict]:
    q = select(MysteryAssignment, MysteryScenario)
    return _assignments(session, q.where(MysteryAssignment.status == status) if status else q)


@router.get("/mystery/assignments/mine")
def my_assignments(session: SessionDep, me: Shopper) -> list[dict]:
    """A shopper's own assignments (and nothing else), each with the form to score it on."""
    out = _assignments(session, select(MysteryAssignment, MysteryScenario)
                       .where(MysteryAssignment.shopper_id == me.id))
    forms = {f.id: _form_out(f) for f in session.scalars(select(QaForm).where(
        QaForm.id.in_({a["scenario"]["form_id"] for a in out})))}
    return [{**a, "form": forms[a["scenario"]["form_id"]]} for a in out]


class CompleteIn(BaseModel):
    answers: dict[str, int | str] = Field(max_length=100)
    answer_correct: bool
    contact_at: Moment  # without an offset: the center's local time
    notes: str = Field(default="", max_length=4000)


@router.post("/mystery/assignments/{assignment_id}/complete")
def complete_assignment(assignment_id: PathId, body: CompleteIn, session: SessionDep, me: Shopper) -> dict:
    row = session.get(MysteryAssignment, assignment_id)
    if row is None or row.shopper_id != me.id:
        raise NotFound(f"no assignment {assignment_id}", code="unknown_assignment")
    contact_at = body.contact_at
    if contact_at.tzinfo is None:
        contact_at = contact_at.replace(tzinfo=center_service.get(session).tz)
    actions.do_complete_assignment(session=session, assignment=row, user=me.user, answers=body.answers,
                                   answer_correct=body.answer_correct, contact_at=contact_at, notes=body.notes)
    do_audit(session=session, user_id=me.id, action="quality.mystery.complete", subject_type="qa_mystery_assignment",
             subject_id=row.id, detail={"score": row.score})
    return _assignment_out(row, session.get_one(MysteryScenario, row.scenario_id), {me.id: me.user.display_name})


@router.get("/mystery/report")
def mystery_report(session: SessionDep, me: Supervising, start: Annotated[Day, Query()],
                   end: Annotated[Day, Query()]) -> dict:
    """Mystery-shopper scores beside what citizens said in happy-calls, per channel, for the center's
    days `start`…`end` (contacts made in the period; survey answers given in it). Citizens' 1–5 is
    also shown on the 0–100 scale of the forms: (mean − 1) / 4 × 100."""
    try:
        check_period(start, end, max_days=400)
    except ValueError as e:
        raise Invalid(str(e), code="bad_period") from e
    t0, t1 = center_service.get(session).day_bounds(start, end)
    mystery = session.execute(
        select(MysteryScenario.channel, func.count(), func.avg(MysteryAssignment.score),
               func.sum(case((MysteryAssignment.answer_correct.is_(True), 1), else_=0)))
        .join(MysteryScenario, MysteryScenario.id == MysteryAssignment.scenario_id)
        .where(MysteryAssignment.status == "done", MysteryAssignment.contact_at >= t0,
               MysteryAssignment.contact_at < t1).group_by(MysteryScenario.channel)).all()
    citizens = session.execute(
        select(ContactSurvey.channel, func.count(), func.avg(ContactSurvey.score))
        .where(ContactSurvey.score.is_not(None), ContactSurvey.answered_at >= t0, ContactSurvey.answered_at < t1)
        .group_by(ContactSurvey.channel)).all()
    by_channel: dict[str, dict] = {}
    for ch, n, mean, right in mystery:
        by_channel.setdefault(ch, {"channel": ch})
        by_channel[ch].update(mystery_contacts=n, mystery_mean_score=round(float(mean), 1),
                              mystery_answer_correct_pct=round(100 * (right or 0) / n, 1))
    for ch, n, mean in citizens:
        by_channel.setdefault(ch, {"channel": ch})
        by_channel[ch].update(surveys_answered=n, citizen_mean=round(float(mean), 2),
                              citizen_mean_pct=round((float(mean) - 1) / 4 * 100, 1))
    empty = {"mystery_contacts": 0, "mystery_mean_score": None, "mystery_answer_correct_pct": None,
             "surveys_answered": 0, "citizen_mean": None, "citizen_mean_pct": None}
    return {"start": start.isoformat(), "end": end.isoformat(),
            "channels": [{**empty, **row} for _, row in sorted(by_channel.items())]}

"""Quality tables: the happy-call policy, one survey per surveyed contact, the catch-calls; the
scorecards, evaluations and calibration rounds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class HappyCallPolicy(Base):
    """One row: what share of closed contacts is surveyed, and the running count that keeps it."""

    __tablename__ = "happy_call_policy"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    share: Mapped[float] = mapped_column(Float, default=0.0)
    catch_call_hours: Mapped[int] = mapped_column(Integer, default=24)  # a low score's follow-up is due in this long
    considered: Mapped[int] = mapped_column(Integer, default=0)  # closed contacts that could be surveyed
    sampled: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ContactSurvey(Base):
    """A closed contact's happy-call: sent once (the contact is unique here), answered once."""

    __tablename__ = "contact_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # the contact's
    sent_via: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))  # the thread the link went in
    token: Mapped[str] = mapped_column(String(40), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CatchCall(Base):
    """A low score's follow-up: a supervisor calls the citizen back by `due_at`."""

    __tablename__ = "catch_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("contact_surveys.id"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | done
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class QaForm(Base):
    """One version of a scorecard. A new version of a form is a new row with the same code; an
    evaluation keeps the version it was scored on."""

    __tablename__ = "qa_forms"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict] = mapped_column(JSON)  # scoring.form_json
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # the latest version of its code
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class QaCalibration(Base):
    """A calibration round: these evaluators score these contacts on this form, blind."""

    __tablename__ = "qa_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    form_id: Mapped[int] = mapped_column(ForeignKey("qa_forms.id"))
    conversation_ids: Mapped[list] = mapped_column(JSON)
    evaluator_ids: Mapped[list] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class QaEvaluation(Base):
    """One evaluator's scoring of one contact. Outside calibration the agent sees it and may
    acknowledge it or dispute it until `dispute_until`; a supervisor resolves a dispute (upheld,
    or amended with new answers)."""

    __tablename__ = "qa_evaluations"
    __table_args__ = (UniqueConstraint("conversation_id", "evaluator_id", "calibration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("qa_forms.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("qa_calibrations.id"), index=True)
    answers: Mapped[dict] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(20), default="")  # why it was picked: random, low_score, …
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    # open → acknowledged | disputed → upheld | amended
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    dispute_until: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_score: Mapped[float | None] = mapped_column(Float)  # before an amendment
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MysteryScenario(Base):
    """A scripted test contact: what the shopper asks, on which channel, what the right answer is,
    and the form its result is scored on."""

    __tablename__ = "qa_mystery_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    script: Mapped[str] = mapped_column(Text)
    expected_answer: Mapped[str] = mapped_column(Text)
    form_id: Mapped[int] = mapped_column(ForeignKey("qa_forms.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MysteryAssignment(Base):
    """A scenario given to one shopper by a date, and what they found when they made the contact."""

    __tablename__ = "qa_mystery_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("qa_mystery_scenarios.id"), index=True)
    shopper_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="assigned", index=True)  # assigned | done
    answers: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    answer_correct: Mapped[bool | None] = mapped_column(Boolean)  # the expected answer was given
    contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the shopper made the contact
    notes: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

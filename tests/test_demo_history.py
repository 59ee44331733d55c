"""The demo's simulated history (issue 16): a day lived through the real actions, so the reports
have numbers at first start, and nothing simulated is left on the floor or in a queue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dasan.cases.models import Case, CaseStatus
from dasan.cases.reports import case_report
from dasan.center import service as center_service
from dasan.conversations.models import ConsultationRecord, Conversation, ConversationEvent, ConvStatus, Resolution
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.demo.history import simulate_history
from dasan.outbox.models import OutboxItem, OutboxStatus
from dasan.reports.service import interval_report
from dasan.routing.models import AgentStatus, Presence, PresenceLog
from dasan.supervisor.service import snapshot

from .conftest import clock_to_local_hour


def test_a_simulated_day_fills_the_reports_through_the_real_engine(seeded):
    factory = seeded
    clock_to_local_hour("Asia/Seoul", 14)  # today has a morning behind it, whenever CI runs
    before = clock.offset()
    out = simulate_history(factory, days=1, per_day=300, case_days=10, seed=7)
    assert clock.offset() == before  # the app's clock is put back

    with session_scope(factory) as s:
        center = center_service.get(s)
        today = center.today(clock.now())
        # Every contact was closed with exactly one consultation record; nobody is left waiting,
        # talking or on the floor (the live dispatcher must not offer a citizen to a simulated agent).
        convs = s.scalar(select(func.count(Conversation.id)))
        assert convs == out.contacts and 250 <= out.contacts <= 700
        assert s.scalar(select(func.count(Conversation.id)).where(Conversation.status != ConvStatus.CLOSED)) == 0
        assert s.scalar(select(func.count(ConsultationRecord.id))) == convs
        assert s.scalar(select(func.count()).select_from(AgentStatus)
                        .where(AgentStatus.presence != Presence.OFFLINE)) == 0
        assert s.scalar(select(func.count(OutboxItem.id)).where(OutboxItem.status == OutboxStatus.QUEUED)) == 0
        assert s.scalar(select(func.count(OutboxItem.id))) > 0  # SMS replies went through the outbox hook
        # The routing engine made the offers the agents took: one "offered" and one "accepted"
        # event per answered contact at least, shifts in the presence log.
        accepted = s.scalar(select(func.count(ConversationEvent.id)).where(ConversationEvent.kind == "accepted"))
        assert accepted == out.answered > 0
        assert s.scalar(select(func.count(ConversationEvent.id))
                        .where(ConversationEvent.kind == "offered")) >= accepted
        assert s.scalar(select(func.count(PresenceLog.id)).where(PresenceLog.reason == "shift")) > 20
        abandoned = s.scalar(select(func.count(ConsultationRecord.id))
                             .where(ConsultationRecord.resolution == Resolution.ABANDONED))
        assert abandoned == out.abandoned

        # Yesterday is a full day in the interval report: contacts around the clock, a daytime peak.
        day = interval_report(session=s, day=today - timedelta(days=1), interval_min=60)
        t = day["totals"]
        assert t["offered"] >= 150 and t["answered"] + t["abandoned"] == t["offered"]
        assert t["service_level"] is not None and t["occupancy"] is not None and t["staffed_agents"] > 0
        busy = [i["offered"] for i in day["intervals"]]
        assert sum(1 for n in busy if n) >= 16 and max(busy[9:18]) > 3 * max(busy[1:6])
        # Today's wallboard has totals.
        board = snapshot(session=s)
        assert sum(q["today"]["offered"] for q in board["queues"]) > 0

        # Cases with deadlines met and missed, and a satisfaction survey answered.
        cases = case_report(session=s, start=today - timedelta(days=13), end=today, by="day", now=clock.now())
        totals = cases["totals"]
        assert totals["cases_opened"] == out.cases_opened > 0
        late = totals["cases_resolved"] - totals["resolved_on_time"]
        assert totals["resolved_on_time"] > 0 and late + totals["open_overdue"] > 0
        assert s.scalar(select(func.count(Case.id)).where(Case.status == CaseStatus.RESOLVED)) == out.cases_resolved
        assert s.scalar(select(func.count(Case.id)).where(Case.conversation_id.is_not(None))) > 0
        # The deadline job ran as time passed: each overdue open case escalated once, when it fell due.
        overdue_open = list(s.scalars(select(Case).where(Case.status != CaseStatus.RESOLVED,
                                                         Case.due_at < clock.now())))
        assert overdue_open and all(c.overdue_escalated_at is not None for c in overdue_open)
        assert all(timedelta(0) <= c.overdue_escalated_at - c.due_at <= timedelta(minutes=15) for c in overdue_open)


def test_history_refuses_bad_volumes(seeded):
    import pytest

    with pytest.raises(ValueError):
        simulate_history(seeded, per_day=0)
    with pytest.raises(ValueError):
        simulate_history(seeded, days=-1)


def test_a_center_with_one_language_has_a_history_too(seeded):
    from dataclasses import replace

    from dasan.center.actions import do_set_center

    with session_scope(seeded) as s:
        do_set_center(session=s, center=replace(center_service.get(s), languages=("ko",)))
    clock_to_local_hour("Asia/Seoul", 14)
    out = simulate_history(seeded, days=0, per_day=100, case_days=0, seed=3)
    assert out.contacts > 0 and out.answered + out.abandoned + out.bot_settled == out.contacts

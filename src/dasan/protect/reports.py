"""The protection report (M17): abusive contacts, flagged messages, warnings, ends, the
emergency button, recovery breaks and repeat offenders per day of the center and channel, with CSV."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.models import Conversation, ConversationEvent
from dasan.core.csvfile import to_csv
from dasan.core.moments import check_period
from dasan.protect.models import AbuseIncident, OffenderRestriction

ALL = "all"
COUNTS = ["abusive_contacts", "flagged_messages", "warnings", "ends", "protect_button", "recovery_breaks",
          "recovery_minutes"]
COLUMNS = ["day", "channel", *COUNTS, "new_offenders", "offenders_active"]


def protect_report(*, session: Session, start: date, end: date) -> dict:
    """Rows per day and channel, and a row per day over every channel (`channel` = "all") that
    also holds the repeat offenders: new ones that day and those restricted at the day's end.
    `end` is inclusive; every day of the period has its "all" row, even an empty one."""
    check_period(start, end)
    center = center_service.get(session)
    t0, t1 = center.day_bounds(start, end)
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    flagged: dict[tuple[str, str], set[int]] = defaultdict(set)
    events = session.execute(
        select(ConversationEvent.at, ConversationEvent.kind, ConversationEvent.conversation_id,
               ConversationEvent.data, Conversation.channel)
        .join(Conversation, Conversation.id == ConversationEvent.conversation_id)
        .where(ConversationEvent.at >= t0, ConversationEvent.at < t1,
               ConversationEvent.kind.in_(["abuse_flagged", "abuse_warning"])))
    for at, kind, conv_id, data, channel in events:
        day = center.today(at).isoformat()
        for key in ((day, channel), (day, ALL)):
            if kind == "abuse_flagged":
                counts[key]["flagged_messages"] += 1
                flagged[key].add(conv_id)
            elif (data or {}).get("step") != "end":
                counts[key]["warnings"] += 1
    for inc in session.scalars(select(AbuseIncident).where(AbuseIncident.ended_at >= t0, AbuseIncident.ended_at < t1)):
        day = center.today(inc.ended_at).isoformat()
        for key in ((day, inc.channel), (day, ALL)):
            counts[key]["ends"] += 1
            counts[key]["protect_button"] += inc.kind == "protect"
            if inc.break_until is not None:
                counts[key]["recovery_breaks"] += 1
                counts[key]["recovery_minutes"] += round((inc.break_until - inc.ended_at).total_seconds() / 60)
    restrictions = list(session.scalars(select(OffenderRestriction).where(OffenderRestriction.since < t1,
                                                                          OffenderRestriction.until > t0)))
    rows = []
    totals: Counter = Counter()
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    for d in days:
        day = d.isoformat()
        _, day_end = center.day_bounds(d)
        channels = sorted({ch for (k, ch) in counts if k == day and ch != ALL})
        for ch in [*channels, ALL]:
            key = (day, ch)
            row: dict[str, object] = {"day": day, "channel": ch, **{c: counts[key][c] for c in COUNTS}}
            row["abusive_contacts"] = len(flagged[key])
            if ch == ALL:
                new = sum(1 for r in restrictions if center.today(r.since) == d)
                row["new_offenders"] = new
                row["offenders_active"] = sum(1 for r in restrictions if _active_at(r, day_end))
                totals.update({**{c: counts[key][c] for c in COUNTS}, "abusive_contacts": len(flagged[key]),
                               "new_offenders": new})
            rows.append(row)
    return {"start": start.isoformat(), "end": end.isoformat(), "rows": rows,
            "totals": {c: totals[c] for c in [*COUNTS, "new_offenders"]}}


def _active_at(r: OffenderRestriction, moment: datetime) -> bool:
    return r.since < moment < r.until and (r.lifted_at is None or r.lifted_at > moment)


def report_csv(report: dict) -> str:
    return to_csv(COLUMNS, report["rows"])

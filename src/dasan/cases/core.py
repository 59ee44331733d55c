"""Pure rules of cases: when a case escalates. No I/O.

Deadlines themselves are the center's calendar (`Center.due_at`): a case type's deadline is a
number of working days (민원 처리기간) — the opening day does not count (초일 불산입), weekends and
the center's public holidays do not count — due at the close of office hours on the last one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

NEAR = timedelta(hours=24)  # a deadline this close warns the official's supervisor


def escalation_due(*, now: datetime, due: datetime, open_: bool, near_done: bool, overdue_done: bool) -> str | None:
    """Which escalation a case needs now, if any: 'near' (within a day of its deadline) or
    'overdue' (past it); each happens once, and an overdue case skips a 'near' it never had."""
    if not open_:
        return None
    if now >= due and not overdue_done:
        return "overdue"
    if due - NEAR <= now < due and not near_done:
        return "near"
    return None

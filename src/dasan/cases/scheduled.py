"""Background work of cases: deadline escalation, every minute, in every process (each case is
locked while escalated and marked once, so processes never escalate the same case twice)."""

from __future__ import annotations

from dasan.cases.actions import do_escalate_deadlines
from dasan.core.worker import every


async def escalate_periodically(app, *, every_s: float = 60.0) -> None:
    await every(every_s, app.state.session_factory, do_escalate_deadlines, what="case deadline escalation")

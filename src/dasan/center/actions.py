"""Writes of the center's profile."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dasan.center import service
from dasan.center.core import Center
from dasan.center.models import CenterProfile
from dasan.core import clock


def do_set_center(*, session: Session, center: Center) -> CenterProfile:
    """Store `center` as this installation's profile (validated by `Center` itself)."""
    row = session.get(CenterProfile, 1) or CenterProfile(id=1)
    row.code, row.number, row.timezone, row.country = center.code, center.number, center.timezone, center.country
    row.holiday_subdiv = center.holiday_subdiv or ""
    row.languages, row.names, row.short_names = list(center.languages), dict(center.names), dict(center.short_names)
    row.office_open, row.office_close = center.office_open.strftime("%H:%M"), center.office_close.strftime("%H:%M")
    row.sms_sender, row.email_from, row.updated_at = center.sms_sender, center.email_from, clock.now()
    row.closed_days = dict(center.closed_days)
    session.add(row)
    session.flush()
    # This process reads it again at once (also after a rollback, when it finds the old row);
    # other processes within service.TTL_S.
    service.forget()
    return row

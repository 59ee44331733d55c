"""Reads for protecting agents: citizens with abusive incidents and their restrictions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dasan.conversations.models import Citizen
from dasan.privacy.pii import mask
from dasan.protect.models import AbuseIncident, OffenderRestriction


def restriction_data(r: OffenderRestriction, now: datetime) -> dict:
    return {"id": r.id, "citizen_id": r.citizen_id, "queue": r.queue, "incidents": r.incidents,
            "since": r.since.isoformat(), "until": r.until.isoformat(),
            "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None, "note": r.note,
            "active": r.lifted_at is None and r.until > now}


def offenders(session: Session, *, now: datetime, active_only: bool = False, limit: int = 100) -> list[dict]:
    """Citizens (one row per citizen, whatever channels they used) with contacts ended for abuse,
    the most recent first: how many, on which channels, and their latest restriction. Phone
    numbers are masked (a supervisor reviews behaviour, not contact details)."""
    per_citizen = (select(AbuseIncident.citizen_id, func.count().label("n"),
                          func.max(AbuseIncident.ended_at).label("last"))
                   .group_by(AbuseIncident.citizen_id).subquery())
    q = (select(Citizen, per_citizen.c.n, per_citizen.c.last)
         .join(per_citizen, per_citizen.c.citizen_id == Citizen.id))
    if active_only:
        q = q.where(Citizen.restricted_until > now)
    rows = session.execute(q.order_by(per_citizen.c.last.desc(), Citizen.id.desc()).limit(limit)).all()
    ids = [c.id for c, _, _ in rows]
    channels: dict[int, set[str]] = {}
    for cid, channel in session.execute(select(AbuseIncident.citizen_id, AbuseIncident.channel)
                                        .where(AbuseIncident.citizen_id.in_(ids)).distinct()):
        channels.setdefault(cid, set()).add(channel)
    latest: dict[int, OffenderRestriction] = {}
    for r in session.scalars(select(OffenderRestriction).where(OffenderRestriction.citizen_id.in_(ids))
                             .order_by(OffenderRestriction.id)):
        latest[r.citizen_id] = r
    out = []
    for citizen, n, last in rows:
        current = latest.get(citizen.id)
        out.append({"citizen_id": citizen.id, "name": mask(citizen.display_name), "phone": mask(citizen.phone),
                    "incidents": int(n), "last_incident_at": last.isoformat() if last else None,
                    "channels": sorted(channels.get(citizen.id, ())),
                    "restriction": restriction_data(current, now) if current is not None else None})
    return out

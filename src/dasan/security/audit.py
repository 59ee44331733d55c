"""Reading the audit log (M18): who opened which citizen, recording or export, and who changed
what — searched by person, action, subject and period, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from dasan.orgs.models import User
from dasan.security.models import AuditEntry

COLUMNS = ["id", "at", "username", "user", "action", "subject_type", "subject_id", "detail"]
# What `action="security"` selects (issue 18): failed, throttled and locked logins, refused
# requests, sessions ended, second factors set up, used, reset, integration tokens used from a new
# address or rotated, passwords changed or reset. Prefixes end in ".".
SECURITY = "security"
SECURITY_EVENTS = ("login.", "access.denied", "session.", "second_factor.", "token.new_address",
                   "user.password_change", "admin.user.reset_password", "admin.user.end_sessions",
                   "admin.user.reset_second_factor", "admin.token.")


@dataclass(frozen=True)
class AuditQuery:
    username: str = ""          # exact login name; "system" for what the system did by itself
    action: str = ""            # an action, a prefix ending in "." (`protect.` is every protect action),
                                # or "security" (SECURITY_EVENTS)
    subject_type: str = ""
    subject_id: int | None = None
    since: datetime | None = None  # [since, until)
    until: datetime | None = None


def _filtered(q: AuditQuery) -> Select:
    stmt = select(AuditEntry, User.username, User.display_name).outerjoin(User, User.id == AuditEntry.user_id)
    if q.username == "system":
        stmt = stmt.where(AuditEntry.user_id.is_(None))
    elif q.username:
        stmt = stmt.where(User.username == q.username)
    if q.action == SECURITY:
        stmt = stmt.where(or_(*(AuditEntry.action.startswith(a, autoescape=True) if a.endswith(".")
                                else AuditEntry.action == a for a in SECURITY_EVENTS)))
    elif q.action.endswith("."):
        stmt = stmt.where(AuditEntry.action.startswith(q.action, autoescape=True))
    elif q.action:
        stmt = stmt.where(AuditEntry.action == q.action)
    if q.subject_type:
        stmt = stmt.where(AuditEntry.subject_type == q.subject_type)
    if q.subject_id is not None:
        stmt = stmt.where(AuditEntry.subject_id == q.subject_id)
    if q.since is not None:
        stmt = stmt.where(AuditEntry.at >= q.since)
    if q.until is not None:
        stmt = stmt.where(AuditEntry.at < q.until)
    return stmt


def search(session: Session, q: AuditQuery, *, limit: int, before_id: int | None = None) -> list[dict]:
    """Entries matching `q`, newest first; `before_id` pages on (keyset: stable while entries are added)."""
    stmt = _filtered(q)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    rows = session.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit))
    return [{"id": e.id, "at": e.at.isoformat(), "user_id": e.user_id, "username": username or "system",
             "user": name or "", "action": e.action, "subject_type": e.subject_type, "subject_id": e.subject_id,
             "detail": e.detail} for e, username, name in rows]


def actions(session: Session) -> list[str]:
    """Every action the log holds (for the viewer's filter)."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))

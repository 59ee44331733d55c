"""Writes of security: login sessions, integration tokens, the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from dasan.core import clock
from dasan.orgs.models import User
from dasan.security.models import ApiToken, AuditEntry, LoginSession
from dasan.security.service import new_token, token_hash


def do_create_login_session(*, session: Session, user: User, hours: int) -> tuple[str, LoginSession]:
    """Start a login session; returns the cookie token (only its hash is stored)."""
    token = new_token()
    row = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=new_token(),
        expires_at=clock.now() + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    return token, row


def do_create_api_token(*, session: Session, channel: str) -> str:
    """Create a bearer token for one channel's integration; returns the token once."""
    token = new_token()
    session.add(ApiToken(token_hash=token_hash(token), channel=channel))
    session.flush()
    return token


def do_audit(
    *, session: Session, user_id: int | None, action: str, subject_type: str, subject_id: int | None,
    detail: dict | None = None,
) -> None:
    """Append an audit entry in the current transaction."""
    session.add(
        AuditEntry(user_id=user_id, action=action, subject_type=subject_type, subject_id=subject_id,
                   detail=detail or {})
    )

"""Writes of security: login sessions, integration tokens, the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from dasan.core import clock
from dasan.core.errors import Invalid
from dasan.core.passwords import hash_password, verify_password
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


def do_issue_api_token(*, session: Session, channel: str) -> tuple[str, ApiToken]:
    """Create a bearer token for one channel's integration: the token (shown once) and its row."""
    token = new_token()
    row = ApiToken(token_hash=token_hash(token), channel=channel)
    session.add(row)
    session.flush()
    return token, row


def do_create_api_token(*, session: Session, channel: str) -> str:
    """Create a bearer token for one channel's integration; returns the token once."""
    return do_issue_api_token(session=session, channel=channel)[0]


def do_audit(
    *, session: Session, user_id: int | None, action: str, subject_type: str, subject_id: int | None,
    detail: dict | None = None,
) -> None:
    """Append an audit entry in the current transaction."""
    session.add(
        AuditEntry(user_id=user_id, action=action, subject_type=subject_type, subject_id=subject_id,
                   detail=detail or {})
    )


MIN_PASSWORD = 8


def do_change_own_password(*, session: Session, user: User, login: LoginSession, current: str, new: str) -> None:
    """A user chooses their own password: the current one must be right, the new one at least 8
    characters and not the same. The user's other sessions end; a first-login change is done."""
    if not verify_password(user.password_hash, current):
        raise Invalid("the current password is not right", code="wrong_password")
    if len(new) < MIN_PASSWORD:
        raise Invalid(f"the new password must be at least {MIN_PASSWORD} characters", code="password")
    if new == current:
        raise Invalid("the new password must differ from the current one", code="same_password")
    user.password_hash = hash_password(new)
    first = user.must_change_password
    user.must_change_password = False
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.id != login.id))
    do_audit(session=session, user_id=user.id, action="user.password_change", subject_type="user", subject_id=user.id,
             detail={"first_login": first})

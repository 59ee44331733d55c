"""Writes of security: login sessions, integration tokens, the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dasan.core import clock
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.core.passwords import hash_password, password_problem, verify_password
from dasan.db.engine import rowcount
from dasan.orgs.models import User
from dasan.security.models import ApiToken, AuditEntry, LoginFailure, LoginSession
from dasan.security.service import login_key, new_token, token_hash


def do_create_login_session(*, session: Session, user: User, hours: int, address: str = "",
                            user_agent: str = "") -> tuple[str, LoginSession]:
    """Start a login session; returns the cookie token (only its hash is stored)."""
    token = new_token()
    now = clock.now()
    row = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=hours),
        address=address[:64],
        user_agent=user_agent[:200],
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


def do_change_own_password(*, session: Session, user: User, login: LoginSession, current: str, new: str) -> None:
    """A user chooses their own password: the current one must be right, the new one long and strong
    enough (`password_problem`) and not the same. The user's other sessions end; a first-login change is done."""
    if not verify_password(user.password_hash, current):
        raise Invalid("the current password is not right", code="wrong_password")
    if (problem := password_problem(new, hints=(user.username, user.display_name))) is not None:
        raise Invalid(problem[1], code=problem[0])
    if new == current:
        raise Invalid("the new password must differ from the current one", code="same_password")
    user.password_hash = hash_password(new)
    first = user.must_change_password
    user.must_change_password = False
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.id != login.id))
    do_audit(session=session, user_id=user.id, action="user.password_change", subject_type="user", subject_id=user.id,
             detail={"first_login": first})


FAILURES_KEPT = timedelta(days=1)


def do_record_login_failure(*, session: Session, username: str, address: str) -> None:
    """Count a failed login against the account named and the source address, and audit it
    (with the user's id when the name is a user's). Failures older than a day are dropped."""
    key = login_key(username)
    now = clock.now()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURES_KEPT))
    session.add(LoginFailure(at=now, username=key, address=address[:64], cleared=False))
    user_id = session.scalar(select(User.id).where(User.username == username.strip()))
    do_audit(session=session, user_id=None, action="login.failed", subject_type="user", subject_id=user_id,
             detail={"username": key, "address": address[:64]})


def do_clear_login_failures(*, session: Session, username: str) -> None:
    """A successful login clears its account's failures (never the address's)."""
    session.execute(update(LoginFailure).where(LoginFailure.username == login_key(username),
                                               LoginFailure.cleared.is_(False)).values(cleared=True))


def do_end_own_session(*, session: Session, me: User, current: LoginSession, session_id: int) -> None:
    """A user ends one of their other login sessions (this one ends by logging out)."""
    row = session.get(LoginSession, session_id)
    if row is None or row.user_id != me.id:
        raise NotFound(f"no session {session_id} of yours")
    if row.id == current.id:
        raise Conflict("this is the session you are using: log out to end it", code="current_session")
    session.delete(row)
    do_audit(session=session, user_id=me.id, action="session.end", subject_type="user", subject_id=me.id,
             detail={"session": session_id})


def do_end_other_sessions(*, session: Session, me: User, current: LoginSession) -> int:
    """A user ends every login session of theirs but this one; how many ended."""
    ended = rowcount(session.execute(delete(LoginSession).where(LoginSession.user_id == me.id,
                                                                 LoginSession.id != current.id)))
    do_audit(session=session, user_id=me.id, action="session.end_others", subject_type="user", subject_id=me.id,
             detail={"ended": ended})
    return ended


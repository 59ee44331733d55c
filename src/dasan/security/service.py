"""Reads of security: token hashing, password checks, login sessions and API tokens by their secret."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.core import clock
from dasan.core.passwords import verify_password
from dasan.orgs.models import User
from dasan.security.models import ApiToken, LoginFailure, LoginSession
from dasan.security.throttle import Policy, Verdict, verdict


def token_hash(token: str) -> str:
    """Tokens are stored only as their SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A random URL-safe token."""
    return secrets.token_urlsafe(32)


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


TOUCH = timedelta(minutes=1)  # how stale a session's last use may be before a request writes it


def last_use(login: LoginSession) -> datetime:
    return login.last_seen_at or login.created_at


def session_ends(login: LoginSession, idle: timedelta) -> datetime:
    """When a login session ends if nothing uses it: the idle timeout, or the absolute one first."""
    return min(login.expires_at, last_use(login) + idle)


def get_login_session(*, session: Session, token: str,
                      idle: timedelta | None = None) -> tuple[LoginSession, User] | None:
    """The live login session and its active user for a cookie token: before its absolute end,
    used within `idle` (when given), its user active. A use more than a minute after the last
    one recorded is recorded (in the caller's transaction)."""
    row = session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    login, user = row
    now = clock.now()
    if login.expires_at <= now or not user.active or login.pending_factor:
        return None
    if idle is not None:
        if last_use(login) + idle <= now:
            return None
        if now - last_use(login) >= TOUCH:
            login.last_seen_at = now
    return login, user


def get_api_token(*, session: Session, token: str) -> ApiToken | None:
    """The API token row for a bearer token, unless revoked or expired."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked or (row.expires_at is not None and row.expires_at <= clock.now()):
        return None
    return row


def login_key(username: str) -> str:
    """The account a login names, as failures are counted: trimmed and lower-cased."""
    return username.strip().lower()[:80]


def login_verdicts(*, session: Session, username: str, address: str, account: Policy,
                   source: Policy) -> tuple[Verdict, Verdict]:
    """May a login for `username` from `address` be tried now: the account's verdict and the
    address's, from the failures recorded for each."""
    now = clock.now()
    since = now - max(account.window, account.lock_for) - account.window
    since = min(since, now - max(source.window, source.lock_for) - source.window)
    by_name = session.scalars(select(LoginFailure.at).where(
        LoginFailure.username == login_key(username), LoginFailure.cleared.is_(False), LoginFailure.at > since)).all()
    by_address = session.scalars(select(LoginFailure.at).where(
        LoginFailure.address == address[:64], LoginFailure.at > since)).all()
    return verdict(by_name, now, account), verdict(by_address, now, source)


def get_pending_login(*, session: Session, token: str) -> tuple[LoginSession, User] | None:
    """A login whose password was right and which waits for its second factor (not lapsed)."""
    row = session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.pending_factor.is_(True))
    ).first()
    if row is None or row[0].expires_at <= clock.now() or not row[1].active:
        return None
    return row[0], row[1]

"""Reads of security: token hashing, password checks, login sessions and API tokens by their secret."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.core import clock
from dasan.core.passwords import verify_password
from dasan.orgs.models import User
from dasan.security.models import ApiToken, LoginSession


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


def get_login_session(*, session: Session, token: str) -> tuple[LoginSession, User] | None:
    """The unexpired login session and its active user for a cookie token."""
    row = session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    login, user = row
    if login.expires_at <= clock.now() or not user.active:
        return None
    return login, user


def get_api_token(*, session: Session, token: str) -> ApiToken | None:
    """The unrevoked API token row for a bearer token."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    return None if row is None or row.revoked else row

"""Shared dependency types and the access policy every route declares.

Every route names exactly one policy — `Public()`, `Allow(*roles)` or `TokenAuth()` — as a
dependency; tests/test_route_policies.py walks every route with every role and fails on a
route without one.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import Depends, Request, WebSocket
from sqlalchemy.orm import Session

from dasan.config import Settings
from dasan.core import clock
from dasan.core.errors import DasanError, Forbidden, Unauthorized
from dasan.orgs.models import Role, User
from dasan.security.actions import do_audit, do_note_token_use
from dasan.security.models import ApiToken, LoginSession
from dasan.security.service import get_api_token, get_login_session

SESSION_COOKIE = "dasan_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ALL_ROLES = tuple(r.value for r in Role)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed when the endpoint returns, before the response.

    The commit (or rollback) and close run on a small thread pool of their own, never on the one
    the sync endpoints run on: a request whose work is done must be able to end its transaction
    (releasing its connection and, on SQLite, the writer lock) even when every request thread is
    taken by requests waiting for exactly that — otherwise a burst deadlocks until timeouts."""
    limiter = _teardown_limiter(request.app)
    session = request.app.state.session_factory()
    try:
        yield session
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(session.commit, limiter=limiter)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(session.rollback, limiter=limiter)
        raise
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(session.close, limiter=limiter)


def _teardown_limiter(app) -> anyio.CapacityLimiter:
    limiter = getattr(app.state, "teardown_limiter", None)
    if limiter is None:
        limiter = app.state.teardown_limiter = anyio.CapacityLimiter(8)
    return limiter


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


# scope="function": the commit runs when the endpoint returns, before the response goes out,
# so a 2xx always means "committed".
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


class PasswordChangeRequired(DasanError):
    """Raised on pages of a user who must first choose their own password: the app answers with
    a redirect to their own page, where they do."""

    status = 303
    code = "password_change_required"


class SecondFactorRequired(PasswordChangeRequired):
    """Raised on pages of a user whose role requires a second factor and whose grace period to
    set one up has ended: the app sends them to their own page, where they do."""

    code = "second_factor_required"


def second_factor_overdue(user: User, roles: list[str]) -> bool:
    """A role that requires a second factor, none set up, and the grace period over."""
    return (user.role in roles and not user.totp_secret and user.second_factor_due is not None
            and user.second_factor_due <= clock.now())


class LoginRequired(DasanError):
    """Raised on pages: the app answers with a redirect to the login page."""

    status = 303
    code = "login_required"


@dataclass
class Principal:
    """The logged-in user behind a request."""

    user: User
    login: LoginSession

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role


def _end_auth_transaction(session: Session) -> None:
    """End the transaction the access check read in, before the endpoint runs.

    A sync dependency and the sync endpoint run in separate hops through the thread pool. Left
    open, the check's transaction would hold its connection (and, on SQLite, the writer lock)
    while the request waits for a free thread — and under load every thread can be taken by
    requests waiting for that same connection or lock: a deadlock until timeouts fire. The
    endpoint's work starts a transaction of its own."""
    session.commit()


def _audit_denied(session: Session, request: Request, principal: Principal, reason: str) -> None:
    """A logged-in user refused (a role without the right, a write without the CSRF token) is a
    security event; written in a transaction of its own, as the refusal rolls back the request's."""
    do_audit(session=session, user_id=principal.id, action="access.denied", subject_type="route", subject_id=None,
             detail={"method": request.method, "path": request.url.path[:200], "reason": reason,
                     "address": client_address(request)})
    session.commit()


class Policy:
    """Base of the access policies; `roles` is what the route-walk test checks against."""

    roles: tuple[str, ...] = ()
    kind = "policy"


class Public(Policy):
    """Anyone, logged in or not (citizen pages, login, health)."""

    kind = "public"

    async def __call__(self) -> None:  # async: no worker thread is taken for nothing
        return None


class Allow(Policy):
    """A logged-in user with one of these roles; unsafe methods also need the CSRF header."""

    kind = "roles"

    def __init__(self, *roles: str, page: bool = False, before_password_change: bool = False) -> None:
        unknown = set(roles) - set(ALL_ROLES)
        if unknown:
            raise ValueError(f"unknown roles {unknown}")
        self.roles = roles
        self.page = page
        # The few routes a user who must first choose their own password may use (their own page,
        # the change itself, logging out); every other refuses them until they have.
        self.before_password_change = before_password_change

    def __call__(self, request: Request, session: SessionDep) -> Principal:
        principal = principal_from_request(request, session)
        if principal is None:
            if self.page:
                raise LoginRequired("login required")
            raise Unauthorized("login required")
        if principal.role not in self.roles:
            _audit_denied(session, request, principal, "role")
            raise Forbidden(f"role '{principal.role}' may not use this")
        _end_auth_transaction(session)
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("x-csrf-token", "")
            if not hmac.compare_digest(sent, principal.login.csrf_token):
                _audit_denied(session, request, principal, "csrf")
                raise Forbidden("missing or wrong CSRF token", code="csrf")
        if principal.user.must_change_password and not self.before_password_change:
            if self.page:
                raise PasswordChangeRequired("choose your own password first")
            raise Forbidden("choose your own password first (your own page, /me)", code="password_change_required")
        if not self.before_password_change and second_factor_overdue(
                principal.user, request.app.state.settings.second_factor_roles):
            if self.page:
                raise SecondFactorRequired("set up a second factor first")
            raise Forbidden(f"the role '{principal.role}' requires a second factor: set it up on your own page (/me)",
                            code="second_factor_required")
        return principal


METRICS_TOKEN = "metrics"  # the token kind a Prometheus scraper uses (observability/views.py)


class TokenAuth(Policy):
    """An integration's bearer token (`dasan tokens create`). Gateways that can only call a URL
    (Kannel's get-url and dlr-url) may put it in the `token` query parameter (`query=True`); with
    `channel`, only a token of that channel is accepted."""

    kind = "token"

    def __init__(self, *, query: bool = False, channel: str | None = None, basic: bool = False) -> None:
        self.query = query
        self.channel = channel
        self.basic = basic  # gateways configured with a user name and password (an MMSC): the password is the token

    def __call__(self, request: Request, session: SessionDep) -> ApiToken:
        row = self.verify(session, self.presented(request), address=client_address(request))
        _end_auth_transaction(session)
        return row

    def presented(self, request: Request) -> str:
        """The token the request carries (header, Basic password or query, as the route allows)."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if self.basic and scheme.lower() == "basic":
            try:
                scheme, token = "bearer", base64.b64decode(token.strip(), validate=True).decode().partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                raise Unauthorized("malformed Basic credentials") from None
        if self.query and not token:
            scheme, token = "bearer", request.query_params.get("token", "")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send 'Authorization: Bearer TOKEN' (create one with 'dasan tokens create')")
        return token.strip()

    def verify(self, session: Session, token: str, address: str | None = None) -> ApiToken:
        """The token's row, if it is known, unrevoked, unexpired and fit for this route; its use
        from `address` is recorded (`do_note_token_use`)."""
        row = get_api_token(session=session, token=token.strip())
        if row is None:
            raise Unauthorized("unknown, expired or revoked token")
        if self.channel is not None and row.channel != self.channel:
            raise Forbidden(f"this token is for channel '{row.channel}', not '{self.channel}'", code="wrong_channel")
        if self.channel is None and row.channel == METRICS_TOKEN:  # a scraper's token reads /metrics only
            raise Forbidden("a metrics token cannot send messages", code="wrong_channel")
        if address is not None:
            do_note_token_use(session=session, row=row, address=address)
        return row


class GroupTokenAuth(TokenAuth):
    """A bearer token checked inside the group-commit transaction that does the request's work
    (`channels.groupcommit`): the dependency only takes the token from the header, without a database
    session or a thread, and the job calls `verify` first — so a refused token writes nothing and
    an accepted one costs no transaction of its own."""

    async def __call__(self, request: Request) -> str:  # type: ignore[override]
        return self.presented(request)

    def verify(self, session: Session, token: str, address: str | None = None) -> ApiToken:
        """As TokenAuth's, read once per transaction: a batch of one gateway's messages shares
        its token, and a revocation holds from the next batch on."""
        known: dict[str, ApiToken] = session.info.setdefault("dasan_tokens_read", {})
        row = known.get(token)
        if row is None:
            row = known[token] = super().verify(session, token, address)
        return row


def client_address(request: Request | WebSocket) -> str:
    """The address a request came from (the proxy's forwarded one when uvicorn trusts it)."""
    return (request.client.host if request.client else "unknown")[:64]


def principal_from_request(request: Request, session: Session) -> Principal | None:
    """The logged-in user of a request or websocket, from the session cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
    found = get_login_session(session=session, token=token, idle=idle)
    if found is None:
        return None
    login, user = found
    return Principal(user=user, login=login)


def policy_of(dependencies) -> list[Policy]:
    """The policies among a route's dependencies (used by the app check and the tests)."""
    return [d.call for d in dependencies if isinstance(d.call, Policy)]


STAFF = (Role.AGENT.value, Role.SUPERVISOR.value)
SUPERVISION = (Role.SUPERVISOR.value, Role.ADMIN.value)

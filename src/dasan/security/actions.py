"""Writes of security: login sessions, integration tokens, the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dasan.core import clock
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.core.passwords import hash_password, password_problem, verify_password
from dasan.db.engine import rowcount
from dasan.orgs.models import User
from dasan.security import factor
from dasan.security.models import ApiToken, AuditEntry, LoginFailure, LoginSession, RecoveryCode
from dasan.security.service import login_key, new_token, token_hash

PENDING_FACTOR = timedelta(minutes=5)  # how long a right password waits for its second factor


def do_create_login_session(*, session: Session, user: User, hours: int, address: str = "",
                            user_agent: str = "", pending_factor: bool = False) -> tuple[str, LoginSession]:
    """Start a login session; returns the cookie token (only its hash is stored). A session
    `pending_factor` logs nobody in: it lasts a few minutes, for the second factor to follow."""
    token = new_token()
    now = clock.now()
    row = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + (PENDING_FACTOR if pending_factor else timedelta(hours=hours)),
        address=address[:64],
        user_agent=user_agent[:200],
        pending_factor=pending_factor,
    )
    session.add(row)
    session.flush()
    return token, row


TOKEN_DAYS = 365  # a new integration token's lifetime unless one is chosen


def do_issue_api_token(*, session: Session, channel: str, days: int | None = TOKEN_DAYS) -> tuple[str, ApiToken]:
    """Create a bearer token for one channel's integration, valid `days` (None: until revoked):
    the token (shown once) and its row."""
    token = new_token()
    now = clock.now()
    row = ApiToken(token_hash=token_hash(token), channel=channel, created_at=now,
                   expires_at=now + timedelta(days=days) if days else None, last_used_address="")
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


def do_record_login_failure(*, session: Session, username: str, address: str, step: str = "password") -> None:
    """Count a failed login against the account named and the source address, and audit it
    (with the user's id when the name is a user's). Failures older than a day are dropped."""
    key = login_key(username)
    now = clock.now()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURES_KEPT))
    session.add(LoginFailure(at=now, username=key, address=address[:64], cleared=False))
    user_id = session.scalar(select(User.id).where(User.username == username.strip()))
    do_audit(session=session, user_id=None, action="login.failed", subject_type="user", subject_id=user_id,
             detail={"username": key, "address": address[:64], "step": step})


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



# --- the second factor (security/factor.py) ------------------------------------------------------

def do_start_second_factor(*, session: Session, user: User, server_secret: str, center_name: str) -> tuple[str, str]:
    """Begin enrolling a TOTP app: a new secret waits for its first code (the current one, if
    any, stays until then). Returns the secret and its otpauth:// URI."""
    secret = factor.new_secret()
    user.totp_pending = factor.seal(secret, server_secret)
    return secret, factor.provisioning_uri(secret, user.username, center_name)


def do_confirm_second_factor(*, session: Session, user: User, server_secret: str, code: str) -> list[str]:
    """The app's first code proves it holds the secret: the second factor is on, with a new set
    of recovery codes (returned once; older ones stop working)."""
    pending = factor.unseal(user.totp_pending, server_secret) if user.totp_pending else None
    if pending is None:
        raise Conflict("start setting up the authenticator app first", code="no_enrolment")
    step = factor.matching_step(pending, code, clock.now(), None)
    if step is None:
        raise Invalid("that code is not the app's current one; check the phone's clock and try the next code",
                      code="wrong_code")
    renewing = user.totp_secret is not None
    user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
    user.second_factor_due = None
    codes = factor.new_recovery_codes()
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=factor.recovery_hash(c)) for c in codes)
    do_audit(session=session, user_id=user.id, action="second_factor.enrol", subject_type="user", subject_id=user.id,
             detail={"renewed": renewing})
    return codes


def do_disable_second_factor(*, session: Session, user: User, password: str, required: bool) -> None:
    """Turn one's second factor off (the password again); not for a role that requires it."""
    if required:
        raise Conflict(f"the role '{user.role}' requires a second factor", code="second_factor_required_for_role")
    if not verify_password(user.password_hash, password):
        raise Invalid("the password is not right", code="wrong_password")
    _clear_second_factor(session, user)
    do_audit(session=session, user_id=user.id, action="second_factor.disable", subject_type="user",
             subject_id=user.id)


def _clear_second_factor(session: Session, user: User) -> None:
    user.totp_secret = user.totp_pending = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def do_reset_second_factor(*, session: Session, user: User) -> None:
    """An admin clears a user's second factor (a lost phone and lost codes); a role that requires
    one must enrol again at the next login, with no new grace period."""
    _clear_second_factor(session, user)
    user.second_factor_due = clock.now()
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def do_check_second_factor(*, session: Session, user: User, server_secret: str, code: str) -> str | None:
    """Whether `code` is the user's current TOTP code (not used before) or an unused recovery
    code; which of them ("totp", "recovery"), or None. A used code is spent."""
    secret = factor.unseal(user.totp_secret, server_secret) if user.totp_secret else None
    if secret is not None:
        step = factor.matching_step(secret, code, clock.now(), user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return "totp"
    row = session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                    RecoveryCode.code_hash == factor.recovery_hash(code),
                                                    RecoveryCode.used_at.is_(None)))
    if row is None:
        return None
    row.used_at = clock.now()
    left = session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
    do_audit(session=session, user_id=user.id, action="second_factor.recovery_code", subject_type="user",
             subject_id=user.id, detail={"left": left or 0})
    return "recovery"


TOKEN_TOUCH = timedelta(minutes=1)


def do_note_token_use(*, session: Session, row: ApiToken, address: str) -> None:
    """Record an integration token's use (at most once a minute from the same address). A use
    from an address other than the last one is audited as a security event."""
    now = clock.now()
    address = address[:64]
    moved = bool(row.last_used_address) and address != row.last_used_address
    if not moved and row.last_used_at is not None and now - row.last_used_at < TOKEN_TOUCH:
        return
    if moved:
        do_audit(session=session, user_id=None, action="token.new_address", subject_type="api_token",
                 subject_id=row.id, detail={"channel": row.channel, "address": address,
                                            "previous": row.last_used_address})
    row.last_used_at, row.last_used_address = now, address

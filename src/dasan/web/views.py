"""Pages: login, agent desktop, supervisor view, citizen chat; and the staff websocket."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from datetime import timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Depends, Form, Query, Request, WebSocket, WebSocketDisconnect
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from dasan.cases import service as cases_service
from dasan.cases.actions import do_answer_survey, survey_key_ok
from dasan.cases.models import Case
from dasan.center.core import Center
from dasan.center.deps import CenterDep
from dasan.core import clock, phone
from dasan.core.errors import DasanError, NotFound
from dasan.db.engine import session_scope
from dasan.events.bus import Connection
from dasan.i18n import catalogue
from dasan.i18n.dates import local_datetime
from dasan.orgs.models import Role, User
from dasan.quality import actions as quality_actions
from dasan.security.actions import (
    PENDING_FACTOR,
    do_audit,
    do_check_second_factor,
    do_clear_login_failures,
    do_create_login_session,
    do_record_login_failure,
)
from dasan.security.deps import (
    ALL_ROLES,
    SESSION_COOKIE,
    STAFF,
    SUPERVISION,
    Allow,
    Principal,
    Public,
    SessionDep,
    SettingsDep,
    client_address,
    principal_from_request,
    second_factor_overdue,
)
from dasan.security.service import authenticate, get_pending_login, login_key, login_verdicts, new_token
from dasan.security.throttle import Policy
from dasan.voice.actions import prompt_keys
from dasan.voice.stack import REALM
from dasan.web.i18n import UI_LANGS, citizen_lang, language_name, strings_for, translator, ui_lang

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
PRE_CSRF = "dasan_login_csrf"
HOME: dict[str, str] = {Role.AGENT: "/agent", Role.SUPERVISOR: "/supervisor", Role.ADMIN: "/supervisor",
                        Role.OFFICIAL: "/cases", Role.SHOPPER: "/quality"}


def _page_context(center: Center, lang: str) -> dict:
    """What every page knows of the center: its name and number, its time zone and today's date
    there (pages show times in the center's zone, never the browser's)."""
    return {"center": center, "center_name": center.name(lang), "tz": center.timezone,
            "today": center.today(clock.now()).isoformat()}


def _render(request: Request, name: str, principal: Principal | None, center: Center, **ctx) -> HTMLResponse:
    lang = ui_lang(request, principal.user.locale if principal else None)
    response = templates.TemplateResponse(
        request, name,
        {"t": translator(lang), "lang": lang, "other_lang": "en" if lang == "ko" else "ko", "me": principal,
         "strings_json": json.dumps(strings_for(lang), ensure_ascii=False),
         "csrf": principal.login.csrf_token if principal else "", **_page_context(center, lang), **ctx},
    )
    if request.query_params.get("lang") in UI_LANGS:
        response.set_cookie("dasan_lang", lang, samesite="lax", httponly=True, max_age=365 * 86400)
    return response


def _render_citizen(request: Request, name: str, center: Center, **ctx) -> HTMLResponse:
    """A page citizens open: in any of the center's service languages."""
    lang = citizen_lang(request, center.default_lang)
    links = [(x, str(request.url.include_query_params(lang=x)), language_name(x)) for x in center.languages]
    response = templates.TemplateResponse(
        request, name, {"t": translator(lang), "lang": lang, "lang_links": links, **_page_context(center, lang), **ctx})
    if request.query_params.get("lang") in center.languages:
        response.set_cookie("dasan_lang", lang, samesite="lax", httponly=True, max_age=365 * 86400)
    return response


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


@router.get("/", dependencies=[Depends(Public())])
def home(request: Request, session: SessionDep) -> Response:
    principal = principal_from_request(request, session)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME.get(principal.role, "/me"), status_code=303)


@router.get("/login", dependencies=[Depends(Public())])
def login_page(request: Request, center: CenterDep, next: str | None = None) -> Response:
    token = new_token()
    response = _render(request, "login.html", None, center, login_csrf=token, next=_safe_next(next), error=False)
    response.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict", max_age=3600,
                        secure=request.app.state.settings.cookie_secure)
    return response


def login_policies(settings) -> tuple[Policy, Policy]:
    """The throttling of logins per account and per source address, from the settings."""
    lock = timedelta(minutes=settings.login_lock_minutes)
    return (Policy(lock_after=settings.login_lock_after, lock_for=lock, window=lock),
            Policy(lock_after=settings.login_address_lock_after, lock_for=lock, window=lock,
                   free=min(settings.login_address_lock_after - 1, 4)))


def _user_id(session, username: str) -> int | None:
    return session.scalar(select(User.id).where(User.username == username.strip()))


def _login_refused(request: Request, center: Center, next: str, *, status: int,
                   throttled: tuple[str, bool, int] | None = None, headers: dict | None = None) -> Response:
    """The login page again with a fresh pre-login CSRF cookie: wrong credentials (401), or too
    many failures (429: wait `seconds`, or locked for that long)."""
    token = new_token()
    minutes = -(-throttled[2] // 60) if throttled else 0
    response = _render(request, "login.html", None, center, login_csrf=token, next=_safe_next(next),
                       error=throttled is None, throttled=throttled, wait_s=throttled[2] if throttled else 0,
                       wait_min=minutes)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    response.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict", max_age=3600,
                        secure=request.app.state.settings.cookie_secure)
    return response


@router.post("/login", dependencies=[Depends(Public())])
def login(
    request: Request, session: SessionDep, settings: SettingsDep, center: CenterDep,
    username: Annotated[str, Form(max_length=80)], password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)], next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    # Double-submit check: a cross-site form cannot read or set our pre-login cookie.
    if not hmac.compare_digest(request.cookies.get(PRE_CSRF, ""), csrf_token):
        return HTMLResponse("CSRF check failed; reload the login page.", status_code=403)
    address = client_address(request)
    refused = _throttled(request, session, settings, center, username, address, next)
    if refused is not None:
        return refused
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        _count_failure(session, settings, username, address)
        return _login_refused(request, center, next, status=401)
    if user.totp_secret:
        # The password was right; the second factor comes next, within a few minutes.
        token, _ = do_create_login_session(session=session, user=user, hours=settings.session_hours,
                                           address=address, user_agent=request.headers.get("user-agent", ""),
                                           pending_factor=True)
        return _code_page(request, center, next, token=token, status=200, settings=settings)
    return _logged_in(request, session, settings, user, address, next, factor_used=None)


def _throttled(request: Request, session, settings, center: Center, username: str, address: str,
               next: str, *, step: str = "password") -> Response | None:
    """The 429 answer when the account or the address must wait (audited), else None. Throttled
    or locked, the password (or code) is not even checked: a locked account's right one is refused
    too, and the attempt does not count as a failure."""
    account, source = login_policies(settings)
    by_account, by_address = login_verdicts(session=session, username=username, address=address,
                                            account=account, source=source)
    if by_account.allowed and by_address.allowed:
        return None
    scope, held = ("account", by_account) if not by_account.allowed else ("address", by_address)
    wait = max(by_account.retry_after_s, by_address.retry_after_s)
    do_audit(session=session, user_id=None, action="login.throttled", subject_type="user",
             subject_id=_user_id(session, username),
             detail={"username": login_key(username), "address": address, "scope": scope, "step": step,
                     "locked": held.locked, "retry_after_s": wait})
    return _login_refused(request, center, next, status=429, throttled=(scope, held.locked, wait),
                          headers={"Retry-After": str(wait)})


def _count_failure(session, settings, username: str, address: str, *, step: str = "password") -> None:
    """A wrong password (or second-factor code) counts against the account and the address; a lock
    it starts is audited."""
    account, source = login_policies(settings)
    before = login_verdicts(session=session, username=username, address=address, account=account, source=source)
    do_record_login_failure(session=session, username=username, address=address, step=step)
    session.flush()
    after = login_verdicts(session=session, username=username, address=address, account=account, source=source)
    for scope, was, now in (("account", before[0], after[0]), ("address", before[1], after[1])):
        if now.locked and not was.locked:
            do_audit(session=session, user_id=None, action="login.locked", subject_type="user",
                     subject_id=_user_id(session, username),
                     detail={"username": login_key(username), "address": address, "scope": scope,
                             "failures": now.failures, "until_s": now.retry_after_s})


def _logged_in(request: Request, session, settings, user: User, address: str, next: str,
               factor_used: str | None) -> Response:
    """Start the user's session and send them on: their own page first when they must choose a
    password or (after the grace period) set up a second factor their role requires."""
    do_clear_login_failures(session=session, username=user.username)
    token, _ = do_create_login_session(session=session, user=user, hours=settings.session_hours, address=address,
                                       user_agent=request.headers.get("user-agent", ""))
    if user.role in settings.second_factor_roles and not user.totp_secret and user.second_factor_due is None:
        user.second_factor_due = clock.now() + timedelta(days=settings.second_factor_grace_days)
    do_audit(session=session, user_id=user.id, action="login", subject_type="user", subject_id=user.id,
             detail={"second_factor": factor_used} if factor_used else None)
    factor_due = second_factor_overdue(user, settings.second_factor_roles)
    home = "/me" if user.must_change_password or factor_due else (_safe_next(next) or HOME.get(user.role, "/me"))
    redirect = RedirectResponse(home, status_code=303)
    redirect.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
                        max_age=settings.session_hours * 3600)
    redirect.delete_cookie(PRE_CSRF)
    return redirect


def _code_page(request: Request, center: Center, next: str, *, token: str | None, status: int, settings,
               wrong: bool = False) -> Response:
    """The second step of a login: the authenticator app's code (or a recovery code)."""
    csrf = new_token()
    response = _render(request, "login.html", None, center, login_csrf=csrf, next=_safe_next(next), error=False,
                       code_step=True, wrong_code=wrong)
    response.status_code = status
    response.set_cookie(PRE_CSRF, csrf, httponly=True, samesite="strict", max_age=3600, secure=settings.cookie_secure)
    if token is not None:
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
                            max_age=int(PENDING_FACTOR.total_seconds()))
    return response


@router.post("/login/code", dependencies=[Depends(Public())])
def login_code(
    request: Request, session: SessionDep, settings: SettingsDep, center: CenterDep,
    code: Annotated[str, Form(max_length=40)], csrf_token: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The second factor of a login whose password was right: a TOTP code or a recovery code.
    Wrong codes count as failed logins (throttled and locked like passwords)."""
    if not hmac.compare_digest(request.cookies.get(PRE_CSRF, ""), csrf_token):
        return HTMLResponse("CSRF check failed; reload the login page.", status_code=403)
    pending = get_pending_login(session=session, token=request.cookies.get(SESSION_COOKIE, ""))
    if pending is None:  # lapsed, or never was: from the password again
        return RedirectResponse("/login" + (f"?next={_safe_next(next)}" if _safe_next(next) else ""), status_code=303)
    login_row, user = pending
    address = client_address(request)
    refused = _throttled(request, session, settings, center, user.username, address, next, step="code")
    if refused is not None:
        session.delete(login_row)
        return refused
    used = do_check_second_factor(session=session, user=user, server_secret=settings.secret_key, code=code)
    if used is None:
        _count_failure(session, settings, user.username, address, step="code")
        return _code_page(request, center, next, token=None, status=401, settings=settings, wrong=True)
    session.delete(login_row)  # a new session (and token) for the logged-in user: no fixation
    return _logged_in(request, session, settings, user, address, next, factor_used=used)


@router.post("/logout")
def logout(session: SessionDep,
           me: Annotated[Principal, Depends(Allow(*ALL_ROLES, before_password_change=True))]) -> Response:
    session.delete(me.login)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


# Staff pages: the page, and who may open it (the data comes from the API, by role).
STAFF_PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "/me": ("me.html", ALL_ROLES),
    "/agent": ("agent.html", STAFF),
    "/supervisor": ("supervisor.html", SUPERVISION),
    "/reports": ("reports.html", ("supervisor", "admin", "analyst")),
    "/kb": ("kb.html", ("official", "supervisor", "admin")),
    "/cases": ("cases.html", ("official", "supervisor", "admin")),
    "/admin": ("admin.html", ("admin",)),
    "/admin/voice": ("voice_admin.html", ("admin",)),
    "/admin/audit": ("audit.html", ("admin",)),
    "/privacy": ("privacy.html", ("supervisor", "admin")),
    "/quality": ("quality.html", ("agent", "supervisor", "admin", "shopper")),
}


def softphone_context(settings) -> dict | None:
    """What the agent page's softphone needs: Janus's websocket and the SIP edge (voice on)."""
    if not settings.voice_enabled or not settings.voice_janus_ws:
        return None
    return {"janus": settings.voice_janus_ws, "proxy": f"sip:{settings.voice_kamailio}", "realm": REALM}


def _staff_page(template: str, roles: tuple[str, ...]):
    def page(request: Request, center: CenterDep, me: Principal) -> Response:
        extra: dict = {}
        if template == "agent.html":
            extra["softphone"] = softphone_context(request.app.state.settings)
        elif template == "voice_admin.html":
            extra["prompt_keys"] = [k for k in prompt_keys() if k != "voice.menu.languages"]
        return _render(request, template, me, center, **extra)

    page.__name__ = template.removesuffix(".html") + "_page"
    # The page's own policy (annotations are strings in this module; this one is built here).
    page.__annotations__["me"] = Annotated[Principal, Depends(Allow(*roles, page=True,
                                                                    before_password_change=template == "me.html"))]
    return page


for _path, (_template, _roles) in STAFF_PAGES.items():
    router.add_api_route(_path, _staff_page(_template, _roles), methods=["GET"])


JANUS_JS = Path("/usr/share/javascript/janus-gateway/janus.js")  # Debian's libjs-janus-gateway


@router.get("/vendor/janus.js", dependencies=[Depends(Public())])
def janus_js() -> Response:
    """Janus's JavaScript library, from the Debian package that matches the Janus server."""
    if not JANUS_JS.exists():
        raise NotFound("janus.js is not installed here (Debian package libjs-janus-gateway)")
    return FileResponse(JANUS_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})


@router.get("/cases/lookup", dependencies=[Depends(Public())])
def case_lookup_page(request: Request, session: SessionDep, center: CenterDep, number: str = "",
                     phone: str = "") -> Response:
    """A citizen looks up their case by its number and their phone number (public comments only)."""
    number, phone = number.strip()[:20], phone.strip()[:40]
    case, error = None, ""
    if number and phone:
        lang = citizen_lang(request, center.default_lang)
        found = cases_service.find_for_citizen(session=session, number=number, phone=phone)
        if found is None:
            error = translator(lang)("page.no_case")
        else:
            case = cases_service.public_view(session=session, case=found, lang=lang,
                                             default_lang=center.default_lang)
            case["due_local"] = local_datetime(center.local(found.due_at), lang)
    return _render_citizen(request, "lookup.html", center, number=number, phone=phone, case=case, error=error)


@router.get("/cases/{number}/survey", dependencies=[Depends(Public())])
def survey_page(request: Request, center: CenterDep, number: str, k: str = "") -> Response:
    """The happy-call survey a citizen reaches from the link in their SMS or chat."""
    return _render_citizen(request, "survey.html", center, number=number, key=k[:40], done=False, error="",
                           action=f"/cases/{number}/survey")


def _bad_survey_link(request: Request, center: Center) -> str:
    return translator(citizen_lang(request, center.default_lang))("page.survey_bad_link")


def _contact_survey_page(request: Request, center: Center, token: str):
    return partial(_render_citizen, request, "survey.html", center, number="", key="", action=f"/survey/{token}")


@router.post("/cases/{number}/survey", dependencies=[Depends(Public())])
def survey_answer(request: Request, number: str, session: SessionDep, center: CenterDep,
                  k: Annotated[str, Form(max_length=40)], score: Annotated[int, Form(ge=1, le=5)],
                  comment: Annotated[str, Form(max_length=2000)] = ""):
    """Store the citizen's answer (once); the link's key must match the case."""
    page = partial(_render_citizen, request, "survey.html", center, number=number, key=k,
                   action=f"/cases/{number}/survey")
    case = session.scalar(select(Case).where(Case.number == number))
    if case is None or not survey_key_ok(case, k):
        return page(done=False, error=_bad_survey_link(request, center))
    try:
        do_answer_survey(session=session, case=case, score=score, comment=comment)
    except DasanError as e:
        session.rollback()
        return page(done=False, error=e.message)
    return page(done=True, error="")


@router.get("/survey/{token}", dependencies=[Depends(Public())])
def contact_survey_page(request: Request, center: CenterDep, session: SessionDep,
                        token: Annotated[str, PathParam(max_length=40)]) -> Response:
    """A contact's happy-call, from the link in the citizen's SMS or chat."""
    page = _contact_survey_page(request, center, token)
    try:
        survey = quality_actions.survey_by_token(session, token)
    except DasanError:
        return page(done=False, error=_bad_survey_link(request, center))
    return page(done=survey.score is not None, error="")


@router.post("/survey/{token}", dependencies=[Depends(Public())])
def contact_survey_answer(request: Request, center: CenterDep, session: SessionDep,
                          token: Annotated[str, PathParam(max_length=40)], score: Annotated[int, Form(ge=1, le=5)],
                          comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Store the citizen's score once; a low one opens a catch-call for the supervisors."""
    page = _contact_survey_page(request, center, token)
    try:
        survey = quality_actions.survey_by_token(session, token)
    except DasanError:
        return page(done=False, error=_bad_survey_link(request, center))
    try:
        quality_actions.do_answer(session=session, survey=survey, score=score, comment=comment)
    except DasanError as e:
        session.rollback()
        return page(done=False, error=e.message)
    return page(done=True, error="")


@router.get("/chat", dependencies=[Depends(Public())])
def chat_page(request: Request, center: CenterDep,
              line: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """The citizen's chat page (?lang= one of the center's service languages; ?line= a queue of its
    own, e.g. a department's); embeddable elsewhere too."""
    lang = citizen_lang(request, center.default_lang)
    return templates.TemplateResponse(request, "chat.html", {
        "lang": lang, "line": line or "", "title": catalogue.text("widget.title", lang, center)})


WIDGET_JS = (Path(__file__).parent / "static" / "widget.js").read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def _widget_for(center: Center) -> str:
    example = phone.example(center.country)
    text = {lang: catalogue.citizen_strings("widget.", lang, center, example=example) for lang in center.languages}
    source = WIDGET_JS.replace("/*CATALOGUE*/{}", json.dumps(text, ensure_ascii=False), 1)
    return source.replace('/*DEFAULT_LANG*/"ko"', json.dumps(center.default_lang), 1)


@router.get("/static/widget.js", dependencies=[Depends(Public())])
def widget_script(center: CenterDep) -> Response:
    """The chat widget with the center's text in each of its service languages (from the message
    catalogue), so a page that embeds it names this center and no other."""
    return Response(_widget_for(center), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "max-age=300"})


@router.get("/healthz", dependencies=[Depends(Public())])
async def healthz(request: Request) -> dict:
    """Liveness, and whether this process's knowledge index is built and the bot's answer
    thresholds measured on it (a load balancer can wait for `knowledge_ready` before sending it
    citizens: a cold build takes seconds). Answered on
    the event loop, never queued behind busy worker threads (a flood of gateway retries)."""
    return {"ok": True, "knowledge_ready": request.app.state.knowledge.calibrated_revision >= 0}


def _same_origin(ws: WebSocket) -> bool:
    """Refuse cross-site websocket hijacking: the Origin must be this host."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser
    return urlsplit(origin).netloc == ws.headers.get("host")


SOCKET_RECHECK_S = 60.0  # how often a staff socket's pings check that its login session still holds


async def staff_socket(ws: WebSocket) -> None:
    """Live events for staff, each only what its audience names (actions go through the REST API)."""
    factory = ws.app.state.session_factory

    def _auth():
        with session_scope(factory) as s:
            p = principal_from_request(ws, s)
            return (p.user.id, p.user.role) if p else None

    who = await anyio.to_thread.run_sync(_auth)
    if who is None or who[1] not in staff_socket.policy.roles or not _same_origin(ws):  # type: ignore[attr-defined]
        await ws.close(code=4403)
        return
    await ws.accept()
    conn = Connection(user_id=who[0], role=who[1])
    hub = ws.app.state.bus.hub
    hub.add(conn)
    await ws.send_text(json.dumps({"type": "hello", "user_id": who[0]}))

    async def writer() -> None:
        while True:
            await ws.send_text(await conn.queue.get())
            if conn.overflowed and conn.queue.empty():
                await ws.close(code=4008)  # events were dropped: the page reconnects and refetches
                return

    task = asyncio.create_task(writer())
    checked = asyncio.get_running_loop().time()
    try:
        while True:
            raw = await ws.receive_text()
            if raw == "ping":
                # The open page keeps its login session alive; a session that ended meanwhile
                # (logged out elsewhere, ended by its user or an admin, timed out) ends the socket.
                now = asyncio.get_running_loop().time()
                if now - checked >= SOCKET_RECHECK_S:
                    checked = now
                    if await anyio.to_thread.run_sync(_auth) is None:
                        await ws.close(code=4401)
                        return
                await conn.queue.put('{"type":"pong"}')
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(conn)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


# Officials too: they are sent their department's case events; analysts, the emerging issues.
# Mystery shoppers: their own assignments.
staff_socket.policy = Allow(*STAFF, "admin", "official", "analyst", "shopper")  # type: ignore[attr-defined]
router.add_api_websocket_route("/ws/staff", staff_socket)

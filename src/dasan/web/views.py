"""Pages: login, agent desktop, supervisor view, citizen chat; and the staff websocket."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Depends, Form, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dasan.core import clock
from dasan.core.deps import (
    ALL_ROLES,
    SESSION_COOKIE,
    STAFF,
    SUPERVISION,
    Allow,
    Principal,
    Public,
    SessionDep,
    SettingsDep,
    principal_from_request,
)
from dasan.db.engine import session_scope
from dasan.events.bus import Connection
from dasan.orgs.models import Role
from dasan.security.service import authenticate, do_audit, do_create_login_session, new_token
from dasan.web.i18n import UI_LANGS, strings_for, translator, ui_lang

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
PRE_CSRF = "dasan_login_csrf"
CHAT_LANGS = ("ko", "en", "zh", "ja", "vi", "mn")
HOME = {Role.AGENT: "/agent", Role.SUPERVISOR: "/supervisor", Role.ADMIN: "/supervisor", Role.OFFICIAL: "/cases"}


def _render(request: Request, name: str, principal: Principal | None = None, **ctx) -> HTMLResponse:
    lang = ui_lang(request, principal.user.locale if principal else None)
    response = templates.TemplateResponse(
        request, name,
        {"t": translator(lang), "lang": lang, "other_lang": "en" if lang == "ko" else "ko", "me": principal,
         "strings_json": json.dumps(strings_for(lang), ensure_ascii=False),
         "csrf": principal.login.csrf_token if principal else "", **ctx},
    )
    if request.query_params.get("lang") in UI_LANGS:
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
def login_page(request: Request, next: str | None = None) -> Response:
    token = new_token()
    response = _render(request, "login.html", None, login_csrf=token, next=_safe_next(next), error=False)
    response.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict", max_age=3600)
    return response


@router.post("/login", dependencies=[Depends(Public())])
def login(
    request: Request, session: SessionDep, settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)], password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)], next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    # Double-submit check: a cross-site form cannot read or set our pre-login cookie.
    if not hmac.compare_digest(request.cookies.get(PRE_CSRF, ""), csrf_token):
        return HTMLResponse("CSRF check failed; reload the login page.", status_code=403)
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        token = new_token()
        response = _render(request, "login.html", None, login_csrf=token, next=_safe_next(next), error=True)
        response.status_code = 401
        response.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict", max_age=3600)
        return response
    token, _ = do_create_login_session(session=session, user=user, hours=settings.session_hours)
    do_audit(session=session, user_id=user.id, action="login", subject_type="user", subject_id=user.id)
    response = RedirectResponse(_safe_next(next) or HOME.get(user.role, "/me"), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
                        max_age=settings.session_hours * 3600)
    response.delete_cookie(PRE_CSRF)
    return response


@router.post("/logout")
def logout(session: SessionDep, me: Annotated[Principal, Depends(Allow(*ALL_ROLES))]) -> Response:
    session.delete(me.login)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me")
def me_page(request: Request, me: Annotated[Principal, Depends(Allow(*ALL_ROLES, page=True))]) -> Response:
    return _render(request, "me.html", me)


@router.get("/agent")
def agent_page(request: Request, me: Annotated[Principal, Depends(Allow(*STAFF, page=True))]) -> Response:
    return _render(request, "agent.html", me)


@router.get("/supervisor")
def supervisor_page(request: Request, me: Annotated[Principal, Depends(Allow(*SUPERVISION, page=True))]) -> Response:
    return _render(request, "supervisor.html", me)


@router.get("/reports")
def reports_page(request: Request, me: Annotated[Principal, Depends(Allow("supervisor", "admin", "analyst",
                                                                            page=True))]) -> Response:
    return _render(request, "reports.html", me)


@router.get("/kb")
def kb_page(request: Request, me: Annotated[Principal, Depends(Allow("official", "supervisor", "admin", page=True))]):
    return _render(request, "kb.html", me)


@router.get("/cases")
def cases_page(request: Request,
               me: Annotated[Principal, Depends(Allow("official", "supervisor", "admin", page=True))]):
    return _render(request, "cases.html", me)


@router.get("/cases/lookup", dependencies=[Depends(Public())])
def case_lookup_page(request: Request, session: SessionDep, number: str = "", phone: str = "") -> Response:
    """A citizen looks up their case by its number and their phone number (public comments only)."""
    from dasan.cases.views import lookup
    from dasan.core.errors import NotFound

    number, phone = number.strip()[:20], phone.strip()[:40]
    case, error = None, ""
    if number and phone:
        try:
            case = lookup(number, session, phone)
            case["due_local"] = clock.local(datetime.fromisoformat(case["due_at"])).strftime("%Y-%m-%d %H:%M")
        except NotFound:
            error = translator(ui_lang(request))("no_case_number")
    return _render(request, "lookup.html", None, number=number, phone=phone, case=case, error=error)


@router.get("/cases/{number}/survey", dependencies=[Depends(Public())])
def survey_page(request: Request, number: str, k: str = "") -> Response:
    """The happy-call survey a citizen reaches from the link in their SMS or chat."""
    return _render(request, "survey.html", None, number=number, key=k[:40], done=False, error="")


@router.post("/cases/{number}/survey", dependencies=[Depends(Public())])
def survey_answer(request: Request, number: str, session: SessionDep, k: Annotated[str, Form(max_length=40)],
                  score: Annotated[int, Form(ge=1, le=5)], comment: Annotated[str, Form(max_length=2000)] = ""):
    """Store the citizen's answer (once); the link's key must match the case."""
    from sqlalchemy import select

    from dasan.cases.actions import do_answer_survey, survey_key_ok
    from dasan.cases.models import Case
    from dasan.core.errors import DasanError

    case = session.scalar(select(Case).where(Case.number == number))
    if case is None or not survey_key_ok(case, k):
        return _render(request, "survey.html", None, number=number, key=k, done=False,
                       error=translator(ui_lang(request))("no_case_found"))
    try:
        do_answer_survey(session=session, case=case, score=score, comment=comment)
    except DasanError as e:
        session.rollback()
        return _render(request, "survey.html", None, number=number, key=k, done=False, error=e.message)
    return _render(request, "survey.html", None, number=number, key=k, done=True, error="")


@router.get("/chat", dependencies=[Depends(Public())])
def chat_page(request: Request, line: str | None = None) -> Response:
    """The citizen's chat page (?lang= one of the six service languages); embeddable elsewhere too."""
    wanted = request.query_params.get("lang")
    lang = wanted if wanted in CHAT_LANGS else ui_lang(request)
    return templates.TemplateResponse(request, "chat.html", {"lang": lang, "line": line or ""})


@router.get("/healthz", dependencies=[Depends(Public())])
async def healthz(request: Request) -> dict:
    """Liveness, and whether this process's knowledge index is built (a load balancer can wait
    for `knowledge_ready` before sending it citizens: a cold build takes seconds). Answered on
    the event loop, never queued behind busy worker threads (a flood of gateway retries)."""
    return {"ok": True, "knowledge_ready": request.app.state.knowledge.revision >= 0}


def _same_origin(ws: WebSocket) -> bool:
    """Refuse cross-site websocket hijacking: the Origin must be this host."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser
    return urlsplit(origin).netloc == ws.headers.get("host")


async def staff_socket(ws: WebSocket) -> None:
    """Live events for agents and supervisors (actions go through the REST API)."""
    factory = ws.app.state.session_factory

    def _auth():
        with session_scope(factory) as s:
            p = principal_from_request(ws, s)  # type: ignore[arg-type]
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
    try:
        while True:
            raw = await ws.receive_text()
            if raw == "ping":
                await conn.queue.put('{"type":"pong"}')
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(conn)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


staff_socket.policy = Allow(*STAFF, "admin", "official")  # type: ignore[attr-defined]  (officials: case events)
router.add_api_websocket_route("/ws/staff", staff_socket)

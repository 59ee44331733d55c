"""create_app(settings): the ASGI application."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from urllib.parse import quote

import anyio
from aiosmtpd.controller import Controller
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from dasan import api
from dasan.bot.language import warm_up
from dasan.bot.recognizer import ProcedureRecognizer, published_services
from dasan.cases.scheduled import escalate_periodically as escalate_case_deadlines
from dasan.center import service as center_service
from dasan.channels.admission import Admission, AdmissionMiddleware
from dasan.channels.email import EmailSender, InboundHandler
from dasan.channels.groupcommit import GroupCommit
from dasan.channels.sms import answer_lost_turns
from dasan.channels.sms_sender import KannelSender
from dasan.channels.webhook import WebhookReplySender, escalate_periodically
from dasan.config import Settings
from dasan.conversations import actions as conversation_actions
from dasan.core import commit
from dasan.core.errors import DasanError
from dasan.db.engine import make_engine, make_read_engine, make_sessionmaker, session_scope
from dasan.events import actions as event_actions
from dasan.events.bus import make_bus
from dasan.knowledge.service import KnowledgeSearch
from dasan.observability.middleware import ObservabilityMiddleware
from dasan.outbox import actions as outbox_actions
from dasan.outbox.runner import OutboxWorker
from dasan.protect import actions as protect_actions
from dasan.quality import actions as quality_actions
from dasan.retention.scheduled import purge_periodically
from dasan.routing.runner import Dispatcher
from dasan.security.deps import (
    SESSION_COOKIE,
    Allow,
    LoginRequired,
    PasswordChangeRequired,
    Policy,
    Public,
    TokenAuth,
    policy_of,
)
from dasan.security.headers import SecurityHeadersMiddleware
from dasan.trends.live import LiveTrends
from dasan.voice.runner import voice_controller

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "web" / "static"


HTTP_ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 406: "not_acceptable", 413: "too_large", 415: "unsupported_media_type",
                    422: "invalid", 429: "too_many_requests"}


def route_policy(route) -> Policy | None:
    """The access policy a route declared (None if it declared none)."""
    if isinstance(route, APIRoute):
        found = policy_of(route.dependant.dependencies) + [
            p for d in route.dependant.dependencies for p in policy_of(d.dependencies)
        ]
        return found[0] if found else None
    if isinstance(route, APIWebSocketRoute):
        return getattr(route.endpoint, "policy", None)
    return None


def _warm(knowledge: KnowledgeSearch, recognizer: ProcedureRecognizer, factory) -> None:
    """Build the knowledge index, measure the bot's thresholds, train the procedure recognizer."""
    try:
        warm_up()
        knowledge.refresh()
        with session_scope(factory) as s:
            services = published_services(s)
        recognizer.refresh(services, knowledge.index.docs)
    except Exception:  # the first search will try again
        log.exception("knowledge index warm-up failed")


def all_routes(app: FastAPI) -> list:
    """Every HTTP and websocket route: the app's own and those of each mounted router."""
    routes = [r for r in app.routes if isinstance(r, APIRoute | APIWebSocketRoute)]
    for router in api.ROUTERS:
        routes.extend(r for r in router.routes if isinstance(r, APIRoute | APIWebSocketRoute))
    return routes


SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                "description": "A staff member's login session (the form at /login)."},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
             "description": "The session's CSRF token (the page's data-csrf), on every write."},
    "bearer": {"type": "http", "scheme": "bearer", "description": "An integration token (`dasan tokens create`)."},
    "token_query": {"type": "apiKey", "in": "query", "name": "token",
                    "description": "The integration token, for gateways that can only call a URL (Kannel)."},
    "basic": {"type": "http", "scheme": "basic", "description": "A gateway's user name and the token as password."},
}


def openapi_with_security(app: FastAPI) -> dict:
    """The OpenAPI document with each operation's security requirement, taken from its access
    policy: a staff session (and, on writes, its CSRF token), or an integration token; public
    operations have none. The docs show it; schemathesis's authorization checks rely on it."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    policies = {(method.lower(), r.path): route_policy(r) for r in all_routes(app) if isinstance(r, APIRoute)
                for method in (r.methods or ())}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            policy = policies.get((method, path))
            if isinstance(policy, Allow):
                operation["security"] = ([{"session": []}] if method in ("get", "head", "options")
                                         else [{"session": [], "csrf": []}])
            elif isinstance(policy, TokenAuth):
                operation["security"] = ([{"bearer": []}] + ([{"token_query": []}] if policy.query else [])
                                         + ([{"basic": []}] if policy.basic else []))
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: storage, bus, dispatcher, routes, error handlers."""
    settings = settings or Settings()
    center_service.use_settings(settings)
    engine = make_engine(settings)
    factory = make_sessionmaker(engine)
    read_engine = make_read_engine(settings, engine)
    bus = make_bus(settings.redis_url)
    event_actions.install(factory, bus)
    outbox_actions.install(factory)
    if protect_actions.auto_step not in conversation_actions.ABUSE_HOOKS:  # the policy's own warnings (M17)
        conversation_actions.ABUSE_HOOKS.append(protect_actions.auto_step)
    if protect_actions.send_notice not in conversation_actions.START_HOOKS:  # the notice per text thread
        conversation_actions.START_HOOKS.append(protect_actions.send_notice)
    if quality_actions.on_close not in conversation_actions.CLOSE_HOOKS:  # the happy-call draw (M14)
        conversation_actions.CLOSE_HOOKS.append(quality_actions.on_close)
    dispatcher = Dispatcher(factory, offer_timeout_s=settings.offer_timeout_s, interval_s=settings.sweep_interval_s,
                            bot_enabled=settings.bot_enabled)
    knowledge = KnowledgeSearch(factory, settings.kb_profile)
    trends = LiveTrends(factory, knowledge, interval_s=settings.trends_interval_s)
    admission = Admission(settings.intake_max_in_flight)
    writers = settings.intake_writers or (1 if settings.resolved_database_url.startswith("sqlite") else 4)
    intake_writer = GroupCommit(factory, name="intake", writers=writers)
    outbox = OutboxWorker(factory, {"sms": KannelSender(settings, factory), "email": EmailSender(settings, factory),
                                    "sns": WebhookReplySender(factory)}, interval_s=settings.outbox_interval_s,
                          recover_after_s=settings.outbox_recover_after_s)
    # After a commit that queued a contact or freed an agent, a dispatch round; after one that
    # queued outbound messages, the outbox worker. Actions name what they changed (core.commit).
    voice = voice_controller(settings, factory, make_sessionmaker(read_engine))
    commit.install(factory, {commit.ROUTING: dispatcher.kick, commit.OUTBOX: outbox.kick,
                             commit.VOICE: voice.kick if voice is not None else (lambda: None)})

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await bus.start()
        intake_writer.start()
        await dispatcher.start()
        if settings.outbox_enabled:
            await outbox.start()
        lost_turns = (asyncio.create_task(answer_lost_turns(app, every_s=settings.lost_turn_interval_s))
                      if settings.bot_enabled else None)
        deadlines = asyncio.create_task(escalate_periodically(app))
        case_deadlines = asyncio.create_task(escalate_case_deadlines(app))
        purges = asyncio.create_task(purge_periodically(app, every_s=settings.purge_interval_s))
        if settings.trends_enabled:
            await trends.start()
        smtp = None
        if settings.smtp_listen_port:
            smtp = Controller(InboundHandler(factory, data_dir=settings.data_dir, admission=admission),
                              hostname="127.0.0.1",
                              port=settings.smtp_listen_port)
            smtp.start()
        if voice is not None:
            await voice.start()
        warmup = None
        if settings.kb_warmup:
            # In the background: the server answers at once; the first search waits for the index.
            warmup = asyncio.create_task(anyio.to_thread.run_sync(_warm, knowledge, app.state.procedures, factory))
        try:
            yield
        finally:
            if warmup is not None and not warmup.done():
                warmup.cancel()
            if lost_turns is not None:
                lost_turns.cancel()
            deadlines.cancel()
            case_deadlines.cancel()
            purges.cancel()
            await trends.stop()
            if smtp is not None:
                smtp.stop()
            if voice is not None:
                await voice.stop()
            app.state.bot_pool.shutdown(wait=False, cancel_futures=True)
            await outbox.stop()
            await dispatcher.stop()
            intake_writer.stop()
            await bus.stop()
            engine.dispose()
            if read_engine is not engine:
                read_engine.dispose()

    app = FastAPI(title="Dasan", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="One-number public contact center: REST API (`/api/v1`).")
    app.state.settings = settings
    app.state.voice = voice
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.read_factory = make_sessionmaker(read_engine)
    app.state.bus = bus
    app.state.outbox = outbox
    app.state.intake_writer = intake_writer
    # Bot turns for text channels whose gateway should not wait for them (SMS): a small pool of
    # its own, so a burst of messages never takes every request thread.
    app.state.bot_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dasan-bot")
    app.state.bot_pending = set()  # (conversation id, message seq) queued or running on bot_pool
    app.state.dispatcher = dispatcher
    app.state.knowledge = knowledge
    app.state.trends = trends
    app.state.procedures = ProcedureRecognizer()
    api.mount(app)

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(Public())])
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Dasan API")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password_change_required(request: Request, exc: PasswordChangeRequired):
        return RedirectResponse("/me", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        # The framework's own refusals (a body it cannot parse, no such route, a method the route
        # does not take) in the same JSON error shape as ours, with their headers (Allow …).
        code = HTTP_ERROR_CODES.get(exc.status_code, "bad_request" if exc.status_code < 500 else "error")
        message = exc.detail if isinstance(exc.detail, str) and exc.detail else code.replace("_", " ")
        return JSONResponse({"error": code, "message": message}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DasanError)
    async def _dasan_error(request: Request, exc: DasanError):
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError):
        # A safety net: references are checked before they are written, but a race (a row deleted
        # meanwhile, two requests inserting the same key) ends here as a refusal, never a 500.
        log.warning("refused by the database on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse({"error": "conflict", "message": "the request conflicts with stored data: a duplicate, "
                             "or a reference to something that does not exist (any more)"}, status_code=409)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception):
        # The database restarting, unreachable or busy: nothing was written (the transaction did not
        # commit), so "try again shortly" is true. The pool checks a connection before using it, so
        # the app recovers by itself once the database is back.
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"error": "unavailable", "message": "the database is not answering; try again shortly"},
                            status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError):
        log.warning("value refused by the database on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse({"error": "invalid", "message": "a value is out of the range the database holds"},
                            status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        return JSONResponse(
            {"error": "invalid", "message": f"{where}: {first['msg']}" if where else first["msg"], "details": details},
            status_code=422,
        )

    # The agents' softphones talk to Janus's websocket (another origin) when voice is on.
    connect_src = "'self'" + (f" {settings.voice_janus_ws}" if settings.voice_enabled and settings.voice_janus_ws
                              else "")

    missing = [r.path for r in all_routes(app) if route_policy(r) is None]
    if missing:
        raise RuntimeError(f"routes without an access policy: {missing}")
    app.openapi = partial(openapi_with_security, app)  # type: ignore[method-assign]
    app.state.admission = admission
    app.add_middleware(SecurityHeadersMiddleware, connect_src=connect_src)
    app.add_middleware(AdmissionMiddleware, admission=admission)
    # Outermost: the request id and the latency cover every other layer, errors included.
    app.add_middleware(ObservabilityMiddleware)
    return app

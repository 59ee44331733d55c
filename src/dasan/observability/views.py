"""`/metrics` (Prometheus; a bearer token of kind "metrics": `dasan tokens create --channel metrics`)
and `/readyz` (the database and Redis answer). `/healthz`, liveness, is in web/views.py."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text

from dasan.conversations.models import OPEN_STATUSES, Conversation
from dasan.db.engine import session_scope
from dasan.observability.metrics import BacklogCollector, render
from dasan.outbox.models import PENDING, OutboxItem
from dasan.security.deps import METRICS_TOKEN, Public, TokenAuth
from dasan.security.models import ApiToken

router = APIRouter(tags=["operations"])


def _backlogs(factory) -> dict[str, dict[str, float]]:
    """Open contacts by status and the outbox backlog by channel, on the read-only engine."""
    with session_scope(factory) as s:
        contacts = dict(s.execute(select(Conversation.status, func.count()).where(
            Conversation.status.in_(OPEN_STATUSES)).group_by(Conversation.status)).all())
        outbox = dict(s.execute(select(OutboxItem.channel, func.count()).where(
            OutboxItem.status.in_(PENDING)).group_by(OutboxItem.channel)).all())
    return {"dasan_contacts": {str(k): float(v) for k, v in contacts.items()},
            "dasan_outbox_backlog": {str(k): float(v) for k, v in outbox.items()}}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request,
                  token: Annotated[ApiToken, Depends(TokenAuth(channel=METRICS_TOKEN))]) -> Response:
    """Prometheus exposition: request latency by route, websockets, background loops, bot and
    search latency, intake outcomes, and the backlogs."""
    factory = request.app.state.read_factory
    found = await anyio.to_thread.run_sync(_backlogs, factory)
    body = await anyio.to_thread.run_sync(render, BacklogCollector(lambda: found))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _check_database(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get("/readyz", dependencies=[Depends(Public())])
async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers, and Redis when this process uses it (a load
    balancer takes the process out while either is down). 503 names what is not."""
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        with anyio.fail_after(2):
            await anyio.to_thread.run_sync(_check_database, state.engine)
        checks["database"] = "ok"
    except Exception as e:  # any failure means not ready; the reason is for the operator
        checks["database"] = f"unavailable: {type(e).__name__}"
    if state.settings.redis_url:
        try:
            with anyio.fail_after(2):
                await state.bus.ping()
            checks["redis"] = "ok"
        except Exception as e:
            checks["redis"] = f"unavailable: {type(e).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

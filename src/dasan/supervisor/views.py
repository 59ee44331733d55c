"""Supervisor API."""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from dasan.db.engine import session_scope
from dasan.security.deps import SUPERVISION, Allow, Principal, SessionDep
from dasan.supervisor.service import snapshot

router = APIRouter(prefix="/api/v1/supervisor", tags=["supervisor"])

FRESH_S = 0.9  # every wallboard refreshes each second; one snapshot per process serves them all
_cache: dict[int, tuple[float, dict]] = {}
_lock = threading.Lock()


@router.get("/snapshot")
def get_snapshot(request: Request, session: SessionDep,
                 me: Annotated[Principal, Depends(Allow(*SUPERVISION))]) -> dict:
    """Live queues and agents (at most 0.9 s old), read outside the request's transaction in a
    read-only one, so a busy day's counts never hold up writers."""
    session.commit()
    key = id(request.app)
    with _lock:  # one computation at a time per process; the others take its result
        hit = _cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < FRESH_S:
            return hit[1]
        with session_scope(request.app.state.read_factory) as s:
            snap = snapshot(session=s)
        _cache[key] = (time.monotonic(), snap)
        return snap

"""Expected wait per queue for integrations (a voice menu announces it before queueing a caller)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from dasan.routing.service import queue_wait, waiting_in
from dasan.security.deps import SessionDep, TokenAuth
from dasan.security.models import ApiToken

router = APIRouter(prefix="/api/v1/queues", tags=["routing"])


@router.get("/{code}/wait")
def expected_wait(code: str, session: SessionDep, token: Annotated[ApiToken, Depends(TokenAuth())]) -> dict:
    """How many wait in the queue and the expected wait of a contact joining it now (the median of
    the wait until enough agents free up; `null` when nobody who can take the queue is logged in)."""
    waiting = waiting_in(session, code)
    return {**queue_wait(session=session, queue_code=code, position=waiting + 1), "waiting": waiting,
            "estimate": "gamma_median"}

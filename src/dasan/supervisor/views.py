"""Supervisor API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from dasan.core.deps import SUPERVISION, Allow, Principal, SessionDep
from dasan.supervisor.service import snapshot

router = APIRouter(prefix="/api/v1/supervisor", tags=["supervisor"])


@router.get("/snapshot")
def get_snapshot(session: SessionDep, me: Annotated[Principal, Depends(Allow(*SUPERVISION))]) -> dict:
    """Live queues and agents."""
    return snapshot(session=session)

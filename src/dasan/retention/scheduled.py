"""The retention purge as a background task of every process (rounds lock nothing for long, and
a row purged by one process is skipped by the next: each kind's query asks for what is still there)."""

from __future__ import annotations

import asyncio
import logging

import anyio

from dasan.core import clock
from dasan.retention.actions import purge_all

log = logging.getLogger(__name__)


async def purge_periodically(app, *, every_s: float) -> None:
    settings = app.state.settings
    while True:
        await asyncio.sleep(every_s)
        try:
            await anyio.to_thread.run_sync(purge_all, app.state.session_factory, settings.data_dir, clock.now())
        except Exception:
            log.exception("retention purge failed")

"""A background loop stops when asked, even when a kick arrives at the same moment (on Python
3.11 `asyncio.wait_for` swallowed that cancellation and the app's shutdown waited for ever)."""

from __future__ import annotations

import asyncio
import threading

from dasan.core.worker import PeriodicWorker
from tests.conftest import run_async


class Counting(PeriodicWorker):
    interval_s = 30.0

    def __init__(self) -> None:
        super().__init__()
        self.rounds = 0

    def run_once(self) -> int:
        self.rounds += 1
        return 0


def test_stop_returns_even_when_a_kick_coincides_with_it():
    async def scenario(delay_steps: int) -> None:
        w = Counting()
        await w.start()
        for _ in range(delay_steps):
            await asyncio.sleep(0)
        w.kick()
        w._wake.set()  # the kick lands as stop() cancels  # type: ignore[union-attr]
        await asyncio.wait_for(w.stop(), timeout=5)

    async def all_of_them() -> None:
        for steps in range(6):
            for _ in range(30):
                await scenario(steps)

    # In a thread of its own: a regression is a failed test, not a suite that hangs.
    done = threading.Thread(target=asyncio.run, args=(all_of_them(),), daemon=True)
    done.start()
    done.join(timeout=30)
    assert not done.is_alive(), "stop() did not return: the loop lost its cancellation"


def test_a_kick_runs_a_round_and_stop_ends_the_loop():
    async def scenario() -> int:
        w = Counting()
        await w.start()
        w.kick()
        for _ in range(200):
            if w.rounds:
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(w.stop(), timeout=5)
        return w.rounds

    assert run_async(scenario()) == 1

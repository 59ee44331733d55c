"""Many SMS through real Kannel while Dasan is killed and restarted: every message recorded once,
every bot reply on the phones once."""

from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import func, select

from dasan.conversations.models import Message
from dasan.db.engine import session_scope
from dasan.outbox.models import OutboxItem

from ..conftest import wait_until_ready
from .kannel import received, ucs2
from .test_sms_kannel import sms_stack_with, wait_for

N = int(os.environ.get("DASAN_SMS_TEST_N", "200"))
QUESTION = "냉장고를 버리고 싶은데 어떻게 하나요?"


def first_parts(log) -> int:
    """Complete messages the phones got: single SMS, or the first part of a concatenated one."""
    return sum(1 for _to, udh, _text in received(log) if not udh or udh[10:12] == "01")


def count(db, q) -> int:
    with session_scope(db) as s:
        return int(s.scalar(q) or 0)


@pytest.mark.multiprocess
def test_sms_in_and_bot_replies_out_exactly_once_across_a_sigkill(server_env, tmp_path):
    env = {"DASAN_BOT_ENABLED": "true", "DASAN_KB_WARMUP": "true", "DASAN_KB_PROFILE": "fast"}
    with sms_stack_with(server_env, tmp_path, **env) as (server, kannel, db):
        wait_until_ready(server.url)
        # N messages from random numbers 0107xxxxxxx (fakesmsc -z 1 randomises the sender).
        out = kannel.dir / "load.out"
        import subprocess

        from .kannel import FAKESMSC

        fake = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(kannel.smsc), "-i", "0.01", "-m", str(N),
                                 "-z", "1", f"0107 120 ucs2 {ucs2(QUESTION)}"],
                                stdout=open(out, "ab"), stderr=subprocess.STDOUT)
        kannel.fakes.append((fake, out))
        inbound = select(func.count()).select_from(Message).where(Message.kind == "inbound")
        wait_for(lambda: count(db, inbound) >= N // 3, timeout=120, what="a third of the messages")
        server.proc.send_signal(signal.SIGKILL)  # mid-stream: some in flight both ways
        server.proc.wait()
        time.sleep(1)
        server.start()
        wait_until_ready(server.url)
        wait_for(lambda: count(db, inbound) >= N, timeout=240, what="every message recorded")
        wait_for(lambda: first_parts(out) >= N, timeout=240, what="every reply on the phones")
        time.sleep(3)  # a reply sent twice would arrive now
        assert count(db, inbound) == N
        assert count(db, select(func.count(func.distinct(Message.external_id))).where(Message.kind == "inbound")) == N
        assert first_parts(out) == N
        assert count(db, select(func.count()).select_from(OutboxItem)) == N
        assert count(db, select(func.count()).select_from(OutboxItem).where(
            OutboxItem.status.in_(["sent", "delivered"]))) == N

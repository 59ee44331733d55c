"""Many SMS through real Kannel while Dasan is killed and restarted: every message recorded once,
every bot reply on the phones once."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from sqlalchemy import func, select

from dasan.conversations.models import CitizenIdentity, Message
from dasan.core.phone import for_dialling
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
    # A reply the killed process was handing to Kannel is sent again once a later reply's
    # delivery report shows Kannel never took it (the production default, no shortcut).
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


OUTAGE_S = float(os.environ.get("DASAN_SMS_OUTAGE_S", "60"))
ANSWERED = ["대형폐기물 스티커는 어디서 사나요?", "불법 주차 신고는 어떻게 하나요?", "가로등이 고장났어요"]


@pytest.mark.multiprocess
def test_kannel_stopped_60_s_during_traffic_every_reply_once_in_conversation_order(server_env, tmp_path):
    """30 citizens each ask three questions the bot answers. Kannel (both boxes) is stopped for
    60 s while the first round's messages come in and its replies are being made, then started again, and the other two
    rounds follow at once: every reply reaches its phone once, and each phone gets its three
    replies in the order the conversation holds them (the ones that waited go first)."""
    from .kannel import Phones

    env = {"DASAN_BOT_ENABLED": "true", "DASAN_KB_WARMUP": "true", "DASAN_KB_PROFILE": "fast"}
    citizens = [f"0108{i:07d}" for i in range(30)]
    with sms_stack_with(server_env, tmp_path, **env) as (server, kannel, db):
        wait_until_ready(server.url)
        phones = Phones(kannel)
        down = threading.Event()
        failed: list[BaseException] = []

        def stop_midway():  # Kannel goes away while messages come in and the bot answers them
            try:
                # As soon as the first message is stored: the bot's replies to the rest are then
                # made while the gateway is going away (the bot answers in tens of milliseconds;
                # waiting for half the messages let every reply out first once intake got faster).
                wait_for(lambda: count(db, inbound_q) >= 1, timeout=120, what="the first message")
            except AssertionError as e:
                failed.append(e)
            down.set()
            kannel.stop()

        stopper = threading.Thread(target=stop_midway)
        stopper.start()
        for phone in citizens:
            if down.is_set():
                break
            sent = phones.send(phone, ANSWERED[0])
            assert sent, f"the phones' link closed before Kannel was stopped:\n{kannel.tails()}"
            time.sleep(0.01)
        stopper.join()
        if failed:  # say where the messages stopped: Kannel's logs and the server's
            server_log = (tmp_path / "server.log").read_text(errors="replace").splitlines()[-20:]
            raise AssertionError(f"{failed[0]}; {count(db, inbound_q)} stored\n{kannel.tails()}\n--- server.log\n"
                                 + "\n".join(server_log))
        t_down = time.time()
        # Replies to what Dasan has wait for the gateway meanwhile.
        wait_for(lambda: count(db, select(func.count()).select_from(OutboxItem).where(OutboxItem.attempts > 1)) > 0,
                 timeout=OUTAGE_S, what="replies retrying while Kannel is down")
        time.sleep(max(0.0, OUTAGE_S - (time.time() - t_down)))
        kannel.start()
        phones.connect()
        time.sleep(5)  # bearerbox delivers what it held in its store
        with session_scope(db) as s:
            # Identities are E.164; the phones know themselves by the national number Kannel dials.
            asked = {for_dialling(p, "KR") for (p,) in s.execute(
                select(CitizenIdentity.value).where(CitizenIdentity.kind == "phone"))}
        # What the phones sent into the dying link never reached Dasan: the citizens send it again.
        for phone in citizens:
            if phone not in asked:
                phones.send(phone, ANSWERED[0])
                time.sleep(0.05)
        wait_for(lambda: count(db, inbound_q) >= len(citizens), timeout=60, what="the first round stored")
        for question in ANSWERED[1:]:
            for phone in citizens:
                phones.send(phone, question)
                time.sleep(0.05)
        total = len(citizens) * 3
        wait_for(lambda: sum(len(v) for v in phones.messages().values()) >= total, timeout=300,
                 what="every reply on the phones")
        time.sleep(3)  # a reply sent twice would arrive now
        got = phones.messages()
        phones.close()
        with session_scope(db) as s:
            expected: dict[str, list[str]] = {}
            for to, body in s.execute(select(OutboxItem.recipient, OutboxItem.body).join(
                    Message, Message.id == OutboxItem.message_id).order_by(Message.conversation_id, Message.seq)):
                expected.setdefault(for_dialling(to, "KR"), []).append(body)
        assert sum(len(v) for v in got.values()) == total
        assert sorted(expected) == sorted(citizens) and all(len(v) == 3 for v in expected.values())
        for phone in citizens:
            assert [text for _t, text in got[phone]] == expected[phone], phone


inbound_q = select(func.count()).select_from(Message).where(Message.kind == "inbound")

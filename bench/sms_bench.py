"""SMS end to end through a real Kannel: N Korean SMS pushed through fakesmsc (the citizens'
phones) into bearerbox → smsbox → Dasan, the bot's N replies back out through the outbox →
sendsms → bearerbox → the phones; Dasan SIGKILLed once and restarted while traffic flows, and
optionally Kannel stopped for a while (both boxes) and started again.

Prints: messages stored / stored twice, replies on the phones / twice, end-to-end messages/s,
intake latency (phone → stored) p50 / p99, reply latency p50 / p99; and the anchor measured in
the same run: the same Kannel and fakesmsc with Kannel answering every message itself (a static
sms-service reply, no application behind it), which is the gateway's own ceiling here.

Usage: .venv/bin/python bench/sms_bench.py [--n 10000] [--rate 150] [--db sqlite|postgres]
       [--kill-at 0.33] [--outage-s 0] [--outage-at 0.5] [--no-anchor]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from tests.channels.kannel import Kannel, Phones  # noqa: E402
from tests.conftest import Server, free_port, wait_until_ready  # noqa: E402

from dasan.config import Settings  # noqa: E402
from dasan.conversations.models import Message  # noqa: E402
from dasan.db.engine import make_engine, make_sessionmaker, session_scope  # noqa: E402
from dasan.outbox.models import OutboxItem  # noqa: E402

QUESTIONS = ["냉장고를 버리고 싶은데 어떻게 하나요?", "대형폐기물 스티커는 어디서 사나요?",
             "여권 재발급은 어디서 신청하나요?", "버스 정기권 환불 받을 수 있나요?",
             "주민등록등본 인터넷으로 뗄 수 있어요?", "불법 주차 신고는 어떻게 하나요?",
             "소파를 버리려면 어떻게 해야 하나요?", "지하철 분실물은 어디서 찾나요?"]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def first_parts(phones: Phones) -> dict[str, list[float]]:
    """Per phone, when each reply arrived (a concatenated reply counts once: its first part)."""
    seen: dict[str, list[float]] = {}
    for t, to, udh, _text in list(phones.parts):
        if not udh or udh[10:12] == "01":
            seen.setdefault(to, []).append(t)
    return seen


def push(phones: Phones, n: int, rate: float, sent: dict[int, float], offset: int = 0,
         paused: threading.Event | None = None) -> float:
    """Send n messages at `rate` per second; returns the seconds it took."""
    t0 = time.time()
    for i in range(n):
        due = t0 + i / rate
        while time.time() < due:
            time.sleep(min(0.005, max(0.0, due - time.time())))
        while paused is not None and paused.is_set():
            time.sleep(0.05)
        k = offset + i
        while not phones.send(f"0107{k:07d}", f"{QUESTIONS[k % len(QUESTIONS)]} ({k})"):
            time.sleep(0.5)  # the SMSC link is down (Kannel stopped): the phone tries again
            phones.connect()
        sent[k] = time.time()
    return time.time() - t0


def anchor(work: Path, n: int, rate: float) -> dict:
    """Kannel answering every message itself: the gateway's ceiling with these settings."""
    k = Kannel(work / "anchor", "http://127.0.0.1:9", "unused")
    conf = k.conf.read_text()
    conf = re.sub(r'get-url = ".*"', 'text = "Your message was received by 120."', conf)
    conf = conf.replace("max-messages = 0", "max-messages = 1")  # the service's reply is sent
    k.conf.write_text(conf)
    k.start()
    phones = Phones(k, "phones")
    sent: dict[int, float] = {}
    try:
        t0 = time.time()
        push(phones, n, rate, sent)
        deadline = time.time() + 600
        while sum(len(v) for v in first_parts(phones).values()) < n and time.time() < deadline:
            time.sleep(0.2)
        seen = first_parts(phones)
        last = max((t for v in seen.values() for t in v), default=time.time())
        lat = [seen[f"0107{i:07d}"][0] - sent[i] for i in sent if f"0107{i:07d}" in seen]
        return {"replies": sum(len(v) for v in seen.values()), "msgs_per_s": n / (last - t0),
                "reply_p50_s": pct(lat, 0.5), "reply_p99_s": pct(lat, 0.99)}
    finally:
        phones.close()
        k.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--rate", type=float, default=150.0, help="messages per second pushed by the phones")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--kill-at", type=float, default=0.33, help="SIGKILL Dasan once this share is stored (0: never)")
    ap.add_argument("--outage-s", type=float, default=0.0, help="stop Kannel this long during traffic")
    ap.add_argument("--outage-at", type=float, default=0.5, help="... once this share of replies arrived")
    ap.add_argument("--no-anchor", action="store_true")
    ap.add_argument("--anchor-only", action="store_true")
    ap.add_argument("--timeout", type=float, default=3600)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dasan-sms-bench-"))
    if args.anchor_only:
        a = anchor(work, args.n, args.rate)
        print(json.dumps(a, indent=1))
        print(f"ANCHOR Kannel alone {a['msgs_per_s']:.1f} msg/s end to end (N={args.n}, rate {args.rate}/s)")
        shutil.rmtree(work, ignore_errors=True)
        return
    env = {"DASAN_DATA_DIR": str(work / "data"), "DASAN_BOT_ENABLED": "true", "DASAN_KB_WARMUP": "true",
           "DASAN_KB_PROFILE": "fast"}
    pg_name = None
    if args.db == "postgres":
        pg_name = f"dasan_smsbench_{os.getpid()}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}"'))
            c.execute(text(f'CREATE DATABASE "{pg_name}"'))
        env["DASAN_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    full_env = {**os.environ, **env}
    subprocess.run([sys.executable, "-m", "dasan.cli", "demo", "--no-serve", "--empty"], env=full_env, check=True,
                   capture_output=True)
    token = subprocess.run([sys.executable, "-m", "dasan.cli", "tokens", "create", "--channel", "sms"], env=full_env,
                           check=True, capture_output=True, text=True).stdout.strip().split()[-1]
    db = make_sessionmaker(make_engine(Settings(data_dir=work / "data", database_url=env.get("DASAN_DATABASE_URL"))))

    def count(q) -> int:
        with session_scope(db) as s:
            return int(s.scalar(q) or 0)

    inbound = select(func.count()).select_from(Message).where(Message.kind == "inbound")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    kannel = Kannel(work / "kannel", url, token)
    server_env = {**env, **kannel.env(), "DASAN_KANNEL_TOKEN": token, "DASAN_PUBLIC_URL": url}
    server = Server(server_env, port=port, log_path=work / "server.log").start()
    wait_until_ready(url, timeout_s=300)
    kannel.start()
    phones = Phones(kannel, "phones")
    sent: dict[int, float] = {}
    paused = threading.Event()
    result: dict = {"n": args.n, "rate": args.rate, "db": args.db}
    t0 = time.time()
    pusher = threading.Thread(target=lambda: result.__setitem__("push_s", push(phones, args.n, args.rate, sent,
                                                                              paused=paused)), daemon=True)
    pusher.start()
    killed = outage_done = False
    deadline = t0 + args.timeout
    shown = 0.0
    print(f"work dir {work}", file=sys.stderr)
    try:
        while time.time() < deadline:
            stored = count(inbound)
            got = sum(len(v) for v in first_parts(phones).values())
            if time.time() - shown > 10:
                shown = time.time()
                print(f"{time.time() - t0:6.0f} s: sent {len(sent)}, stored {stored}, replies {got}", file=sys.stderr)
            if not killed and args.kill_at > 0 and stored >= args.n * args.kill_at:
                server.proc.send_signal(signal.SIGKILL)
                server.proc.wait()
                k0 = time.time()
                result["killed_at_s"] = round(k0 - t0, 1)
                server.start()
                wait_until_ready(url, timeout_s=300)
                result["restart_s"] = round(time.time() - k0, 1)
                killed = True
            if not outage_done and args.outage_s > 0 and got >= args.n * args.outage_at:
                paused.set()  # the phones cannot reach a stopped SMSC; they resume after
                kannel.stop()
                time.sleep(args.outage_s)
                kannel.start()
                phones.connect()
                paused.clear()
                outage_done = True
            if stored >= args.n and got >= args.n and not pusher.is_alive():
                break
            time.sleep(0.5)
        time.sleep(5)  # a reply sent twice would show now
        seen = first_parts(phones)
        last = max((t for v in seen.values() for t in v), default=time.time())
        with session_scope(db) as s:
            rows = s.execute(select(Message.body, Message.created_at).where(Message.kind == "inbound")).all()
        stored_at = {}
        for body, created in rows:
            m = re.search(r"\((\d+)\)$", body)
            if m:
                stored_at.setdefault(int(m.group(1)), []).append(created.timestamp())
        intake = [stored_at[i][0] - sent[i] for i in sent if i in stored_at]
        reply = [seen[f"0107{i:07d}"][0] - sent[i] for i in sent if f"0107{i:07d}" in seen]
        result.update({
            "stored": count(inbound),
            "stored_twice": sum(1 for v in stored_at.values() if len(v) > 1),
            "distinct_kannel_ids": count(select(func.count(func.distinct(Message.external_id)))
                                         .where(Message.kind == "inbound")),
            "replies_on_phones": sum(len(v) for v in seen.values()),
            "phones_with_two_replies": sum(1 for v in seen.values() if len(v) > 1),
            "phones_without_reply": args.n - len(seen),
            "outbox_rows": count(select(func.count()).select_from(OutboxItem)),
            "outbox_sent_or_delivered": count(select(func.count()).select_from(OutboxItem)
                                              .where(OutboxItem.status.in_(["sent", "delivered"]))),
            "end_to_end_msgs_per_s": round(args.n / (last - t0), 1),
            "intake_p50_s": round(pct(intake, 0.5), 3), "intake_p99_s": round(pct(intake, 0.99), 3),
            "reply_p50_s": round(pct(reply, 0.5), 1), "reply_p99_s": round(pct(reply, 0.99), 1),
            "wall_s": round(last - t0, 1),
        })
        if killed:
            # Intake latency of what was stored before the kill: the steady state under this load.
            cut = t0 + result["killed_at_s"]
            before = [stored_at[i][0] - sent[i] for i in sent if i in stored_at and stored_at[i][0] < cut]
            result["intake_p50_before_kill_s"] = round(pct(before, 0.5), 3)
            result["intake_p99_before_kill_s"] = round(pct(before, 0.99), 3)
    finally:
        phones.close()
        kannel.close()
        server.stop()
    if not args.no_anchor:
        result["anchor_kannel_alone"] = {k: round(v, 3) for k, v in anchor(work, args.n, args.rate).items()}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    ok = (result["stored"] == args.n and result["stored_twice"] == 0 and result["replies_on_phones"] == args.n
          and result["phones_with_two_replies"] == 0)
    print(f"FIGURE sms end-to-end {result['end_to_end_msgs_per_s']} msg/s, intake p99 {result['intake_p99_s']} s "
          f"({args.db}, N={args.n}, rate {args.rate}/s)"
          + (f"; anchor Kannel alone {result['anchor_kannel_alone']['msgs_per_s']:.1f} msg/s"
             if "anchor_kannel_alone" in result else "") + ("" if ok else "  — COUNTS WRONG"))
    if pg_name:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{pg_name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}"'))
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

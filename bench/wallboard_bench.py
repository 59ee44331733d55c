"""The wallboard snapshot and the interval report on a busy day's records (issue 4).

Fills a fresh database (SQLite in a temporary directory, or PostgreSQL when DASAN_DATABASE_URL is
set) with the demo city and one Seoul day of 42,097 contacts (each queued, answered or abandoned,
closed with its consultation record) and 100 agents' state changes, then times the supervisor
snapshot the wallboard fetches every second and the 30-minute interval report. Prints medians
over 20 runs. The anchor is the one-second refresh: a snapshot must take well under a second.
Usage: wallboard_bench.py [--contacts 42097]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from dasan.config import Settings
from dasan.conversations.models import Citizen, ConsultationRecord, Conversation, ConvStatus
from dasan.core import clock
from dasan.db.engine import make_engine, make_read_engine, make_sessionmaker, session_scope
from dasan.db.migrate import upgrade
from dasan.demo.profiles import SEOUL_120
from dasan.demo.seed import seed
from dasan.orgs.models import Role, User
from dasan.reports.service import interval_report
from dasan.routing.models import PresenceLog
from dasan.supervisor.service import snapshot


def fill(factory, contacts: int, rng: random.Random) -> None:
    now = clock.now()
    start = SEOUL_120.day_start(SEOUL_120.today(now))
    span = max(60.0, (now - start).total_seconds() - 600)
    with session_scope(factory) as s:
        agents = list(s.scalars(select(User.id).where(User.role == Role.AGENT.value)))
        s.execute(insert(Citizen), [{"display_name": f"시민{i}", "phone": f"010-{i:08d}"} for i in range(contacts)])
        first_citizen = s.scalar(select(Citizen.id).order_by(Citizen.id))
        convs, records = [], []
        queues = ["general"] * 90 + ["lang-en", "lang-zh", "lang-ja", "lang-vi", "lang-mn"] * 2
        for i in range(contacts):
            queued = start + timedelta(seconds=rng.uniform(0, span))
            abandoned = rng.random() < 0.05
            answered = None if abandoned else queued + timedelta(seconds=rng.expovariate(1 / 12))
            ended = (answered or queued + timedelta(seconds=rng.expovariate(1 / 40))) + timedelta(
                seconds=0 if abandoned else rng.expovariate(1 / 180))
            convs.append({"citizen_id": first_citizen + i, "channel": "webchat", "status": ConvStatus.CLOSED,
                          "queue_code": rng.choice(queues), "agent_id": None if abandoned else rng.choice(agents),
                          "created_at": queued, "queued_at": queued, "answered_at": answered, "ended_at": ended,
                          "wait_s": (answered - queued).total_seconds() if answered else None,
                          "closed_at": ended, "last_seq": 2})
        s.execute(insert(Conversation), convs)
        ids = list(s.scalars(select(Conversation.id).order_by(Conversation.id)))
        for cid, c in zip(ids, convs, strict=True):
            records.append({"conversation_id": cid, "citizen_id": c["citizen_id"], "agent_id": c["agent_id"],
                            "channel": "webchat", "category": "기타", "summary": "-",
                            "resolution": "abandoned" if c["answered_at"] is None else "solved",
                            "wait_s": ((c["answered_at"] or c["ended_at"]) - c["queued_at"]).total_seconds(),
                            "handle_s": (c["ended_at"] - c["answered_at"]).total_seconds() if c["answered_at"] else 0,
                            "closed_at": c["closed_at"]})
        s.execute(insert(ConsultationRecord), records)
        log = []
        for uid in agents:
            t = start + timedelta(hours=rng.uniform(0, 2))
            while t < now:
                log.append({"user_id": uid, "presence": rng.choice(["available", "acw", "break"]), "at": t,
                            "reason": ""})
                t += timedelta(minutes=rng.uniform(5, 60))
        s.execute(insert(PresenceLog), log)


def timed(factory, fn, runs: int) -> float:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        with session_scope(factory) as s:
            fn(s)
        out.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(out), 1)


def write_latency(factory, snapshot_factory, n: int = 60) -> dict:
    """Milliseconds for small write transactions while another thread takes snapshots nonstop
    through `snapshot_factory` (as wallboards would): p50 and p99."""
    import threading

    stop = threading.Event()

    def boards() -> None:
        while not stop.is_set():
            with session_scope(snapshot_factory) as s:
                snapshot(session=s)

    t = threading.Thread(target=boards)
    t.start()
    out = []
    try:
        with session_scope(factory) as s:
            uid = s.scalar(select(User.id).where(User.role == Role.AGENT.value))
        for _ in range(n):
            t0 = time.perf_counter()
            with session_scope(factory) as s:
                s.add(PresenceLog(user_id=uid, presence="available", at=clock.now(), reason="bench"))
            out.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)
    finally:
        stop.set()
        t.join()
    out.sort()
    return {"p50_ms": round(statistics.median(out), 1), "p99_ms": round(out[int(0.99 * (len(out) - 1))], 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=42097)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=os.environ.get("DASAN_DATABASE_URL"))
        upgrade(settings)
        engine = make_engine(settings)
        factory = make_sessionmaker(engine)
        read_factory = make_sessionmaker(make_read_engine(settings, engine))
        with session_scope(factory) as s:
            seed(session=s)
        t = time.perf_counter()
        fill(factory, args.contacts, random.Random(7))
        fill_s = time.perf_counter() - t
        today = SEOUL_120.today(clock.now())
        print(json.dumps({
            "backend": "postgresql" if settings.database_url else "sqlite", "contacts_today": args.contacts,
            "fill_s": round(fill_s, 1),
            "snapshot_ms_median": timed(factory, lambda s: snapshot(session=s), args.runs),
            "interval_report_ms_median": timed(factory, lambda s: interval_report(session=s, day=today,
                                                                                interval_min=30), args.runs // 4 or 1),
            "anchor": "wallboard refresh every 1000 ms",
            # Writers while wallboards read nonstop: through the read-only engine (what Dasan does)
            # and, as the anchor, through the writer engine (every transaction takes the write lock).
            "write_latency_with_read_engine": write_latency(factory, read_factory),
            "write_latency_with_writer_engine": write_latency(factory, factory),
        }))


if __name__ == "__main__":
    main()

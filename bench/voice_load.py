"""Voice under load (issue 12): calls into the menu and queue at a rising rate, scripted agents
answering some of them, everything recorded.

Starts what it needs on 127.0.0.1 and installs nothing: Kamailio and rtpengine (`dasan.voice.stack`),
a `dasan serve` process with the call controller on the demo city (SQLite in a temporary directory,
or PostgreSQL when DASAN_DATABASE_URL is set), one sipp process answering for `--agents` registered
agents (each talks `--talk-s`, then the bench closes its wrap-up at once), and a sipp caller placing
calls at a rate rising by 5 per second every 4 s up to `--cps`, each pressing 0 (an agent) and
waiting up to `--patience-s` before hanging up.

Prints progress, then one JSON line last: concurrent_calls (most calls the center held at once:
menu, queue or bridged), cps (most calls accepted per second, over 5 s), calls_offered (sipp's),
calls_without_record, cpu_ms_per_call_s (Kamailio + rtpengine + Dasan CPU per second of call),
rss_mb (their memory at the peak), wait_error_median (|announced − experienced| / experienced,
for calls answered after a wait of at least 5 s once the center had 10 handled calls to learn
from), with the anchors (Asterisk ≈ 400 concurrent calls per core without recording; jambonz's
smallest single server 50 calls) which cannot run here.
Usage: voice_load.py [--cps 30] [--calls 1500] [--agents 20]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select, update

from dasan.config import Settings
from dasan.conversations.actions import do_close_with_record
from dasan.conversations.models import Conversation, ConvStatus, Resolution
from dasan.db.engine import make_engine, make_sessionmaker, session_scope
from dasan.orgs.models import User
from dasan.routing.models import AgentStatus, Presence, Queue
from dasan.voice import sipp  # the same scripted phones the tests use
from dasan.voice.actions import do_issue_sip_credentials, do_save_menu, do_set_number, ha1
from dasan.voice.models import CallOutcome, VoiceCall
from dasan.voice.stack import Ports, Stack, free_udp_port, rpc

CLK = os.sysconf("SC_CLK_TCK")
B_NUMBER = "1299"
CALLER = "0103[call_number]"  # sipp fills in the call's number


def caller_scenario(patience_ms: int, voice: Path, *, keys: str = "0") -> str:
    """Call, talk all along (an A-law stream, as a phone sends), press `keys` after a second, wait
    for an agent (whose hang-up ends the call) or give up."""
    steps: list[tuple[str, object]] = [("pause", 1000), ("keys", keys)] if keys else []
    # each call from a number of its own (sipp's call number): a citizen per call, as in life
    base = sipp.caller_scenario(steps, caller=CALLER, hang_up=False, wait_bye_ms=patience_ms)
    # the stream starts once the call is up (after the ACK)
    ack_end = base.index("]]></send>", base.index("ACK [next_url]")) + len("]]></send>\n")
    base = base[:ack_end] + f'<nop><action><exec rtp_stream="{voice},-1,8"/></action></nop>\n' + base[ack_end:]
    give_up = sipp._BYE.format(caller="[field0]")
    base = base.replace(f'<recv request="BYE" timeout="{patience_ms}"/>',
                        f'<recv request="BYE" timeout="{patience_ms}" ontimeout="giveup"/>')
    base = base.replace("</scenario>", '<nop next="end"/>\n<label id="giveup"/>\n' + give_up
                        + '<label id="end"/>\n</scenario>')
    return base.replace("[field0]", CALLER)


def agent_uas(talk_ms: int) -> str:
    return sipp.agent_scenario(answer_after_ms=200, hang_up_after_ms=talk_ms, talk=False)


def group_cpu_rss(pgids: set[int]) -> tuple[float, float]:
    """CPU seconds and RSS (MB) of every process in the given process groups."""
    cpu = rss = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) not in pgids:
                continue
            cpu += (int(fields[11]) + int(fields[12])) / CLK
            for line in (d / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            continue
    return cpu, rss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cps", type=int, default=30)
    ap.add_argument("--calls", type=int, default=1500)
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--talk-s", type=float, default=10.0)
    ap.add_argument("--patience-s", type=float, default=12.0)
    ap.add_argument("--b-agents", type=int, default=6, help="phase B (the announced wait): agents")
    ap.add_argument("--b-cps", type=float, default=1.2, help="phase B: calls per second")
    ap.add_argument("--b-calls", type=int, default=80, help="phase B: calls")
    args = ap.parse_args()
    for tool in ("kamailio", "rtpengine", "sipp", "espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: scripts/setup --tests installs it")

    work = Path(tempfile.mkdtemp(prefix="dasan-voice-bench-"))
    ports = Ports(rtp_min=20000, rtp_max=29999)  # below the ephemeral range the other ports come from
    stack = Stack(work / "stack", ports, secrets.token_hex(8))
    caller_port = free_udp_port()
    env = {
        "DASAN_DATA_DIR": str(work / "data"), "DASAN_BOT_ENABLED": "false", "DASAN_KB_WARMUP": "false",
        "DASAN_SWEEP_INTERVAL_S": "0.2", "DASAN_OFFER_TIMEOUT_S": "10", "DASAN_VOICE_ENABLED": "true",
        "DASAN_VOICE_SIP": f"127.0.0.1:{ports.controller}", "DASAN_VOICE_KAMAILIO": f"127.0.0.1:{ports.sip}",
        "DASAN_VOICE_KAMAILIO_RPC_PORT": str(ports.rpc), "DASAN_VOICE_NG": f"127.0.0.1:{ports.ng}",
        "DASAN_VOICE_DTMF_PORT": str(ports.dtmf), "DASAN_VOICE_RECORDING_DIR": str(stack.recording_dir),
        "DASAN_VOICE_TRUNKS": f"127.0.0.1:{caller_port}", "DASAN_VOICE_ANNOUNCE_EVERY_S": "10",
    }
    if os.environ.get("DASAN_DATABASE_URL"):
        env["DASAN_DATABASE_URL"] = os.environ["DASAN_DATABASE_URL"]
    full_env = {**os.environ, **env}
    procs: list[subprocess.Popen] = []
    try:
        stack.start(children=8, threads=2)
        seeded = subprocess.run([sys.executable, "-m", "dasan.cli", "demo", "--no-serve", "--empty"], env=full_env,
                                capture_output=True, text=True)
        if seeded.returncode != 0:
            raise SystemExit(seeded.stderr)
        settings = Settings(data_dir=work / "data", database_url=env.get("DASAN_DATABASE_URL"))
        engine = make_engine(settings)
        factory = make_sessionmaker(engine)
        agents: list[tuple[int, str, str]] = []
        with session_scope(factory) as s:
            s.execute(update(AgentStatus).values(presence=Presence.OFFLINE))
            users = list(s.scalars(select(User).where(User.role == "agent").order_by(User.id)))[:args.agents]
            for u in users:
                name, password = do_issue_sip_credentials(session=s, user=u)
                agents.append((u.id, name, password))
            # Phase B's line: its own queue, so phase A's handle times do not teach its estimate.
            s.add(Queue(code="voice-b", name="bench B", name_en="bench B"))
            s.flush()
            do_save_menu(session=s, code="bench-b", name="bench B", tree={
                "start": "main", "nodes": {"main": {"prompt": "voice.menu.invalid", "timeout_s": 1, "retries": 0,
                                                    "options": {}, "no_input": {"queue": "voice-b"}}}})
            do_set_number(session=s, number=B_NUMBER, menu_code="bench-b")
            # Press 0 or wait: a short greeting, then the line.
            do_save_menu(session=s, code="main", name="load", tree={
                "start": "main", "nodes": {"main": {"prompt": "voice.menu.invalid", "timeout_s": 5, "retries": 0,
                                                    "options": {}, "no_input": {"queue": "general"}}}})
        server_port = free_udp_port()
        log = (work / "server.log").open("ab")
        server = subprocess.Popen([sys.executable, "-m", "dasan.cli", "serve", "--port", str(server_port)],
                                  env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(server)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{server_port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        agent_port = free_udp_port()

        def start_agents(name: str, scenario: str) -> subprocess.Popen:
            (work / f"{name}.xml").write_text(scenario)
            p = subprocess.Popen(
                ["sipp", "-sf", str(work / f"{name}.xml"), "-i", "127.0.0.1", "-p", str(agent_port), "-mi",
                 "127.0.0.1", "-mp", str(free_udp_port() // 2 * 2), "-rtp_echo", "-nostdin", "-aa",
                 "-trace_err", "-error_file", str(work / f"{name}.errors.log")],
                cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            procs.append(p)
            return p

        agents_a = start_agents("agents", agent_uas(int(args.talk_s * 1000)))
        for uid, name, password in agents:
            for attempt in range(3):
                reg = sipp.run(sipp.register_scenario(user=name, password=password, contact_port=agent_port),
                               work, f"reg-{uid}-{attempt}", target=f"127.0.0.1:{ports.sip}",
                               local_port=free_udp_port(), media_port=free_udp_port(), timeout_s=10)
                if reg.returncode == 0:
                    break
                print(f"agent {name}: registration refused, trying again", file=sys.stderr)
                rpc(ports.rpc, "htable.sets", "creds", name, ha1(name, password))
            else:
                raise SystemExit(f"agent {name} did not register")
        with session_scope(factory) as s:
            s.execute(update(AgentStatus).where(AgentStatus.user_id.in_([a[0] for a in agents]))
                      .values(presence=Presence.AVAILABLE))

        stop = threading.Event()

        def close_wrapups() -> None:  # the scripted agents' wrap-up takes no time
            while not stop.is_set():
                with session_scope(factory) as s:
                    for conv in s.scalars(select(Conversation).where(Conversation.status == ConvStatus.WRAPUP)):
                        do_close_with_record(session=s, conv=conv, agent=s.get(User, conv.agent_id),
                                             category="load", summary="load test", resolution=Resolution.SOLVED)
                time.sleep(0.3)

        pgids = {stack.procs[0].pid, stack.procs[1].pid, server.pid}
        peak_rss = [0.0]

        def sample() -> None:
            while not stop.is_set():
                peak_rss[0] = max(peak_rss[0], group_cpu_rss(pgids)[1])
                time.sleep(1.0)

        threads = [threading.Thread(target=close_wrapups, daemon=True), threading.Thread(target=sample, daemon=True)]
        for t in threads:
            t.start()
        # Warm-up: a few calls so the prompts exist (synthesised once, cached on disk).
        voice = work / "citizen.wav"
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", str(voice), "synth", "4",
                        "sine", "200-900", "vol", "0.3"], check=True)
        warm = sipp.run(caller_scenario(3000, voice), work, "warmup", target=f"127.0.0.1:{ports.sip}",
                        local_port=caller_port, media_port=free_udp_port() // 2 * 2, calls=2, timeout_s=60)
        print(f"warm-up: {warm.returncode}", file=sys.stderr)
        cpu0, _ = group_cpu_rss(pgids)
        t0 = time.time()
        scenario = work / "callers.xml"
        scenario.write_text(caller_scenario(int(args.patience_s * 1000), voice))
        run = subprocess.run(
            ["sipp", "-sf", str(scenario), "-s", "120", f"127.0.0.1:{ports.sip}", "-i", "127.0.0.1",
             "-p", str(caller_port), "-mi", "127.0.0.1", "-mp", str(free_udp_port() // 2 * 2),
             "-r", "5", "-rate_increase", "5", "-fd", "4", "-rate_max", str(int(args.cps)), "-no_rate_quit",
             "-m", str(args.calls),
             "-l", "2000", "-nostdin", "-timeout", "600s", "-trace_stat", "-stf", str(work / "callers.csv"),
             "-trace_err", "-error_file", str(work / "callers.errors.log")],
            cwd=work, capture_output=True, text=True)
        if not (work / "callers.csv").exists():
            raise SystemExit(f"the callers did not run: {run.stderr[-2000:]}")
        # Let the last calls end.
        for _ in range(60):
            with session_scope(factory) as s:
                open_calls = s.scalar(select(VoiceCall.id).where(VoiceCall.ended_at.is_(None)).limit(1))
            if open_calls is None:
                break
            time.sleep(1)
        t1 = time.time()
        cpu1, _ = group_cpu_rss(pgids)

        # Phase B: how good is the wait announced? Patient callers (they stay until answered), agents
        # whose talk times vary (exponential, mean --talk-s), a queue that builds up.
        os.killpg(agents_a.pid, 15)
        agents_a.wait(10)
        start_agents("agents-b", agent_uas(int(args.talk_s * 1000)).replace(
            f'<pause milliseconds="{int(args.talk_s * 1000)}"/>',
            f'<pause distribution="exponential" mean="{int(args.talk_s * 1000)}"/>'))
        with session_scope(factory) as s:
            s.execute(update(AgentStatus).where(AgentStatus.user_id.in_([a[0] for a in agents[args.b_agents:]]))
                      .values(presence=Presence.OFFLINE))
        tb = time.time()
        sipp.run(caller_scenario(600_000, voice, keys=""), work, "callers-b", target=f"127.0.0.1:{ports.sip}",
                 service=B_NUMBER, local_port=caller_port, media_port=free_udp_port() // 2 * 2,
                 calls=args.b_calls, rate=args.b_cps, timeout_s=900, extra=["-l", "1000"])
        stop.set()

        header, *rows = (work / "callers.csv").read_text().strip().splitlines()
        cols = header.split(";")
        periods = [dict(zip(cols, r.split(";"), strict=False)) for r in rows]
        last = periods[-1]
        offered = int(last.get("TotalCallCreated", 0))
        failed = int(last.get("FailedCall(C)", 0))
        # From the callers' side: most calls up at once, and the best rate at which every call was
        # answered (a period of sipp's statistics with no failed call).
        sipp_concurrent = max(int(p["CurrentCall"]) for p in periods)
        accepted_rates = [int(p["OutgoingCall(P)"]) / _seconds(p["ElapsedTime(P)"]) for p in periods
                          if int(p["FailedCall(P)"]) == 0 and _seconds(p["ElapsedTime(P)"]) >= 2]
        with session_scope(factory) as s:
            calls = list(s.scalars(select(VoiceCall).where(VoiceCall.started_at >= _utc(t0 - 1),
                                                           VoiceCall.started_at < _utc(tb))))
            b_calls = list(s.scalars(select(VoiceCall).where(VoiceCall.started_at >= _utc(tb))))
            waits = []
            # once the line has 10 handled calls of its own to learn the handle time from
            learned_after = sorted(c.ended_at for c in b_calls if c.connected_at and c.ended_at)[9:10]
            for c in b_calls:
                if c.connected_at and c.queued_at and c.announced_wait_s is not None \
                        and learned_after and c.queued_at > learned_after[0]:
                    experienced = (c.connected_at - c.queued_at).total_seconds()
                    if experienced >= 5:
                        waits.append(abs(c.announced_wait_s - experienced) / experienced)
            events = sorted([(c.started_at.timestamp(), 1) for c in calls] +
                            [((c.ended_at or c.started_at).timestamp(), -1) for c in calls])
            held = peak = 0
            for _, d in events:
                held += d
                peak = max(peak, held)
            starts = sorted(c.started_at.timestamp() for c in calls
                            if c.outcome not in (CallOutcome.REFUSED, CallOutcome.FAILED))
            best = 0
            j = 0
            for i in range(len(starts)):
                while starts[i] - starts[j] > 5.0:
                    j += 1
                best = max(best, i - j + 1)
            call_seconds = sum(((c.ended_at or c.started_at) - c.started_at).total_seconds() for c in calls)
            unfinished = sum(1 for c in calls if c.ended_at is None)
            outcomes: dict[str, int] = {}
            for c in calls:
                outcomes[c.outcome] = outcomes.get(c.outcome, 0) + 1
            recorded = sum(1 for c in calls if c.recording_path)
            # A caller who gives up hangs up `patience` after pressing 0 (1 s + ~0.7 s of tones):
            # how much later the record says the call ended is the controller's lag under load.
            lags = sorted(((c.ended_at - c.started_at).total_seconds() - args.patience_s - 1.7)
                          for c in calls if c.outcome == CallOutcome.ABANDONED and c.ended_at)
        print(json.dumps({"sipp_failed": failed, "sipp_rc": run.returncode, "outcomes": outcomes,
                          "db_overlap_peak": peak, "db_accepted_5s_peak_cps": round(best / 5.0, 1),
                          "end_record_lag_s_p50_p90": [round(lags[len(lags) // 2], 2),
                                                       round(lags[int(len(lags) * .9)], 2)] if lags else None,
                          "recorded": recorded, "unfinished": unfinished, "wall_s": round(t1 - t0, 1),
                          "wait_samples": len(waits), "workdir": str(work)}), file=sys.stderr)
        print(json.dumps({
            "concurrent_calls": sipp_concurrent, "cps": round(max(accepted_rates), 1) if accepted_rates else 0,
            "calls_offered": offered,
            "calls_without_record": max(0, offered - len(calls)) + unfinished,
            "cpu_ms_per_call_s": round((cpu1 - cpu0) * 1000 / max(call_seconds, 1e-9), 2),
            "rss_mb": round(peak_rss[0], 1),
            "wait_error_median": round(statistics.median(waits), 3) if waits else None,
            "anchor_asterisk_concurrent_per_core": 400, "anchor_jambonz_smallest_server": 50,
        }))
        engine.dispose()
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, 15)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
        stack.stop()


def _seconds(hms: str) -> float:
    h, m, sec = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


def _utc(ts: float):
    from datetime import UTC, datetime
    return datetime.fromtimestamp(ts, UTC)


if __name__ == "__main__":
    main()

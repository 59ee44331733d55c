"""The `dasan` command."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from dasan.config import Settings
from dasan.core.errors import DasanError
from dasan.demo.profiles import DEFAULT_PROFILE, PROFILES


def _settings() -> Settings:
    return Settings()


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn  # heavy: only `dasan serve` runs a server

    from dasan.observability.logs import log_config

    logs = log_config(settings.log_format)
    if workers > 1:
        # Each worker is a full Dasan process; they share work through the database and live
        # events through Redis (create_app reads the same DASAN_* settings in every worker).
        # Their metrics meet in one directory, so a scrape of any worker sums them all.
        metrics_dir = settings.data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        uvicorn.run("dasan.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info", ws_ping_interval=20, log_config=logs)
        return
    from dasan.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", ws_ping_interval=20, log_config=logs)


def cmd_serve(args) -> int:
    settings = _settings()
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and not settings.redis_url:
        print("error: --workers > 1 needs DASAN_REDIS_URL, so live events reach clients on every worker",
              file=sys.stderr)
        return 2
    _serve(settings, args.host or settings.host, args.port or settings.port, args.workers)
    return 0


def cmd_db_upgrade(args) -> int:
    from dasan.db.migrate import upgrade

    upgrade(_settings())
    print("database schema is up to date")
    return 0


def cmd_demo(args) -> int:
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope
    from dasan.db.migrate import upgrade
    from dasan.demo.seed import demo_logins, seed

    if not 1 <= args.history_per_day <= 20000:
        raise ValueError("--history-per-day must be between 1 and 20000")
    settings = _settings()
    upgrade(settings)
    engine = make_engine(settings)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        created = seed(session=session, profile=args.profile)
    if created and not args.empty:
        from dasan.demo.history import simulate_history
        from dasan.outbox import actions as outbox_actions

        print(f"simulating yesterday and today until now (about {args.history_per_day} contacts a day) …",
              flush=True)
        outbox_actions.install(factory)  # SMS replies get their delivery rows, as in the app
        history = simulate_history(factory, per_day=args.history_per_day)
        print("history: {contacts} contacts ({answered} answered, {abandoned} abandoned, {bot_settled} settled by "
              "the bot), {cases_opened} cases, {cases_resolved} resolved".format(**history.as_dict()))
    if created and not args.empty:
        from dasan.quality.actions import do_set_policy

        # The demo center surveys one contact in five from now on (an empty center, as the test
        # servers use, surveys nobody until its admin says so).
        with session_scope(factory) as session:
            do_set_policy(session=session, share=0.2, catch_call_hours=24)
        from dasan.demo.quality import seed_quality

        evaluated = seed_quality(factory, lang=PROFILES[args.profile].languages[0])
        print(f"quality: a scorecard, {evaluated} contacts evaluated, a mystery-shopper scenario assigned")
    engine.dispose()
    port = args.port or settings.port
    stack = None
    if not args.no_serve and not args.no_voice:
        settings, stack = _demo_voice(settings)
    print("demo data seeded" if created else "demo data already present")
    print(f"\nDasan demo — http://127.0.0.1:{port}/   (citizen chat: http://127.0.0.1:{port}/chat)")
    print("Demo logins (username / password / role):")
    for user, password, role in demo_logins(args.profile):
        print(f"  {user:20s} {password:18s} {role}")
    if stack is not None:
        print(f"\nVoice: the center answers {DEMO_NUMBER} on sip:127.0.0.1:{stack.ports.sip}. "
              "Call it from the demo trunk:")
        print("  .venv/bin/dasan voice call --keys 91     (9 then 1: English; no keys: the general line)")
        print("  then log in as agent-en1 (or agent1), set yourself available and answer in the desktop's phone")
    sys.stdout.flush()
    if stack is not None:
        # uvicorn re-raises the signal that stopped it once it has shut down: make SIGTERM an
        # exit this process sees, so Kamailio, rtpengine and Janus are stopped with it.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not args.no_serve:
            _serve(settings, settings.host, port)
    finally:
        if stack is not None:
            stack.stop()
    return 0


DEMO_NUMBER = "120"
DEMO_TRUNK_PORT = 5070  # the demo trusts calls from 127.0.0.1:5070 as its carrier
DEMO_JANUS_PORT = 8188  # Janus's websocket, for the agents' softphones


def _demo_voice(settings: Settings):
    """Start Kamailio and rtpengine for the demo when they are installed (the settings' ports)."""
    from dasan.voice import stack as voice_stack  # heavy: starts processes

    if not voice_stack.installed() or settings.voice_enabled:
        return settings, None
    ports = voice_stack.ports_of(settings, janus_ws=DEMO_JANUS_PORT, rtp=(30000, 30999))
    workdir = settings.data_dir / "voice" / "stack"
    janus = voice_stack.janus_installed()  # the agents' softphone in the browser
    try:
        stack = voice_stack.Stack(workdir, ports, secrets.token_hex(8)).start(
            children=2, threads=1, janus=janus, janus_rtp=(31000, 31999))
    except RuntimeError as exc:
        print(f"voice is off: {exc}", file=sys.stderr)
        return settings, None
    settings = settings.model_copy(update={
        "voice_enabled": True, "voice_recording_dir": stack.recording_dir,
        "voice_trunks": f"127.0.0.1:{DEMO_TRUNK_PORT}",
        "voice_janus_ws": f"ws://127.0.0.1:{DEMO_JANUS_PORT}" if janus else "", "voice_bridge_key": stack.secret})
    # The default prompts in every language, made once (offline) while the server starts.
    threading.Thread(target=_warm_prompts, args=(settings,), daemon=True).start()
    return settings, stack


def _warm_prompts(settings: Settings) -> None:
    from dasan.center import service as center_service
    from dasan.voice import prompts  # heavy: runs espeak-ng and sox

    if not prompts.available():
        return
    prompts.PromptLibrary(settings.data_dir / "voice" / "prompts").warm(center_service.from_settings(settings))


def cmd_users_create(args) -> int:
    from dasan.core.errors import DasanError
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope
    from dasan.orgs.actions import do_create_user
    from dasan.routing.presence import do_make_agent

    skills = {}
    for item in args.skill or []:
        code, _, level = item.partition(":")
        skills[code] = int(level or 3)
    engine = make_engine(_settings())
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            user = do_create_user(session=session, username=args.username, password=args.password, role=args.role,
                                  display_name=args.name or "", department_code=args.department)
            do_make_agent(session=session, user=user, skills=skills)
            out = {"id": user.id, "username": user.username, "role": user.role}
    except DasanError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(json.dumps(out, ensure_ascii=False) if args.json else f"created user {out['username']} ({out['role']})")
    return 0


def cmd_webhooks_create(args) -> int:
    from dasan.channels.webhook import do_create_source
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope

    factory = make_sessionmaker(make_engine(_settings()))
    with session_scope(factory) as s:
        secret = do_create_source(session=s, platform=args.platform, callback_url=args.callback_url or "",
                                  reply_window_h=args.reply_window_h)
    _print({"platform": args.platform, "channel": f"sns-{args.platform}", "secret": secret,
            "webhook": f"/channels/webhook/{args.platform}"}, args.json)
    return 0


def cmd_tokens_create(args) -> int:

    from dasan.channels.intake import CHANNEL_NAME
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope
    from dasan.security.actions import do_issue_api_token

    if not re.match(CHANNEL_NAME, args.channel):
        print("error: channel must be 1–20 lowercase letters, digits, '-' or '_', starting with a letter",
              file=sys.stderr)
        return 2
    if not 0 <= args.days <= 3650:
        print("error: --days is 1–3650, or 0 for a token that lasts until revoked", file=sys.stderr)
        return 2
    engine = make_engine(_settings())
    with session_scope(make_sessionmaker(engine)) as session:
        token, row = do_issue_api_token(session=session, channel=args.channel, days=args.days or None)
        expires = row.expires_at.isoformat() if row.expires_at else None
    engine.dispose()
    print(json.dumps({"channel": args.channel, "token": token, "expires_at": expires}) if args.json else token)
    return 0


def cmd_open311_key_create(args) -> int:

    from dasan.db.engine import make_engine, make_sessionmaker, session_scope
    from dasan.security.actions import do_create_api_token

    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", args.name):
        print("error: --name must be 1–32 letters, digits, '.', '_' or '-'", file=sys.stderr)
        return 2
    engine = make_engine(_settings())
    with session_scope(make_sessionmaker(engine)) as session:
        key = do_create_api_token(session=session, channel=f"open311:{args.name}")
    engine.dispose()
    print(json.dumps({"name": args.name, "api_key": key}) if args.json else key)
    return 0


def cmd_open311_import(args) -> int:
    """Map another city's 311 requests (NYC open-data JSON) onto our services; with --create,
    open a case for each mapped request whose service needs no district (idempotent)."""

    from dasan.cases.actions import do_open_case
    from dasan.cases.imports import Service, best_service, mapping_report
    from dasan.cases.models import Case, CaseType
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope

    try:
        records = json.loads(Path(args.file).read_text(encoding="utf-8"))
        if not isinstance(records, list):
            raise ValueError("the file must hold a JSON list of requests")
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    engine = make_engine(_settings())
    created = skipped = needs_district = 0
    with session_scope(make_sessionmaker(engine)) as session:
        types = {t.code: t for t in session.scalars(select(CaseType).where(CaseType.published.is_(True)))}
        services = [Service(t.code, t.name_en, f"{t.keywords} {t.group}") for t in types.values()]
        out = mapping_report(records, services)
        if args.create:
            for r in records:
                code = best_service(str(r.get("complaint_type") or ""), str(r.get("descriptor") or ""), services)
                key = f"nyc-{r.get('unique_key')}"
                if code is None or not r.get("unique_key"):
                    continue
                if types[code].district_suffix:
                    needs_district += 1
                    continue
                if session.scalar(select(Case.id).where(Case.open311_token == key)) is not None:
                    skipped += 1
                    continue
                lat, lon = r.get("latitude"), r.get("longitude")
                address = " ".join(str(r.get(f) or "") for f in ("incident_address", "city")).strip()
                case = do_open_case(
                    session=session, ctype=types[code], title=f"{r.get('complaint_type')}: {r.get('descriptor', '')}",
                    description=str(r.get("resolution_description") or ""), address=address[:300],
                    lat=float(lat) if lat else None, long=float(lon) if lon else None, source="open311-import")
                case.open311_token = key
                created += 1
    engine.dispose()
    out.update({"created": created, "already_imported": skipped, "needs_district": needs_district})
    _print(out, args.json)
    return 0


def _print(out: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(out, ensure_ascii=False, default=lambda v: None if v != v else float(v)))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")


def _existing(path: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {path}")
    return p


def cmd_kb_eval(args) -> int:
    from dasan.knowledge.evaluation import evaluate

    _print(evaluate(args.articles, args.queries, profile=args.profile), args.json)
    return 0


def cmd_kb_import(args) -> int:
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope
    from dasan.knowledge.importer import do_import

    engine = make_engine(_settings())
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            report = do_import(session=session, path=args.file, progress=not args.json)
    finally:
        engine.dispose()
    out = report.as_dict()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"read {out['read']}, imported {out['imported']}, already present {out['skipped_existing']}, "
              f"rejected {len(out['rejected'])}")
        for r in out["rejected"]:
            print(f"  row {r['row']}: {r['reason']}")
    return 0


def cmd_kb_calibrate(args) -> int:
    from dasan.knowledge.evaluation import calibrate, docs_from_articles, read_jsonl

    if args.articles is not None:
        docs = docs_from_articles(read_jsonl(args.articles, ("id", "title")))
    else:  # the published articles the bot serves
        from dasan.db.engine import make_engine, make_sessionmaker, session_scope
        from dasan.knowledge.service import published_docs

        engine = make_engine(_settings())
        try:
            with session_scope(make_sessionmaker(engine)) as s:
                docs = published_docs(s)
        finally:
            engine.dispose()
    _print(calibrate(docs, args.profile), args.json)
    return 0


def cmd_bot_eval_intents(args) -> int:
    from dasan.bot.eval_intents import evaluate

    _print(evaluate(args.train, args.test), args.json)
    return 0


def cmd_wfm_erlang(args) -> int:
    from dasan.workforce.erlang import staff, staff_a

    if args.patience_s is not None:
        if args.patience_s <= 0:
            raise ValueError("--patience-s must be positive")
        r = staff_a(calls=args.calls, interval_s=args.interval_min * 60, aht_s=args.aht_s,
                    patience_s=args.patience_s, target_sl=args.target_sl, sl_seconds=args.sl_seconds)
        _print({"model": "erlang_a", "agents": r.agents, "service_level": round(r.service_level, 4),
                "p_wait": round(r.p_wait, 4), "p_abandon": round(r.p_abandon, 4), "asa_s": round(r.asa_s, 2),
                "occupancy": round(r.occupancy, 4), "traffic_erlangs": round(r.traffic, 4)}, args.json)
        return 0
    st = staff(calls=args.calls, interval_s=args.interval_min * 60, aht_s=args.aht_s, target_sl=args.target_sl,
               sl_seconds=args.sl_seconds)
    _print({"agents": st.agents, "service_level": round(st.service_level, 4), "p_wait": round(st.p_wait, 4),
            "asa_s": round(st.asa_s, 2), "occupancy": round(st.occupancy, 4), "traffic_erlangs": round(st.traffic, 4)},
           args.json)
    return 0


def cmd_wfm_plan(args) -> int:

    from dasan.workforce.plan import actual_volume, plan, read_calls

    out = plan(read_calls(args.history), days=args.days, interval_min=args.interval_min, target_sl=args.target_sl,
               sl_seconds=args.sl_seconds, margin_z=args.margin_z)
    starts = [datetime.fromisoformat(i["start"]) for i in out["intervals"]]
    required = [i["agents"] for i in out["intervals"]]
    coverage = None
    if args.shifts:
        from dasan.workforce.shifts import default_types, schedule

        try:
            lengths = [float(x) for x in args.shifts.split(",") if x.strip()]
        except ValueError:
            raise ValueError("--shifts takes shift lengths in hours, e.g. 8,6,4") from None
        if not lengths or any(h <= 0 or h > 12 for h in lengths):
            raise ValueError("--shifts: each shift length must be between 0 and 12 hours")
        sched = schedule(required, interval_min=args.interval_min, types=default_types(lengths), starts=starts)
        coverage = sched.pop("coverage")
        for row, c in zip(out["intervals"], coverage, strict=True):
            row["scheduled"] = c
        out["shifts"] = sched
    if args.plot:
        from dasan.workforce.plot import plan_svg

        actual = actual_volume(read_calls(args.actuals), starts, args.interval_min) if args.actuals else None
        args.plot.write_text(plan_svg(starts, [i["forecast"] for i in out["intervals"]], required, coverage, actual),
                             encoding="utf-8")
    if args.json:
        print(json.dumps(out))
    else:
        line = f"{len(out['intervals'])} intervals, {out['agent_hours']} agent-hours"
        if "shifts" in out:
            line += f"; shifts: {out['shifts']['paid_agent_hours']} paid agent-hours"
        print(line)
    return 0


def cmd_sim_replay(args) -> int:

    from dasan.workforce.plan import read_calls
    from dasan.workforce.replay import replay

    calls = read_calls(args.calls)
    if args.staffing:
        try:
            plan = json.loads(args.staffing.read_text(encoding="utf-8"))
            interval_min = int(plan.get("interval_min", 30))
            # Scheduled shifts (wfm plan --shifts) are who is on the floor; else the plan's agents.
            staffing = [(datetime.fromisoformat(i["start"]), int(i.get("scheduled", i["agents"])))
                        for i in plan["intervals"]]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{args.staffing.name}: not a staffing plan as 'dasan wfm plan --json' prints "
                             f"({e})") from None
    else:
        interval_min = 30
        first = calls[0].arrival.replace(hour=0, minute=0, second=0, microsecond=0)
        days = (calls[-1].arrival.date() - first.date()).days + 1
        staffing = [(first + timedelta(minutes=30 * k), args.agents) for k in range(days * 48)]
    _print(replay(calls, staffing, interval_min=interval_min, sl_seconds=args.sl_seconds), args.json)
    return 0


def cmd_sim_erlang(args) -> int:
    from dasan.workforce.simulate import simulate_erlang

    if args.patience_s is not None and args.patience_s <= 0:
        raise ValueError("--patience-s must be positive")
    _print(simulate_erlang(per_day=args.per_day, aht_s=args.aht_s, agents=args.agents, sl_seconds=args.sl_seconds,
                           seed=args.seed, patience_s=args.patience_s), args.json)
    return 0


def cmd_sim_scenario(args) -> int:
    from dasan.demo.scenario import SEOUL_120_DAY
    from dasan.workforce.scenario import simulate_scenario

    if args.scenario:
        try:
            scenario = json.loads(args.scenario.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ValueError(f"{args.scenario.name}: not JSON ({e})") from None
        if not isinstance(scenario, dict):
            raise ValueError(f"{args.scenario.name}: a scenario is a JSON object")
    else:
        scenario = SEOUL_120_DAY
    if args.print_scenario:
        print(json.dumps(scenario, ensure_ascii=False, indent=2))
        return 0
    _print(simulate_scenario(scenario, seed=args.seed), args.json)
    return 0


def cmd_voice_prompts(args) -> int:
    from dasan.center import service as center_service
    from dasan.db.engine import make_engine, make_sessionmaker, session_scope
    from dasan.voice import prompts  # heavy: runs espeak-ng and sox

    settings = _settings()
    if not prompts.available():
        print("error: espeak-ng and sox are needed to make the prompts", file=sys.stderr)
        return 2
    engine = make_engine(settings)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            center = center_service.get(session)
    except Exception:  # no database yet: the center the settings describe
        center_service.use_settings(settings)
        center = center_service.from_settings(settings)
    finally:
        engine.dispose()
    library = prompts.PromptLibrary(settings.data_dir / "voice" / "prompts")
    n = library.warm(center)
    print(f"{n} prompt pieces ready in {', '.join(center.languages)} under {library.root}")
    return 0


def cmd_voice_call(args) -> int:
    from dasan.voice import sipp  # heavy: runs sipp

    settings = _settings()
    if not shutil.which("sipp"):
        print("error: sipp is needed (Debian package sip-tester)", file=sys.stderr)
        return 2
    steps: list[tuple[str, object]] = [("pause", 1500)]
    if args.keys:
        steps.append(("keys", args.keys))
    steps += [("talk", None), ("pause", int(args.stay_s * 1000))]
    with tempfile.TemporaryDirectory() as tmp:
        done = sipp.run(sipp.caller_scenario(steps, caller=args.caller), Path(tmp), "call",
                        target=settings.voice_kamailio, service=args.number or "120", local_port=args.from_port,
                        media_port=args.media_port, timeout_s=int(args.stay_s) + 60)
    print("the call ended normally" if done.returncode == 0 else f"the call failed (sipp {done.returncode})")
    return 0 if done.returncode == 0 else 1


def cmd_voice_config(args) -> int:
    from dasan.voice import stack  # heavy: the telephony configurations

    settings = _settings()

    ports = stack.ports_of(settings, janus_ws=args.janus_port, rtp=(args.rtp_min, args.rtp_max))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "kamailio.cfg").write_text(stack.kamailio_config(ports, secret=secrets.token_hex(16),
                                                            ip=args.ip))
    (out / "rtpengine.conf").write_text(stack.rtpengine_config(
        ports, recording_dir=settings.voice_recording_dir or settings.data_dir / "voice" / "rtpengine", ip=args.ip))
    janus = out / "janus"
    janus.mkdir(exist_ok=True)
    bridge_key = settings.voice_bridge_key or secrets.token_hex(16)
    for name, text in stack.janus_configs(ports, folder=janus, admin_secret=secrets.token_hex(16),
                                          rtp=(args.rtp_max + 1, args.rtp_max + 2000), ip=args.ip,
                                          bridge_key=bridge_key).items():
        (janus / name).write_text(text)
    print(f"Kamailio, rtpengine and Janus configurations written to {out}")
    if not settings.voice_bridge_key:
        print(f"set DASAN_VOICE_BRIDGE_KEY={bridge_key} for the call controller (three-party calls)")
    return 0


def cmd_lang_eval(args) -> int:
    from dasan.bot.eval_lang import evaluate

    _print(evaluate(args.samples), args.json)
    return 0


def cmd_privacy_eval(args) -> int:
    from dasan.privacy.evaluation import evaluate, read_samples

    _print(evaluate(read_samples(args.samples), country=args.country), args.json)
    return 0


def cmd_trends_detect(args) -> int:
    from dasan.trends.records import run

    _print(run(args.records), args.json)
    return 0


def cmd_protect_eval(args) -> int:
    from dasan.abuse.evaluation import evaluate

    _print(evaluate(args.train, args.test), args.json)
    return 0


def cmd_protect_train(args) -> int:
    from dasan.abuse.evaluation import read_rows
    from dasan.abuse.model import BUNDLED, AbuseModel

    texts, labels = read_rows(args.train)
    model = AbuseModel.train(texts, labels)
    out = args.out or BUNDLED
    model.save(out)
    print(f"trained on {len(texts)} rows in {model.trained['seconds'] if model.trained else '?'} s; written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dasan", description="Dasan one-number contact center")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the app")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--workers", type=int, default=1, help="server processes (needs DASAN_REDIS_URL when > 1)")
    s.set_defaults(func=cmd_serve)

    d = sub.add_parser("demo", help="seed demo data (idempotent) and serve")
    d.add_argument("--no-voice", action="store_true", help="do not start Kamailio and rtpengine for voice")
    d.add_argument("--no-serve", action="store_true")
    d.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE,
                   help="which demo center (demo/profiles.py)")
    d.add_argument("--port", type=int)
    d.add_argument("--empty", action="store_true",
                   help="seed the center only, without the simulated history of the last day")
    d.add_argument("--history-per-day", type=int, default=1600, metavar="N",
                   help="contacts a day in the simulated history (default 1600)")
    d.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=cmd_db_upgrade)

    users = sub.add_parser("users", help="users").add_subparsers(dest="users_command", required=True)
    uc = users.add_parser("create", help="create a user")
    uc.add_argument("username")
    uc.add_argument("--password", required=True)
    uc.add_argument("--role", required=True, choices=["agent", "supervisor", "official", "admin", "analyst", "shopper"])
    uc.add_argument("--name")
    uc.add_argument("--department", help="department code (officials)")
    uc.add_argument("--skill", action="append", help="CODE:LEVEL, e.g. en:4 (repeatable)")
    uc.add_argument("--json", action="store_true")
    uc.set_defaults(func=cmd_users_create)

    hooks = sub.add_parser("webhooks", help="signed webhook platforms (SNS connectors)").add_subparsers(
        dest="webhooks_command", required=True)
    wc = hooks.add_parser("create", help="register a platform; prints its signing secret once")
    wc.add_argument("--platform", required=True)
    wc.add_argument("--callback-url", help="where replies to its citizens are POSTed (signed)")
    wc.add_argument("--reply-window-h", type=int, default=24)
    wc.add_argument("--json", action="store_true")
    wc.set_defaults(func=cmd_webhooks_create)
    tokens = sub.add_parser("tokens", help="integration tokens").add_subparsers(dest="tokens_command", required=True)
    tc = tokens.add_parser("create", help="create a channel token for the intake API")
    tc.add_argument("--channel", required=True)
    tc.add_argument("--days", type=int, default=365, help="lifetime in days (0: until revoked)")
    tc.add_argument("--json", action="store_true")
    tc.set_defaults(func=cmd_tokens_create)

    o311 = sub.add_parser("open311", help="Open311 GeoReport v2").add_subparsers(dest="open311_command", required=True)
    okey = o311.add_parser("key", help="API keys of Open311 clients").add_subparsers(dest="key_command", required=True)
    okc = okey.add_parser("create", help="print a new api_key for a client")
    okc.add_argument("--name", required=True)
    okc.add_argument("--json", action="store_true")
    okc.set_defaults(func=cmd_open311_key_create)
    oim = o311.add_parser("import", help="map another city's 311 requests (NYC open-data JSON) onto our services")
    oim.add_argument("file", type=_existing)
    oim.add_argument("--create", action="store_true", help="also open a case for each mapped request")
    oim.add_argument("--json", action="store_true")
    oim.set_defaults(func=cmd_open311_import)

    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    ke = kb.add_parser("eval", help="retrieval and answer-decision quality on articles + queries (JSONL)")
    ke.add_argument("--articles", type=_existing, required=True)
    ke.add_argument("--queries", type=_existing, required=True)
    ke.add_argument("--profile", choices=["accurate", "fast", "bm25", "char", "e5"], default="accurate",
                    help="bm25, char and e5 are single scorers, the anchors of docs/performance.md")
    ke.add_argument("--json", action="store_true")
    ke.set_defaults(func=cmd_kb_eval)
    ki = kb.add_parser("import", help="import and publish articles from JSONL, CSV or XLSX")
    ki.add_argument("file", type=_existing)
    ki.add_argument("--json", action="store_true")
    ki.set_defaults(func=cmd_kb_import)
    kc = kb.add_parser("calibrate", help="the bot's answer thresholds, per language, measured on the articles "
                       "themselves (the published ones, or a JSONL file)")
    kc.add_argument("--articles", type=_existing, help="articles JSONL (default: the published articles)")
    kc.add_argument("--profile", choices=["accurate", "fast"], default="accurate")
    kc.add_argument("--json", action="store_true")
    kc.set_defaults(func=cmd_kb_calibrate)

    bot = sub.add_parser("bot", help="self-service bot").add_subparsers(dest="bot_command", required=True)
    bi = bot.add_parser("eval-intents", help="train an intent classifier and evaluate it")
    bi.add_argument("--train", type=_existing, required=True)
    bi.add_argument("--test", type=_existing, required=True)
    bi.add_argument("--json", action="store_true")
    bi.set_defaults(func=cmd_bot_eval_intents)

    wfm = sub.add_parser("wfm", help="workforce management").add_subparsers(dest="wfm_command", required=True)
    we = wfm.add_parser("erlang", help="Erlang C (or, with --patience-s, Erlang A) staffing for one interval")
    we.add_argument("--calls", type=float, required=True)
    we.add_argument("--interval-min", type=float, default=30)
    we.add_argument("--aht-s", type=float, required=True)
    we.add_argument("--target-sl", type=float, default=0.8)
    we.add_argument("--sl-seconds", type=float, default=20)
    we.add_argument("--patience-s", type=float,
                    help="mean caller patience: staff with Erlang A (abandonment) instead of Erlang C")
    we.add_argument("--json", action="store_true")
    we.set_defaults(func=cmd_wfm_erlang)

    sim = sub.add_parser("sim", help="simulation").add_subparsers(dest="sim_command", required=True)
    sr = sim.add_parser("replay", help="replay recorded calls through the routing engine")
    sr.add_argument("--calls", type=_existing, required=True)
    group = sr.add_mutually_exclusive_group(required=True)
    group.add_argument("--agents", type=int)
    group.add_argument("--staffing", type=_existing, help="the JSON 'dasan wfm plan --json' prints")
    sr.add_argument("--sl-seconds", type=float, default=20)
    sr.add_argument("--json", action="store_true")
    sr.set_defaults(func=cmd_sim_replay)
    se = sim.add_parser("erlang", help="simulate one M/M/c day through the routing engine")
    se.add_argument("--per-day", type=float, required=True)
    se.add_argument("--aht-s", type=float, required=True)
    se.add_argument("--agents", type=int, required=True)
    se.add_argument("--sl-seconds", type=float, default=15)
    se.add_argument("--seed", type=int, default=0)
    se.add_argument("--patience-s", type=float, help="mean caller patience (exponential): callers abandon")
    ss = sim.add_parser("scenario", help="multi-skill day: queues, skilled agents, overflow, callbacks, bot offers")
    ss.add_argument("--scenario", type=_existing, help="scenario JSON (default: demo/scenario.py)")
    ss.add_argument("--seed", type=int, default=0)
    ss.add_argument("--print-scenario", action="store_true", help="print the scenario (a template) and stop")
    ss.add_argument("--json", action="store_true")
    ss.set_defaults(func=cmd_sim_scenario)
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=cmd_sim_erlang)

    wp = wfm.add_parser("plan", help="forecast from call history and staff each interval")
    wp.add_argument("--history", type=_existing, required=True)
    wp.add_argument("--days", type=int, required=True)
    wp.add_argument("--interval-min", type=int, default=30)
    wp.add_argument("--target-sl", type=float, default=0.8)
    wp.add_argument("--sl-seconds", type=float, default=20)
    wp.add_argument("--margin-z", type=float, default=1.0,
                    help="staff each interval for the target plus this many sampling errors of its service level")
    wp.add_argument("--shifts", help="shift lengths in hours to schedule, e.g. 8,6,4 (breaks by the labour law)")
    wp.add_argument("--plot", type=Path, help="write an SVG plot of forecast, staffing and shifts here")
    wp.add_argument("--actuals", type=_existing, help="calls CSV with what happened, for the plot")
    wp.add_argument("--json", action="store_true")
    wp.set_defaults(func=cmd_wfm_plan)

    voice = sub.add_parser("voice", help="telephone calls").add_subparsers(dest="voice_command", required=True)
    vp = voice.add_parser("prompts", help="make the default voice prompts (espeak-ng, offline) for the center")
    vp.set_defaults(func=cmd_voice_prompts)
    vcall = voice.add_parser("call", help="call the center from the demo's trunk (a scripted citizen's phone, sipp)")
    vcall.add_argument("--number", default="120", help="the number dialled (120, or a department's old number)")
    vcall.add_argument("--keys", default="", help="keys to press in the menu, e.g. 91 for English")
    vcall.add_argument("--stay-s", type=float, default=30.0, help="seconds to stay on the line")
    vcall.add_argument("--caller", default="01012345678", help="the caller-ID number")
    vcall.add_argument("--from-port", type=int, default=DEMO_TRUNK_PORT, help="the trunk's port the center trusts")
    vcall.add_argument("--media-port", type=int, default=16000)
    vcall.set_defaults(func=cmd_voice_call)
    vc = voice.add_parser("config", help="write Kamailio, rtpengine and Janus configurations for the settings")
    vc.add_argument("--out", default="voice-config")
    vc.add_argument("--ip", default="127.0.0.1", help="the address they listen on")
    vc.add_argument("--rtp-min", type=int, default=20000)
    vc.add_argument("--rtp-max", type=int, default=29999)
    vc.add_argument("--janus-port", type=int, default=8188)
    vc.set_defaults(func=cmd_voice_config)

    lang = sub.add_parser("lang", help="language identification").add_subparsers(dest="lang_command", required=True)
    le = lang.add_parser("eval", help="accuracy on labelled samples (JSONL text, lang)")
    le.add_argument("--samples", type=_existing, required=True)
    le.add_argument("--json", action="store_true")
    le.set_defaults(func=cmd_lang_eval)

    priv = sub.add_parser("privacy", help="personal data").add_subparsers(dest="privacy_command", required=True)
    pe = priv.add_parser("eval", help="how well personal identifiers are found (JSONL text, pii spans)")
    pe.add_argument("--samples", type=_existing, required=True)
    pe.add_argument("--country", default="KR", help="the country national phone numbers belong to")
    pe.add_argument("--json", action="store_true")
    pe.set_defaults(func=cmd_privacy_eval)

    trends = sub.add_parser("trends", help="the city's pulse from the consultation records").add_subparsers(
        dest="trends_command", required=True)
    td = trends.add_parser("detect", help="emerging issues in a file of records, as if they arrived live "
                                          "(CSV id, created_at, text, category, district, channel)")
    td.add_argument("--records", type=_existing, required=True)
    td.add_argument("--json", action="store_true")
    td.set_defaults(func=cmd_trends_detect)

    prot = sub.add_parser("protect", help="protecting agents from abusive contacts").add_subparsers(
        dest="protect_command", required=True)
    pre = prot.add_parser("eval", help="train the abusive-language model on one file and judge it on another")
    pre.add_argument("--train", type=_existing, required=True)
    pre.add_argument("--test", type=_existing, required=True)
    pre.add_argument("--json", action="store_true")
    pre.set_defaults(func=cmd_protect_eval)
    prt = prot.add_parser("train", help="train the model the package ships (JSONL text, label abusive|ok)")
    prt.add_argument("--train", type=_existing, required=True)
    prt.add_argument("--out", type=Path, help="where to write it (default: inside the package)")
    prt.set_defaults(func=cmd_protect_train)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValueError as e:  # bad input files: a clear message, nothing changed
        print(f"error: {e}", file=sys.stderr)
        return 2
    except DasanError as e:  # refused by an action (e.g. a duplicate name): same
        print(f"error: {e.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

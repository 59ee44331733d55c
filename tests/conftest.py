"""Test fixtures: one database backend per run (SQLite by default, PostgreSQL with DASAN_TEST_DB=postgresql).

`.ci/run` runs the whole suite twice, once per backend. In CI (CI=true) a missing PostgreSQL or
Redis server fails the run; elsewhere those tests are skipped with the reason shown.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from dasan.app import create_app
from dasan.center import service as center_service
from dasan.config import Settings
from dasan.core import clock
from dasan.db.base import Base
from dasan.db.engine import make_engine, session_scope
from dasan.db.migrate import upgrade
from tests.log_leaks import leaks

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKEND = os.environ.get("DASAN_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("DASAN_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("DASAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Fail in CI, skip elsewhere, when a server the test needs is not running."""
    if _port_open(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI requires it)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A private PostgreSQL database for this test run (so parallel runs never collide)."""
    if BACKEND != "postgresql":
        yield None
        return
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"dasan_test_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(Settings(database_url=url))
    yield url
    with admin.connect() as c:
        c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, pg_database: str | None) -> Iterator[Settings]:
    """Settings for one test, on an empty database of the run's backend."""
    # The bot is off here (tests/bot turns it on): these tests drive agents and queues directly.
    # Many tests move the clock hours ahead between a login and the next request; the idle timeout
    # is as long as the absolute one here (tests/test_sessions.py checks the 30-minute default).
    s = Settings(env="test", data_dir=tmp_path / "data", database_url=pg_database, offer_timeout_s=20,
                 sweep_interval_s=0.2, bot_enabled=False, kb_warmup=False, trends_enabled=False,
                 session_idle_minutes=12 * 60)
    if pg_database:
        engine = create_engine(pg_database)
        with engine.begin() as c:
            # A thread of the previous test's app (a dispatcher round, say) may still hold a
            # connection mid-transaction; end those sessions so TRUNCATE cannot deadlock with them.
            c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        with engine.begin() as c:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            c.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        engine = make_engine(s)
        import dasan.models  # noqa: F401  (register every table)

        Base.metadata.create_all(engine)
        engine.dispose()
    clock.reset()
    center_service.forget()  # each test's database says which center it is
    yield s
    clock.reset()
    center_service.forget()


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def factory(app):
    return app.state.session_factory


@pytest.fixture
def seeded(factory):
    """The demo city (organisations, queues, skills, ~40 users, ~60 articles)."""
    from dasan.demo.seed import seed

    with session_scope(factory) as s:
        seed(session=s)
    return factory


PASSWORD = "dasan-demo-120"


def clock_to_local_hour(zone: str, hour: int) -> None:
    """Move the app's clock forward to the next `hour`:00 in `zone`, so a test whose contacts
    must fall on one local day does not straddle the center's midnight (CI runs at any hour)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    now = clock.now().astimezone(ZoneInfo(zone))
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    clock.advance(target - now)
    assert clock.now().astimezone(ZoneInfo(zone)).hour == hour


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the real form; returns the CSRF token of the session."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    me = client.get("/me")
    return re.search(r'data-csrf="([^"]+)"', me.text).group(1)


@pytest.fixture
def bot_client(settings):
    """(TestClient, app) of an app with the bot on, the demo city seeded, started."""
    from dasan.demo.seed import seed

    app = create_app(settings.model_copy(update={"bot_enabled": True}))
    with session_scope(app.state.session_factory) as s:
        seed(session=s)
    with TestClient(app) as c:
        yield c, app


class Server:
    """A real `dasan serve` process on 127.0.0.1 (for browser, multi-process and crash tests)."""

    def __init__(self, env: dict[str, str], port: int | None = None, log_path: Path | None = None):
        self.env = env
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = log_path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dasan.cli", "serve", "--port", str(self.port)],
            env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            if _port_open("127.0.0.1", self.port):
                return self
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def server_env(settings: Settings) -> dict[str, str]:
    """Environment for server subprocesses on this test's database, with the demo city seeded."""
    # SQLite: a data directory of the servers' own, created by migrations as `dasan demo` does it.
    env = {"DASAN_DATA_DIR": str(settings.data_dir / "server"), "DASAN_ENV": "test",
           "DASAN_SWEEP_INTERVAL_S": "0.2", "DASAN_BOT_ENABLED": "false", "DASAN_KB_WARMUP": "false"}
    if settings.database_url:
        env["DASAN_DATABASE_URL"] = settings.database_url
    done = subprocess.run([sys.executable, "-m", "dasan.cli", "demo", "--no-serve", "--empty"],
                          env={**os.environ, **env},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return env


def wait_until_ready(base_url: str, timeout_s: float = 120) -> None:
    """Wait until a server's knowledge index is built (`/healthz` says so)."""
    import httpx

    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if httpx.get(base_url + "/healthz", timeout=10).json().get("knowledge_ready"):
                return
        except httpx.HTTPError:
            pass  # busy starting (or catching up): ask again
        time.sleep(0.2)
    raise AssertionError("the knowledge index was not built in time")


def settings_from_env(env: dict[str, str]) -> Settings:
    """The settings a server started with `env` uses (to inspect its database)."""
    return Settings(data_dir=Path(env["DASAN_DATA_DIR"]), database_url=env.get("DASAN_DATABASE_URL"))


@pytest.fixture
def servers(tmp_path: Path):
    """Start servers with `servers(env)`; all are stopped at the end of the test."""
    started: list[Server] = []

    def start(env: dict[str, str]) -> Server:
        s = Server(env, log_path=tmp_path / f"server{len(started)}.log").start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
    # No password, session id or token in any server's log (issue 18).
    for s in started:
        if s.log_path and s.log_path.exists():
            found = leaks(s.log_path.read_text(errors="replace"))
            assert not found, f"secrets in {s.log_path}:\n" + "\n".join(found)


@pytest.fixture(autouse=True, scope="session")
def _fast_argon2():
    """Real Argon2id with test-sized cost parameters (production keeps argon2-cffi's defaults)."""
    from argon2 import PasswordHasher

    from dasan.core import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright (sync API) for the whole run: its event loop lives on the main thread, so
    every test that drives a browser shares it (a second `sync_playwright()` would refuse)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def run_async(coro):
    """asyncio.run in a fresh thread: Playwright's sync API keeps an event loop on the main thread."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()

"""Migrations build exactly the models' schema; the CLI contracts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select

import dasan.models  # noqa: F401
from dasan.config import Settings
from dasan.db.base import Base
from dasan.db.migrate import upgrade

from .conftest import BACKEND


def test_migrations_match_the_models(tmp_path, pg_database):
    if BACKEND == "postgresql":
        url = pg_database  # migrated by the session fixture
    else:
        settings = Settings(data_dir=tmp_path)
        upgrade(settings)
        url = settings.resolved_database_url
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def _dasan(env, *args):
    return subprocess.run([sys.executable, "-m", "dasan.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def test_demo_is_idempotent_and_tokens_and_users(tmp_path):
    env = {"DASAN_DATA_DIR": str(tmp_path / "d")}
    first = _dasan(env, "demo", "--no-serve", "--history-per-day", "40")
    assert first.returncode == 0, first.stderr
    assert "demo data seeded" in first.stdout and "agent1" in first.stdout and "dasan-demo-120" in first.stdout
    assert "history: " in first.stdout and " contacts (" in first.stdout  # the simulated day (demo/history.py)
    from dasan.config import Settings
    from dasan.db.engine import make_engine, make_sessionmaker
    from dasan.quality.actions import policy
    from dasan.quality.models import MysteryAssignment, QaEvaluation, QaForm

    engine = make_engine(Settings(data_dir=tmp_path / "d"))
    with make_sessionmaker(engine)() as s:
        assert policy(s).share == 0.2  # the demo center surveys one contact in five from now on
        # /quality has a scorecard, evaluated contacts with a dispute waiting, a mystery assignment.
        assert s.scalar(select(func.count()).select_from(QaForm)) == 1
        assert s.scalar(select(func.count()).select_from(QaEvaluation)) >= 3
        assert s.scalar(select(func.count()).where(QaEvaluation.status == "disputed")) == 1
        assert s.scalar(select(func.count()).select_from(MysteryAssignment)) == 1
    assert "quality: a scorecard" in first.stdout
    engine.dispose()
    second = _dasan(env, "demo", "--no-serve")
    assert "demo data already present" in second.stdout and "history: " not in second.stdout
    bad_volume = _dasan(env, "demo", "--no-serve", "--history-per-day", "0")
    assert bad_volume.returncode == 2 and "--history-per-day" in bad_volume.stderr
    tok = json.loads(_dasan(env, "tokens", "create", "--channel", "sms", "--json").stdout)
    assert tok["channel"] == "sms" and len(tok["token"]) >= 40
    bad = _dasan(env, "tokens", "create", "--channel", "SMS!", "--json")
    assert bad.returncode == 2 and "channel must be" in bad.stderr
    made = _dasan(env, "users", "create", "kim", "--password", "long-enough-1", "--role", "agent", "--skill", "en:4",
                  "--json")
    assert json.loads(made.stdout)["role"] == "agent"
    dup = _dasan(env, "users", "create", "kim", "--password", "long-enough-1", "--role", "agent")
    assert dup.returncode == 2 and "already exists" in dup.stderr
    short = _dasan(env, "users", "create", "lee", "--password", "short", "--role", "agent")
    assert short.returncode == 2 and "at least 12" in short.stderr
    weak = _dasan(env, "users", "create", "lee", "--password", "password1234", "--role", "agent")
    assert weak.returncode == 2 and "too easy to guess" in weak.stderr

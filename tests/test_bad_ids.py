"""Ids from outside are bounded, and references are checked before anything is written: a number
the database cannot hold, or a record that does not exist, is a clear 4xx in the JSON error shape —
never a 500 from the driver (an OverflowError on SQLite, "integer out of range" on PostgreSQL, a
failed foreign key)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dasan.core.ids import MAX_ID
from dasan.db.engine import session_scope
from dasan.security.actions import do_create_api_token

from .conftest import login

HUGE = 2**64  # beyond SQLite's INTEGER too


def _schema(spec: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def _integer_schemas(schema: dict):
    """The integer schemas inside a property's schema (plain, nullable or a list of them)."""
    for s in [schema, *schema.get("anyOf", [])]:
        if s.get("type") == "integer":
            yield s
        if s.get("type") == "array" and s.get("items", {}).get("type") == "integer":
            yield s["items"]


def test_every_integer_an_api_client_sends_is_bounded(app):
    spec = app.openapi()
    unbounded = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for prm in op.get("parameters", []):
                for s in _integer_schemas(prm.get("schema", {})):
                    if s.get("maximum", MAX_ID + 1) > MAX_ID:
                        unbounded.append(f"{method.upper()} {path} {prm['in']} {prm['name']}")
            body = op.get("requestBody", {}).get("content", {})
            for media in body.values():
                schema = _schema(spec, media.get("schema", {}))
                for name, prop in schema.get("properties", {}).items():
                    for s in _integer_schemas(_schema(spec, prop)):
                        if s.get("maximum", MAX_ID + 1) > MAX_ID:
                            unbounded.append(f"{method.upper()} {path} body {name}")
    assert not unbounded, unbounded


def _error_shape(r) -> None:
    assert 400 <= r.status_code < 500, (r.request.url, r.status_code, r.text)
    body = r.json()
    assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str) and body["message"]


def test_ids_beyond_what_the_database_holds_are_invalid_input_on_every_path(app, client, seeded):
    spec = app.openapi()
    calls = []
    for path, ops in spec["paths"].items():
        names = re.findall(r"\{(\w+)\}", path)
        for method, op in ops.items():
            ints = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"
                    and p["name"] in names and p.get("schema", {}).get("type") == "integer"]
            if ints:
                calls.append((method.upper(), path, names, ints))
    assert len(calls) >= 30  # the paths named in the issue and the rest
    invalid: dict[tuple[str, str], set[int]] = {}
    # Each role may use some of them: a role that may not gets 403, one that may gets 422.
    for user in ("admin", "supervisor1", "agent1", "official-mapo", "shopper1"):
        csrf = login(client, user)
        for method, path, names, ints in calls:
            for value in (HUGE, MAX_ID + 1, -1, 0):
                url = path
                for n in names:
                    url = url.replace("{" + n + "}", str(value) if n in ints else "x")
                r = client.request(method, url, json={}, headers={"X-CSRF-Token": csrf})
                _error_shape(r)
                assert r.status_code in (403, 422), (user, method, url, r.text)
                if r.status_code == 422:
                    invalid.setdefault((method, path), set()).add(value)
    assert {k for k, v in invalid.items() if len(v) == 4} == {(m, p) for m, p, _, _ in calls}


@pytest.mark.parametrize(("user", "method", "url", "body", "table"), [
    ("admin", "POST", "/api/v1/knowledge/articles",
     {"title": "Sofa", "body": "How to", "department_id": 999_999}, "articles"),
    ("admin", "POST", "/api/v1/knowledge/articles",
     {"title": "Sofa", "body": "How to", "translation_of_id": 999_999}, "articles"),
    ("admin", "POST", "/api/v1/knowledge/articles",
     {"title": "Sofa", "body": "How to", "department_id": MAX_ID + 1}, "articles"),
])
def test_a_reference_to_nothing_is_refused_and_nothing_is_written(client, seeded, user, method, url, body, table):
    from dasan.db.base import Base

    model_table = Base.metadata.tables[table]
    with session_scope(seeded) as s:
        before = s.scalar(select(func.count()).select_from(model_table))
    csrf = login(client, user)
    r = client.request(method, url, json=body, headers={"X-CSRF-Token": csrf})
    _error_shape(r)
    assert r.status_code in (404, 422)
    with session_scope(seeded) as s:
        assert s.scalar(select(func.count()).select_from(model_table)) == before


def test_a_write_the_database_refuses_anyway_is_a_4xx_in_the_error_shape(settings):
    """The safety net behind the checks: a race that ends in a foreign key or range refusal."""
    import sqlite3

    from fastapi.testclient import TestClient
    from sqlalchemy.exc import DataError, IntegrityError

    from dasan.app import create_app

    app = create_app(settings)

    @app.get("/_refused/{kind}", include_in_schema=False)
    def refused(kind: str):
        orig = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
        raise (IntegrityError if kind == "fk" else DataError)("INSERT …", {}, orig)

    with TestClient(app, raise_server_exceptions=False) as c:
        fk, rng = c.get("/_refused/fk"), c.get("/_refused/range")
    assert fk.status_code == 409 and rng.status_code == 422
    _error_shape(fk)
    _error_shape(rng)


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_dates_at_the_calendars_edges_are_invalid_input_not_an_overflow(app, client, seeded, when):
    """Found by the fuzzing (tests/test_fuzz_api.py): a report for 9999-12-31 overflowed when its
    day was turned into times in the center's zone. Every date and time a client sends is kept
    within 1900–2999 (core.moments)."""
    csrf = login(client, "supervisor1")
    for url in (f"/api/v1/reports/intervals?day={when}", f"/api/v1/reports/cases?start={when}",
                f"/api/v1/reports/cases?end={when}"):
        r = client.get(url)
        _error_shape(r)
        assert r.status_code == 422, url
    r = client.post("/api/v1/knowledge/articles", headers={"X-CSRF-Token": csrf},
                    json={"title": "경계", "body": "본문", "expires_at": f"{when}T23:00:00-10:00"})
    _error_shape(r)
    assert r.status_code == 422 and "expires_at" in r.json()["message"], r.text
    with session_scope(seeded) as s:
        token = do_create_api_token(session=s, channel="sms")
    r = client.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                    json={"channel": "sms", "external_id": f"edge-{when}", "sender": {"phone": "010-5550-0000"},
                          "text": "안녕하세요", "sent_at": f"{when}T23:00:00-10:00"})
    _error_shape(r)
    assert r.status_code == 422 and "sent_at" in r.json()["message"], r.text

"""Bad input at scale: schemathesis generates requests for every operation of the OpenAPI, as
every kind of caller — anonymous, each staff role with its session and CSRF token, and the
channel integrations with their tokens — and no answer may be a server error; every refusal
(4xx) is the JSON error shape {"error", "message"}, or, on the paths that speak a protocol of
their own, that protocol's error (MM7: a SOAP fault; Open311: GeoReport's [{code, description}]).

Each identity runs against one app (the demo city seeded), so what one request creates the
next may find: the fuzzing walks a living center, not an empty one. DASAN_FUZZ_EXAMPLES sets
the examples per operation and mode (default 20 in the suite; raise it for a long hunt)."""

from __future__ import annotations

import json
import os
import re

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from schemathesis import GenerationMode

from dasan.db.engine import session_scope
from dasan.security.actions import do_create_api_token

from .conftest import login

EXAMPLES = int(os.environ.get("DASAN_FUZZ_EXAMPLES", "20"))
ROLES = {"agent": "agent1", "supervisor": "supervisor1", "official": "official-recycling",
         "analyst": "analyst1", "shopper": "shopper1", "admin": "admin"}
# Paths whose callers speak a protocol with its own error format.
MM7 = re.compile(r"^/channels/mms/")
OPEN311 = re.compile(r"^/open311/")
# Requests that would end the identity's own session: nothing in the API does, but say so here
# if one ever does, rather than let the fuzzing log itself out half-way.
SESSION_ENDING: set[str] = set()


def _identity_headers(who: str, client: TestClient, factory) -> dict[str, str]:
    if who == "anonymous":
        return {}
    if who == "channels":  # an SMS gateway's token (bearer and Kannel's query form alike)
        with session_scope(factory) as s:
            token = do_create_api_token(session=s, channel="sms")
        return {"Authorization": f"Bearer {token}"}
    csrf = login(client, ROLES[who])
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": csrf}


def _send(client: TestClient, case, headers: dict[str, str]):
    """Send a generated case with the identity's headers through the test's own client."""
    kw = case.as_transport_kwargs(base_url="http://testserver")
    sent_headers = {**{k: str(v) for k, v in (kw.get("headers") or {}).items()}, **headers}
    if kw.get("cookies"):  # a generated cookie must not replace the session's own
        sent_headers["Cookie"] = "; ".join([*(f"{k}={v}" for k, v in kw["cookies"].items()),
                                            *([headers["Cookie"]] if "Cookie" in headers else [])])
    body: dict = {}
    if "json" in kw:
        body["json"] = kw["json"]
    elif "files" in kw:
        body["files"] = kw["files"]
        if isinstance(kw.get("data"), dict):
            body["data"] = kw["data"]
    elif isinstance(kw.get("data"), dict):
        body["data"] = kw["data"]
    elif kw.get("data") is not None:
        body["content"] = kw["data"]
    client.cookies.clear()  # the identity is in the headers alone
    return client.request(kw["method"], kw["url"], headers=sent_headers, params=kw.get("params") or None, **body)


def _check(case, response) -> str | None:
    """What is wrong with this answer (None when nothing is)."""
    status = response.status_code
    where = f"{case.method} {case.formatted_path}"
    if status >= 500 and status != 503:
        return f"{where}: {status} {response.text[:300]}"
    if status == 503 and "retry-after" not in {k.lower() for k in response.headers}:
        return f"{where}: 503 without Retry-After"
    if not 400 <= status < 500:
        return None
    path = case.path
    text = response.text
    if MM7.match(path) and ("Fault" in text or "Envelope" in text):
        return None  # (a refusal before the SOAP layer — no credentials — is the JSON shape below)
    try:
        body = json.loads(text)
    except ValueError:
        if OPEN311.match(path) and "<errors>" in text:
            return None  # GeoReport's XML error list, for the .xml format
        return f"{where}: {status} is not JSON: {text[:200]}"
    if OPEN311.match(path):
        ok = isinstance(body, list) and body and all({"code", "description"} <= set(e) for e in body)
        return None if ok else f"{where}: {status} is not GeoReport's error list: {text[:200]}"
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str)
            and body["message"]):
        return f"{where}: {status} is not the JSON error shape: {text[:200]}"
    return None


@pytest.mark.parametrize("who", ["anonymous", "channels", *ROLES])
def test_no_request_any_caller_can_make_gets_a_server_error(who, app, seeded):
    problems: list[str] = []
    calls = [0]
    statuses: dict[int, int] = {}
    with TestClient(app) as client:
        headers = _identity_headers(who, client, app.state.session_factory)
        # The schema as a document, and our own client to send: schemathesis's ASGI transport would
        # start a second lifespan of the app (in a loop of its own) and keep it for the process.
        schema = schemathesis.openapi.from_dict(app.openapi())
        operations = [op.ok() for op in schema.get_all_operations()]
        assert len(operations) > 70  # the whole API, not a corner of it

        for operation in operations:
            if f"{operation.method.upper()} {operation.path}" in SESSION_ENDING:
                continue
            strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

            @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                                 suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])
            @hypothesis.given(case=strategy)
            def run(case):
                response = _send(client, case, headers)
                calls[0] += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                problem = _check(case, response)
                if problem and problem not in problems:
                    problems.append(problem)

            run()
    assert calls[0] > EXAMPLES * 40
    if who in ROLES:  # the session really works: this role's own routes answered
        assert sum(n for code, n in statuses.items() if code < 300) >= 20, sorted(statuses.items())
    assert not problems, "\n".join(problems[:40])

"""schemathesis's authorization check over the whole API as each role (issue 18): every operation
an identity may call is generated, sent to a real server with that identity's credentials, and
wherever the answer is a success schemathesis's own `ignored_auth` check sends it again without
the credentials and with made-up ones — both must be refused. Object-level access is walked in
tests/test_object_access.py (the schema has no links from which schemathesis could find another
identity's objects). Integration tokens are refused without them in test_route_policies.py (a
login cookie never stands in for a token) and test_intake.py (no, wrong or revoked tokens)."""

from __future__ import annotations

import os
import re

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import ignored_auth

EXAMPLES = int(os.environ.get("DASAN_FUZZ_AUTHZ_EXAMPLES", "3"))
ROLES = {"agent": "agent1", "supervisor": "supervisor1", "official": "official-recycling",
         "analyst": "analyst1", "shopper": "shopper1", "admin": "admin"}
# Operations that would end the identity's own session or password half-way through the walk.
SKIP = {"POST /logout", "POST /api/v1/me/password", "POST /api/v1/me/sessions/end-others"}


def _identity(base: str, who: str) -> dict[str, str]:
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as web:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
        r = web.post("/login", data={"username": ROLES[who], "password": "dasan-demo-120", "csrf_token": csrf})
        assert r.status_code == 303, r.text
        session = web.cookies.get("dasan_session")
        page_csrf = re.search(r'data-csrf="([^"]+)"', web.get("/me").text).group(1)
    return {"Cookie": f"dasan_session={session}", "X-CSRF-Token": page_csrf}


@pytest.mark.parametrize("who", ROLES)
def test_no_operation_succeeds_without_its_credentials(who, server_env, servers):
    server = servers({**server_env, "DASAN_KB_PROFILE": "fast"})  # (search without the large model)
    headers = _identity(server.url, who)
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    problems: list[str] = []
    successes = [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        if f"{operation.method.upper()} {operation.path}" in SKIP:
            continue
        security = operation.definition.raw.get("security") or []
        kinds = {k for req in security for k in req}
        if "session" not in kinds:
            continue

        @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])
        @hypothesis.given(case=operation.as_strategy(GenerationMode.POSITIVE))
        def run(case):
            try:
                response = case.call_and_validate(base_url=server.url, headers=headers, checks=[ignored_auth],
                                                  timeout=120)
            except (AssertionError, FailureGroup) as failure:  # schemathesis's findings
                text = f"{case.method} {case.formatted_path}: {str(failure)[:300]}"
                if text not in problems:
                    problems.append(text)
                return
            if 200 <= response.status_code < 300:
                successes[0] += 1

        run()
    assert successes[0] >= 10, "the identity's own operations answered too few successes to check anything"
    assert not problems, "\n".join(problems[:30])


def test_the_check_finds_an_operation_that_ignores_its_credentials(tmp_path):
    """A control: a tiny app that declares the session cookie but never reads it is caught."""
    import threading

    import uvicorn
    from fastapi import FastAPI

    from tests.conftest import free_port

    careless = FastAPI()

    @careless.get("/api/v1/things")
    def things() -> list:
        return []

    spec = careless.openapi()
    spec["components"] = {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "dasan_session"}}}
    spec["paths"]["/api/v1/things"]["get"]["security"] = [{"session": []}]
    careless.openapi_schema = spec
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(careless, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
        schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
        case = schema["/api/v1/things"]["GET"].Case()
        with pytest.raises(FailureGroup) as found:
            case.call_and_validate(headers={"Cookie": "dasan_session=valid-looking-session"}, checks=[ignored_auth])
        assert "without authentication" in str(found.value.exceptions[0])
    finally:
        server.should_exit = True
        thread.join(10)

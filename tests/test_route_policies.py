"""Every route declares a policy, and every route is walked with every role (and with nobody)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from dasan.app import all_routes, route_policy
from dasan.channels.webhook import SignedWebhook
from dasan.security.deps import ALL_ROLES, Allow, Public, TokenAuth

from .conftest import login

ACCOUNTS = {"agent": "agent1", "supervisor": "supervisor1", "official": "official-recycling", "admin": "admin",
            "analyst": "analyst1", "shopper": "shopper1"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _routes(app):
    return all_routes(app)


def test_every_route_declares_a_policy(app):
    routes = _routes(app)
    assert len(routes) >= 25
    for r in routes:
        assert route_policy(r) is not None, r.path


class As:
    """One test client (one app lifespan) whose cookies are switched to the chosen role."""

    def __init__(self, client: TestClient, jar: dict):
        self.client, self.jar = client, jar

    def __getitem__(self, role):
        self.client.cookies.clear()
        cookie, csrf = self.jar[role]
        if cookie:
            self.client.cookies.set("dasan_session", cookie)
        return self.client, csrf


@pytest.fixture
def clients(client, seeded):
    jar = {None: ("", "")}
    for role, username in ACCOUNTS.items():
        client.cookies.clear()
        csrf = login(client, username)
        jar[role] = (client.cookies.get("dasan_session"), csrf)
    return As(client, jar)


def test_walk_every_http_route_with_every_role(app, clients):
    walked = 0
    # Logging out ends the session the rest of the walk uses: walk it last.
    for route in sorted(_routes(app), key=lambda r: r.path == "/logout"):
        if not isinstance(route, APIRoute):
            continue
        policy = route_policy(route)
        method = sorted(route.methods - {"HEAD"})[0]
        path = _concrete(route.path)
        for role in (*ALL_ROLES, None):
            client, csrf = clients[role]
            r = client.request(method, path, headers={"X-CSRF-Token": csrf} if csrf else {}, follow_redirects=False)
            where = f"{method} {route.path} as {role}: {r.status_code} {r.text[:120]}"
            if isinstance(policy, Public):
                assert r.status_code != 401, where
            elif isinstance(policy, TokenAuth | SignedWebhook):
                # A login cookie never stands in for an integration token or a signature.
                assert r.status_code == 401, where
            else:
                assert isinstance(policy, Allow)
                if role is None:
                    assert r.status_code == (303 if policy.page else 401), where
                elif role in policy.roles:
                    assert r.status_code not in (401, 403), where
                else:
                    assert r.status_code == 403 and r.json()["error"] == "forbidden", where
            walked += 1
    assert walked >= 25 * 6


def test_csrf_header_is_required_for_writes(clients):
    client, csrf = clients["agent"]
    r = client.post("/api/v1/agent/presence", json={"presence": "available"})
    assert r.status_code == 403 and r.json() == {"error": "csrf", "message": "missing or wrong CSRF token"}
    r = client.post("/api/v1/agent/presence", json={"presence": "available"}, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = client.post("/api/v1/agent/presence", json={"presence": "available"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200


def test_staff_socket_admits_only_its_roles(app, clients):
    route = next(r for r in _routes(app) if r.path == "/ws/staff")
    allowed = route_policy(route).roles
    for role in (*ALL_ROLES, None):
        client, _ = clients[role]
        if role in allowed:
            with client.websocket_connect("/ws/staff") as ws:
                assert ws.receive_json()["type"] == "hello"
        else:
            with pytest.raises(WebSocketDisconnect) as e, client.websocket_connect("/ws/staff") as ws:
                ws.receive_json()
            assert e.value.code == 4403


def test_staff_socket_refuses_cross_site_origin(clients):
    client, _ = clients["agent"]
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(
        "/ws/staff", headers={"origin": "https://evil.example"}
    ) as ws:
        ws.receive_json()

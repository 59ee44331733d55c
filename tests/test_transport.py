"""Transport (issue 18, ASVS 3.4/9.1): production refuses to start without secure cookies (and
a real secret); HSTS on responses served over HTTPS; the cookies carry Secure when set."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from dasan.app import create_app
from dasan.config import Settings

STRONG = "a-long-random-production-secret-0123456789"


def test_production_refuses_to_start_without_secure_cookies_or_a_real_secret(tmp_path):
    with pytest.raises(ValidationError, match="DASAN_COOKIE_SECURE"):
        Settings(env="production", secret_key=STRONG, data_dir=tmp_path)
    with pytest.raises(ValidationError, match="DASAN_SECRET_KEY"):
        Settings(env="production", cookie_secure=True, data_dir=tmp_path)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(env="production", cookie_secure=True, secret_key="short-secret", data_dir=tmp_path)
    assert Settings(env="production", cookie_secure=True, secret_key=STRONG, data_dir=tmp_path).cookie_secure


def test_hsts_only_over_https_and_secure_cookies_when_set(settings, seeded):
    settings.cookie_secure = True
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as tls:
        page = tls.get("/login")
        assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert "Secure" in page.headers["set-cookie"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = tls.post("/login", data={"username": "agent1", "password": "dasan-demo-120", "csrf_token": token},
                     follow_redirects=False)
        session_cookie = next(v for k, v in r.headers.multi_items()
                              if k == "set-cookie" and v.startswith("dasan_session="))
        assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    with TestClient(create_app(settings)) as plain:
        assert "strict-transport-security" not in plain.get("/login").headers

"""The staff UI is Korean by default and English on request (remembered in a cookie)."""

from __future__ import annotations

from .conftest import login


def test_korean_by_default_english_on_request(client, seeded):
    login(client, "agent1")
    assert "상담원 화면" in client.get("/agent").text
    r = client.get("/agent?lang=en")
    assert "Agent desktop" in r.text and '<html lang="en">' in r.text
    assert "Agent desktop" in client.get("/agent").text  # the choice is remembered
    assert "상담원 화면" in client.get("/agent?lang=ko").text

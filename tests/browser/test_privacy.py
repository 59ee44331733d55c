"""A citizen's data request in a real browser: a supervisor finds the citizen by phone number,
downloads their data, erases it with the request written down, and sees the erasure in the log."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile

import httpx
import pytest
from playwright.sync_api import expect

from .test_chat_flow import log_in


@pytest.mark.browser
def test_a_supervisor_exports_then_erases_a_citizens_data(browser, server_env, servers):
    server = servers(server_env)
    base = server.url
    made = subprocess.run([sys.executable, "-m", "dasan.cli", "tokens", "create", "--channel", "sms"],
                          env={**os.environ, **server_env}, capture_output=True, text=True, check=True)
    token = made.stdout.strip().split()[-1]
    r = httpx.post(f"{base}/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                   json={"channel": "sms", "external_id": "pv-1", "sender": {"phone": "010-5555-0701"},
                         "text": "우리 집 앞 가로등이 고장났어요", "sent_at": "2026-12-07T10:00:00+09:00"})
    assert r.status_code == 202, r.text
    sup = browser.new_context(locale="ko-KR", accept_downloads=True).new_page()
    errors: list[str] = []
    sup.on("pageerror", lambda e: errors.append(str(e)))
    log_in(sup, base, "supervisor1")
    sup.click("nav a[href='/privacy']")
    sup.fill("#find-q", "01055550701")
    sup.click("#find-form button[type=submit]")
    row = sup.locator("#citizens tbody tr").first
    expect(row).to_contain_text("+821055550701")
    with sup.expect_download() as got:
        row.locator("a.export").click()
    data = json.loads(zipfile.ZipFile(io.BytesIO(open(got.value.path(), "rb").read())).read("data.json"))
    assert data["contacts"][0]["messages"][0]["text"] == "우리 집 앞 가로등이 고장났어요"
    # An open contact: the erasure is refused and says why.
    row.locator("input.reason").fill("2026-12-07 전화로 본인 요청")
    row.locator("button.erase").click()
    expect(sup.locator("#privacy-msg")).to_contain_text("open")
    # Once it has closed (an agent answered it), the erasure goes through and the log shows it.
    _answer_and_close(base, r.json()["conversation_id"])
    row.locator("button.erase").click()
    expect(sup.locator("#privacy-msg")).to_contain_text("삭제됨")
    expect(sup.locator("#citizens tbody tr .erased")).to_have_count(1)
    log_row = sup.locator("#purges tbody tr").first
    expect(log_row).to_contain_text("삭제")
    expect(log_row.locator(".transcripts")).to_have_text(re.compile(r"^[1-9][0-9]*$"))  # every message of theirs
    assert errors == []
    sup.context.close()


def _answer_and_close(base: str, conv_id: int) -> None:
    """agent1, through the API the agent desktop uses: available, accept the offer, end, wrap up."""
    import time

    c = httpx.Client(base_url=base)
    form = c.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    c.post("/login", data={"username": "agent1", "password": "dasan-demo-120", "csrf_token": form})
    h = {"X-CSRF-Token": c.get("/me").text.split('data-csrf="', 1)[1].split('"', 1)[0]}
    assert c.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h).status_code == 200
    deadline = time.time() + 20
    while c.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).status_code != 200:
        assert time.time() < deadline, "the contact was never offered to agent1"
        time.sleep(0.2)
    assert c.post(f"/api/v1/conversations/{conv_id}/end", headers=h).status_code == 200
    done = c.post(f"/api/v1/conversations/{conv_id}/wrapup", headers=h,
                  json={"category": "도로", "summary": "가로등 고장 접수", "resolution": "solved"})
    assert done.status_code == 200, done.text

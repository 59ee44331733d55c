"""The agent answers in the browser: a WebRTC softphone (Janus's SIP plugin in Debian's Chromium)
registered with Kamailio rings for the call the routing engine offers, audio flows both ways,
the agent hangs up and wraps up; the record and its recording say what happened."""

from __future__ import annotations

import os
import threading
import time

import pytest
import uvicorn
from playwright.sync_api import expect
from sqlalchemy import select

from dasan.app import create_app
from dasan.conversations.models import ConsultationRecord, Conversation, ConversationEvent
from dasan.db.engine import session_scope
from dasan.demo.seed import seed
from dasan.orgs.models import User
from dasan.routing.models import AgentStatus, Presence
from dasan.voice import sipp
from dasan.voice import stack as voice_stack_module
from dasan.voice.models import CallOutcome, VoiceCall
from dasan.voice.recording import channel_levels
from tests.browser.conftest import CHROMIUM, FLAGS

WEBRTC_FLAGS = FLAGS + ["--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
                        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture
def live(voice_settings, voice_stack, trunk_port, tmp_path):
    """The app with voice served over HTTP (uvicorn in a thread), Janus beside it."""
    if not voice_settings.voice_janus_ws:
        pytest.skip("Janus is not installed (scripts/setup --tests installs it)")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    app = create_app(voice_settings)
    with session_scope(app.state.session_factory) as s:
        seed(session=s)
    port = voice_stack_module.free_udp_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "dasan-demo-120")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/**")


@pytest.mark.browser
def test_an_english_caller_is_answered_in_the_browser_and_recorded(live, voice_stack, trunk_port, tmp_path,
                                                                  playwright_session):
    app, base = live
    factory = app.state.session_factory
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=WEBRTC_FLAGS)
    try:
        page = browser.new_context(locale="ko-KR").new_page()
        _log_in(page, base, "agent-en1")
        page.goto(f"{base}/agent")
        expect(page.locator("#softphone")).to_be_visible()
        expect(page.locator("#softphone[data-state=ready]")).to_be_attached(timeout=20000)
        page.select_option("#presence", "available")
        deadline = time.time() + 10
        while True:
            with session_scope(factory) as s:
                agent = s.scalar(select(User).where(User.username == "agent-en1"))
                uid = agent.id
                if s.get_one(AgentStatus, agent.id).presence == Presence.AVAILABLE:
                    break
            assert time.time() < deadline, "the agent did not become available"
            time.sleep(0.1)
        caller = sipp.run(
            sipp.caller_scenario([("pause", 1500), ("keys", "91"), ("talk", None)],
                                 hang_up=False, wait_bye_ms=60000),
            tmp_path, "caller", target=f"127.0.0.1:{voice_stack.ports.sip}", local_port=trunk_port,
            media_port=voice_stack_module.free_udp_port() // 2 * 2, background=True, timeout_s=90)
        started = time.monotonic()
        answer = page.locator("#sp-answer")
        expect(answer).to_be_visible(timeout=30000)
        expect(page.locator("#sp-caller")).to_contain_text("01012345678")
        expect(page.locator("#sp-caller")).to_contain_text("120")  # the dialled number
        expect(page.locator("#sp-caller")).to_contain_text("91")  # the menu path
        answer.click()
        expect(page.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=10000)
        answered = time.monotonic()
        time.sleep(4)
        stats = page.evaluate("() => window.dasanSoftphone.stats()")
        assert stats["packetsReceived"] > 50 and stats["packetsSent"] > 50, stats
        page.click("#sp-hold")  # the caller hears hold music meanwhile
        expect(page.locator("#softphone[data-state=on_hold]")).to_be_attached(timeout=10000)
        page.click("#sp-hold")
        expect(page.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=10000)
        page.click("#sp-hangup")
        expect(page.locator("#softphone[data-state=ready]")).to_be_attached(timeout=10000)
        hung_up = time.monotonic()
        assert caller.wait(timeout=30) == 0  # the caller got the center's BYE
        # wrap-up into the consultation record
        expect(page.locator("#wrapup-form")).to_be_visible(timeout=10000)
        page.fill("#wrap-category", "교통")
        page.fill("#wrap-summary", "English caller asked about the bus; answered")
        page.click("#wrap-save")
        expect(page.locator("#wrapup-form")).to_be_hidden(timeout=10000)
    finally:
        browser.close()
    call = None
    deadline = time.time() + 20
    while time.time() < deadline:
        with session_scope(factory) as s:
            call = s.scalar(select(VoiceCall).where(VoiceCall.recording_path != ""))
            record = s.scalar(select(ConsultationRecord))
            if call is not None and record is not None:
                conv = s.get_one(Conversation, call.conversation_id)
                break
        time.sleep(0.2)
    assert call is not None and record is not None
    assert call.menu_path == "91" and call.lang == "en" and call.agent_id == uid
    assert "en:voice.queue.position" in call.prompts_played  # place in line and wait, in English
    assert call.outcome == CallOutcome.COMPLETED and conv.channel == "voice" and conv.queue_code == "lang-en"
    assert record.channel == "voice" and record.agent_id == uid
    with session_scope(factory) as s:
        kinds = [e.kind for e in s.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conv.id).order_by(ConversationEvent.id))]
    assert kinds.index("menu") < kinds.index("offered") < kinds.index("accepted") < kinds.index("hold") \
        < kinds.index("resume") < kinds.index("hangup"), kinds
    assert call.hold_count == 1
    # wait and handle times within 1 s of what the scenario did
    wait_s = (call.connected_at - call.queued_at).total_seconds()
    assert abs(record.wait_s - wait_s) <= 1.0
    assert abs((call.ended_at - call.connected_at).total_seconds() - (hung_up - answered)) <= 1.0
    seconds, left, right = channel_levels(app.state.settings.data_dir / call.recording_path)
    assert abs(seconds - (hung_up - answered)) <= 1.0, (seconds, hung_up - answered)
    assert left > 100 and right > 100, (left, right)
    assert started

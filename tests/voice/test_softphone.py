"""The agent answers in the browser: a WebRTC softphone (Janus's SIP plugin in Debian's Chromium)
registered with Kamailio rings for the call the routing engine offers, audio flows both ways,
the agent hangs up and wraps up; the record and its recording say what happened."""

from __future__ import annotations

import os
import socket
import threading
import time
import wave
from datetime import UTC, datetime

import numpy as np
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

S_CONFERENCE = "3자 통화"  # the staff catalogue's sp_conference (Korean desk)
WEBRTC_FLAGS = FLAGS + ["--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
                        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


class DeliveredTo:
    """Counts the UDP datagrams delivered to a port on loopback while it is open (a packet socket,
    as tcpdump does: sipp 3.6 keeps no count of the RTP it receives). Needs CAP_NET_RAW."""

    def __init__(self, port: int) -> None:
        self.port, self.packets = port, 0
        self._stop = threading.Event()

    def __enter__(self) -> DeliveredTo:
        try:
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.ntohs(0x0800))
        except PermissionError:
            pytest.skip("counting packets on loopback needs CAP_NET_RAW (CI runs as root)")
        self._sock.bind(("lo", 0))
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._count, daemon=True)
        self._thread.start()
        return self

    def _count(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self._sock.recvfrom(2048)
            except TimeoutError:
                continue
            # IPv4 + UDP to our port, taken once (loopback shows each packet going out and coming in)
            if addr[2] == socket.PACKET_HOST and len(data) > 28 and data[9] == 17:
                ihl = (data[0] & 0x0F) * 4
                if int.from_bytes(data[ihl + 2:ihl + 4], "big") == self.port:
                    self.packets += 1

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


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
    page.wait_for_url(lambda url: "/login" not in url)  # the login's own redirect has landed


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
        caller_media = voice_stack_module.free_udp_port() // 2 * 2
        caller = sipp.run(
            sipp.caller_scenario([("pause", 1500), ("keys", "91"), ("talk", None)],
                                 hang_up=False, wait_bye_ms=60000),
            tmp_path, "caller", target=f"127.0.0.1:{voice_stack.ports.sip}", local_port=trunk_port,
            media_port=caller_media, background=True, timeout_s=90)
        started = time.monotonic()
        answer = page.locator("#sp-answer")
        expect(answer).to_be_visible(timeout=30000)
        expect(page.locator("#sp-caller")).to_contain_text("01012345678")
        expect(page.locator("#sp-caller")).to_contain_text("120")  # the dialled number
        expect(page.locator("#sp-caller")).to_contain_text("91")  # the menu path
        answer.click()
        expect(page.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=10000)
        answered = time.monotonic()
        with DeliveredTo(caller_media) as to_caller:  # what reaches the caller's phone, as the kernel sees it
            time.sleep(4)
        stats = page.evaluate("() => window.dasanSoftphone.stats()")
        assert stats["packetsReceived"] > 50 and stats["packetsSent"] > 50, stats
        assert to_caller.packets > 100, to_caller.packets  # ~200 in 4 s: the agent's audio reaches sipp
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


# What a page's softphone receives, as the browser counts it: RTP packets and the audio energy
# of what it decoded (WebAudio cannot read remote WebRTC audio in headless Chromium).
RECEIVED = """async () => {
  const pc = window.dasanSoftphone.handle.webrtcStuff.pc;
  let packets = 0, energy = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type !== "inbound-rtp" || r.kind !== "audio") return;
    packets += r.packetsReceived || 0;
    energy += r.totalAudioEnergy || 0;
  });
  return { packets, energy };
}"""


def _receiving(page, seconds: float = 2.0) -> tuple[int, float]:
    before = page.evaluate(RECEIVED)
    time.sleep(seconds)
    after = page.evaluate(RECEIVED)
    return after["packets"] - before["packets"], after["energy"] - before["energy"]


def _tone_file(tmp_path, hz: int):
    import subprocess

    path = tmp_path / f"mic-{hz}.wav"
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", str(path), "synth", "30", "sine", str(hz),
                    "vol", "0.4"], check=True)
    return path


def _desk(browser, base: str, username: str):
    page = browser.new_context(locale="ko-KR").new_page()
    _log_in(page, base, username)
    page.goto(f"{base}/agent")
    expect(page.locator("#softphone[data-state=ready]")).to_be_attached(timeout=20000)
    return page


def _both_tones_in_one_second(signal: np.ndarray, tones: tuple[int, ...], rate: int = 8000) -> bool:
    """Whether some one-second window (in steps of a quarter second) has a clear peak at every tone:
    more than five times the window's median spectrum."""
    window = np.hanning(rate)
    freqs = np.fft.rfftfreq(rate, 1 / rate)
    for start in range(0, len(signal) - rate + 1, rate // 4):
        spectrum = np.abs(np.fft.rfft(signal[start:start + rate] * window))
        floor = float(np.median(spectrum))
        if floor > 0 and all(spectrum[(freqs > hz - 10) & (freqs < hz + 10)].max() > 5 * floor for hz in tones):
            return True
    return False


# Known race, not yet fixed: on a loaded machine the conference's re-INVITE to the agent's browser
# is sometimes answered 481 (the dialog not found) and the three-party call does not start
# (CI of stop 27; the fresh-clone check of 2026-12-07 on PostgreSQL). One rerun, visible as "R" in
# the output; a second failure fails the suite.
@pytest.mark.flaky(reruns=1, reruns_delay=5)
@pytest.mark.browser
def test_a_three_way_call_with_an_interpreter_in_a_second_browser(live, voice_stack, trunk_port, tmp_path,
                                                                 playwright_session):
    """The agent (browser 1, a 440 Hz voice) adds an interpreter (browser 2, 1000 Hz) to a citizen's
    call (sipp, 300 Hz): each hears the two others, mixed by Janus's AudioBridge."""
    app, base = live
    factory = app.state.session_factory
    flags = WEBRTC_FLAGS + ["--autoplay-policy=no-user-gesture-required"]
    agent_browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, args=flags + [f"--use-file-for-fake-audio-capture={_tone_file(tmp_path, 440)}"])
    interpreter_browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, args=flags + [f"--use-file-for-fake-audio-capture={_tone_file(tmp_path, 1000)}"])
    caller = None
    try:
        interpreter = _desk(interpreter_browser, base, "agent2")  # not available: rings only when called in
        agent = _desk(agent_browser, base, "agent-en1")
        agent.select_option("#presence", "available")
        with session_scope(factory) as s:
            interpreter_id = s.scalar(select(User.id).where(User.username == "agent2"))
        deadline = time.time() + 10
        while True:
            with session_scope(factory) as s:
                uid = s.scalar(select(User.id).where(User.username == "agent-en1"))
                if s.get_one(AgentStatus, uid).presence == Presence.AVAILABLE:
                    break
            assert time.time() < deadline, "the agent did not become available"
            time.sleep(0.1)
        tone = tmp_path / "citizen.wav"
        import subprocess

        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", str(tone), "synth", "2", "sine", "300",
                        "vol", "0.5"], check=True)
        caller = sipp.run(
            sipp.caller_scenario([("stream", tone), ("pause", 1500), ("keys", "91")], hang_up=False,
                                 wait_bye_ms=90000),
            tmp_path, "caller", target=f"127.0.0.1:{voice_stack.ports.sip}", local_port=trunk_port,
            media_port=voice_stack_module.free_udp_port() // 2 * 2, background=True, timeout_s=120)
        expect(agent.locator("#sp-answer")).to_be_visible(timeout=30000)
        agent.click("#sp-answer")
        expect(agent.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=10000)
        expect(agent.locator("#sp-third")).to_be_visible(timeout=10000)
        expect(agent.locator(f"#sp-third-user option[value='{interpreter_id}']")).to_be_attached(timeout=10000)
        agent.select_option("#sp-third-user", str(interpreter_id))
        agent.click("#sp-conference")
        try:
            expect(agent.locator("#sp-end-conference")).to_be_visible(timeout=25000)
        except AssertionError:
            raise AssertionError(agent.locator("#sp-third-status").text_content()) from None
        expect(agent.locator("#sp-third-status")).to_have_text("3자 통화 중")
        expect(interpreter.locator("#sp-answer")).to_be_visible(timeout=20000)
        expect(interpreter.locator("#sp-caller")).to_contain_text(S_CONFERENCE)
        interpreter.click("#sp-answer")
        expect(interpreter.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=10000)
        time.sleep(1)
        # each browser receives the room's audio (the two others, mixed) …
        for who, page in (("agent", agent), ("interpreter", interpreter)):
            packets, energy = _receiving(page)
            assert packets > 50 and energy > 0.001, (who, packets, energy)
        agent.click("#sp-end-conference")
        expect(interpreter.locator("#softphone[data-state=ready]")).to_be_attached(timeout=15000)
        expect(agent.locator("#sp-third")).to_be_visible(timeout=10000)
        time.sleep(2)
        packets, _ = _receiving(agent)
        assert packets > 50  # the agent and the citizen talk on
        agent.click("#sp-hangup")
        assert caller.wait(timeout=30) == 0
        # … and the citizen heard both browsers' voices (440 Hz and 1000 Hz) during the conference
        call = None
        deadline = time.time() + 20
        while time.time() < deadline and call is None:
            with session_scope(factory) as s:
                call = s.scalar(select(VoiceCall).where(VoiceCall.recording_path != ""))
            time.sleep(0.2)
        assert call is not None
        with wave.open(str(app.state.settings.data_dir / call.recording_path)) as w:
            heard = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)[:, 1]
        # Somewhere in the recording (where exactly depends on when the recorder started, which a
        # loaded machine delays) a second of what the citizen heard holds both browsers' voices:
        # 1000 Hz only ever reaches the citizen through the conference.
        assert _both_tones_in_one_second(heard.astype(np.float64), (440, 1000)), \
            "the citizen never heard the agent and the interpreter together"
        with session_scope(factory) as s:
            kinds = [e.kind for e in s.scalars(select(ConversationEvent).where(
                ConversationEvent.conversation_id == call.conversation_id).order_by(ConversationEvent.id))]
        assert kinds.index("conference") < kinds.index("conference_answered") < kinds.index("conference_ended")
        assert interpreter_id
    finally:
        if caller is not None and caller.poll() is None:
            caller.kill()
        agent_browser.close()
        interpreter_browser.close()


@pytest.mark.browser
def test_a_callback_rings_the_browser_softphone_and_reaches_the_citizen(live, voice_stack, trunk_port, outbound_port,
                                                                        tmp_path, playwright_session):
    """"1" in the queue, the caller hangs up; at its turn the agent's softphone rings (marked as a
    callback, the citizen's history already open), the agent answers, the center dials the citizen
    (sipp answering at the carrier) and both talk — audio received in the browser, both recorded."""
    import subprocess

    from dasan.conversations.actions import do_close_with_record, do_get_or_create_citizen, do_start_conversation
    from dasan.conversations.models import Resolution

    app, base = live
    factory = app.state.session_factory
    with session_scope(factory) as s:  # the citizen called before: the history the agent should see
        citizen = do_get_or_create_citizen(session=s, kind="phone", value="+821012345678")
        before = do_start_conversation(session=s, citizen=citizen, channel="sms")
        do_close_with_record(session=s, conv=before, agent=None, category="교통", summary="지난번 버스 노선 문의",
                             resolution=Resolution.SOLVED)
    tone = tmp_path / "citizen.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", str(tone), "synth", "2", "sine", "300",
                    "vol", "0.5"], check=True)
    target = f"127.0.0.1:{voice_stack.ports.sip}"
    citizen_phone = sipp.run(sipp.agent_scenario(user="citizen", answer_after_ms=300, stream=tone), tmp_path,
                             "citizen", target=target, local_port=outbound_port,
                             media_port=voice_stack_module.free_udp_port() // 2 * 2, background=True, timeout_s=120)
    caller = sipp.run(sipp.caller_scenario([("pause", 1000), ("keys", "0"), ("pause", 1500), ("keys", "1")],
                                           hang_up=False, wait_bye_ms=40000),
                      tmp_path, "caller", target=target, local_port=trunk_port,
                      media_port=voice_stack_module.free_udp_port() // 2 * 2, timeout_s=60)
    assert caller.returncode == 0, caller.stderr[-1500:]  # the center took the callback and said goodbye
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=WEBRTC_FLAGS)
    try:
        page = _desk(browser, base, "agent1")
        page.select_option("#presence", "available")
        expect(page.locator("#sp-answer")).to_be_visible(timeout=30000)
        expect(page.locator("#sp-caller")).to_contain_text("콜백")  # marked as the callback it is
        expect(page.locator("#history")).to_contain_text("지난번 버스 노선 문의")  # before the answer
        page.click("#sp-answer")
        expect(page.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=10000)
        deadline = time.time() + 40
        while True:  # the center dials the citizen, who hears the recording notice, then talks
            with session_scope(factory) as s:
                reached = s.scalar(select(ConversationEvent).where(ConversationEvent.kind == "citizen_answered"))
            if reached is not None:
                break
            assert time.time() < deadline, "the citizen was not reached"
            time.sleep(0.2)
        time.sleep(1)
        packets, energy = _receiving(page)
        assert packets > 50 and energy > 0.001, (packets, energy)  # the citizen's voice reaches the browser
        time.sleep(2)
        page.click("#sp-hangup")
        assert citizen_phone.wait(timeout=30) == 0  # the citizen got the center's BYE
    finally:
        browser.close()
        if citizen_phone.poll() is None:
            citizen_phone.kill()
    deadline = time.time() + 20
    while True:
        with session_scope(factory) as s:
            out = s.scalar(select(VoiceCall).where(VoiceCall.direction == "out", VoiceCall.recording_path != ""))
        if out is not None:
            break
        assert time.time() < deadline, "no recording of the callback"
        time.sleep(0.2)
    assert out.outcome == CallOutcome.COMPLETED and out.to_number == "+821012345678"
    _, left, right = channel_levels(app.state.settings.data_dir / out.recording_path)
    assert left > 100 and right > 100, (left, right)


@pytest.mark.browser
def test_the_agent_dials_out_and_mutes_in_the_browser(live, voice_stack, outbound_port, tmp_path,
                                                                       playwright_session):
    """The softphone dials a citizen (sipp answering at the carrier), the citizen is heard in the
    browser; while muted, the agent's side of the recording is silent."""
    import subprocess

    app, base = live
    factory = app.state.session_factory
    tone = tmp_path / "citizen.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", str(tone), "synth", "2", "sine", "300",
                    "vol", "0.5"], check=True)
    citizen_phone = sipp.run(sipp.agent_scenario(user="citizen", answer_after_ms=300, stream=tone), tmp_path,
                             "citizen", target=f"127.0.0.1:{voice_stack.ports.sip}", local_port=outbound_port,
                             media_port=voice_stack_module.free_udp_port() // 2 * 2, background=True, timeout_s=120)
    mic = f"--use-file-for-fake-audio-capture={_tone_file(tmp_path, 440)}"
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=WEBRTC_FLAGS + [mic])
    try:
        page = _desk(browser, base, "agent2")
        page.fill("#sp-number", "010-9876-5432")
        page.click("#sp-dial-form button[type=submit]")
        try:
            expect(page.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=20000)
        except AssertionError:
            raise AssertionError(page.locator("#sp-status").text_content()) from None
        _outbound(factory, VoiceCall.connected_at.is_not(None), "the citizen was not reached", 30)
        time.sleep(1)
        packets, energy = _receiving(page)
        assert packets > 50 and energy > 0.001, (packets, energy)
        page.click("#sp-mute")
        expect(page.locator("#sp-mute")).to_have_attribute("aria-pressed", "true")
        muted = time.time()
        time.sleep(2.5)
        page.click("#sp-mute")
        expect(page.locator("#sp-mute")).to_have_attribute("aria-pressed", "false")
        unmuted = time.time()
        time.sleep(2)
        page.click("#sp-hangup")
        assert citizen_phone.wait(timeout=30) == 0
    finally:
        browser.close()
        if citizen_phone.poll() is None:
            citizen_phone.kill()
    out = _outbound(factory, VoiceCall.recording_path != "", "no recording of the call", 20)
    assert out.to_number == "+821098765432" and out.outcome == CallOutcome.COMPLETED
    connected, frames = _recording(app, out)

    def rms(start: float, end: float, channel: int) -> float:
        part = frames[int((start - connected.timestamp()) * 8000):int((end - connected.timestamp()) * 8000), channel]
        return float(np.sqrt((part ** 2).mean())) if part.size else 0.0

    assert rms(muted + 0.7, unmuted - 0.3, 1) < 0.1 * rms(unmuted + 0.5, unmuted + 1.8, 1)  # the agent, muted
    assert rms(muted + 0.7, unmuted - 0.3, 0) > 100  # the citizen went on being heard


def _outbound(factory, condition, failure: str, timeout_s: float) -> VoiceCall:
    """The call the center placed, once `condition` holds of it."""
    deadline = time.time() + timeout_s
    while True:
        with session_scope(factory) as s:
            out = s.scalar(select(VoiceCall).where(VoiceCall.direction == "out", condition))
        if out is not None:
            return out
        assert time.time() < deadline, failure
        time.sleep(0.2)


def _recording(app, call: VoiceCall) -> tuple[datetime, np.ndarray]:
    """When a call was connected, and its recording as (samples, 2) floats: citizen, agent."""
    connected = call.connected_at.replace(tzinfo=UTC) if call.connected_at.tzinfo is None else call.connected_at
    with wave.open(str(app.state.settings.data_dir / call.recording_path)) as w:
        return connected, np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2).astype(np.float64)


def _key_tones(samples: np.ndarray, low: int, high: int, rate: int = 8000) -> tuple[float, float]:
    """The shares of a stretch of audio's energy at a DTMF key's two frequencies (± 25 Hz each)."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    total = max(float(spectrum[3:].sum()), 1e-9)
    return (float(spectrum[np.abs(freqs - low) <= 25].sum()) / total,
            float(spectrum[np.abs(freqs - high) <= 25].sum()) / total)


@pytest.mark.browser
def test_the_agents_keypad_reaches_the_citizen(live, voice_stack, outbound_port, tmp_path, playwright_session):
    """The agent dials a citizen (an IVR, say) and presses 5 on the softphone's keypad: the
    citizen's phone receives the key. The citizen's phone (sipp) echoes what it receives, so the
    citizen's side of the recording holds the key's two tones (770 + 1336 Hz) after the press and
    not before; the citizen's side took no telephone-event, so rtpengine played it as tones."""
    app, base = live
    factory = app.state.session_factory
    citizen_phone = sipp.run(sipp.agent_scenario(user="ivr", answer_after_ms=300, talk=False), tmp_path,
                             "ivr", target=f"127.0.0.1:{voice_stack.ports.sip}", local_port=outbound_port,
                             media_port=voice_stack_module.free_udp_port() // 2 * 2, background=True, timeout_s=120,
                             extra=["-rtp_echo"])
    mic = f"--use-file-for-fake-audio-capture={_tone_file(tmp_path, 440)}"
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=WEBRTC_FLAGS + [mic])
    try:
        page = _desk(browser, base, "agent2")
        page.fill("#sp-number", "02-120-0000")
        page.click("#sp-dial-form button[type=submit]")
        expect(page.locator("#softphone[data-state=in_call]")).to_be_attached(timeout=20000)
        _outbound(factory, VoiceCall.connected_at.is_not(None), "the citizen was not reached", 30)
        time.sleep(1.5)
        expect(page.locator("#sp-keypad")).to_be_visible()
        pressed = time.time()
        page.fill("#sp-tones", "5")
        page.press("#sp-tones", "Enter")
        time.sleep(2)
        page.click("#sp-hangup")
        assert citizen_phone.wait(timeout=30) == 0
    finally:
        browser.close()
        if citizen_phone.poll() is None:
            citizen_phone.kill()
    out = _outbound(factory, VoiceCall.recording_path != "", "no recording of the call", 20)
    connected, frames = _recording(app, out)
    citizen = frames[:, 0]
    at = int((pressed - connected.timestamp()) * 8000)

    def is_key(start: int) -> bool:  # 50 ms the key's two tones fill (as a DTMF receiver needs ≥ 40 ms)
        f = citizen[start:start + 400]
        low, high = _key_tones(f, 770, 1336)
        return bool(np.abs(f).max() > 50 and low > 0.2 and high > 0.2 and low + high > 0.8)

    starts = range(0, len(citizen) - 400, 80)  # every 10 ms
    assert not any(is_key(i) for i in starts if i + 400 < at)  # not before: the agent's 440 Hz only
    assert any(is_key(i) for i in starts if i >= at)

"""Warm transfer with a consultation leg, and the three-party call with an interpreter: each party is
a real SIP phone (sipp) sending its own tone through Kamailio, rtpengine and Janus's AudioBridge,
so what each one heard can be told apart in the recording and in rtpengine's counters."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
import wave
from datetime import UTC

import numpy as np
import pytest
from sqlalchemy import select

from dasan.conversations.models import Conversation, ConversationEvent
from dasan.orgs.models import User
from dasan.voice import sipp
from dasan.voice import stack as voice_stack_module
from dasan.voice.models import CallOutcome, VoiceCall
from dasan.voice.ng import NgClient
from tests.conftest import login

CALLER_HZ, AGENT_HZ, THIRD_HZ = 300, 440, 1000


def tone(workdir, hz: int):
    path = workdir / f"tone-{hz}.wav"
    if not path.exists():
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", str(path), "synth", "2", "sine",
                        str(hz), "vol", "0.5"], check=True)
    return path


def strongest_hz(samples: np.ndarray, rate: int = 8000) -> float:
    """The loudest frequency in a stretch of audio."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum[5:])) + 5])


def heard(path, start_s: float, end_s: float, channel: int) -> np.ndarray:
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    return frames[int(start_s * 8000):int(end_s * 8000), channel]


def offset(call: VoiceCall, wall: float) -> float:
    """Seconds into a call's recording (which starts at the agent's answer) of a wall-clock time."""
    connected = call.connected_at
    assert connected is not None
    if connected.tzinfo is None:
        connected = connected.replace(tzinfo=UTC)
    return wall - connected.timestamp()


def user_id(center, username: str) -> int:
    with center.factory() as s:
        return s.scalar(select(User.id).where(User.username == username))


def phone_of(center, username: str, hz: int, name: str, **kw) -> int:
    """A colleague's or an official's scripted phone that takes re-INVITEs and sends its tone."""
    return center.agent_phone(username, name=name, stream=tone(center.workdir, hz), reinvites=True, **kw)


def connected_call(center, agent: int) -> VoiceCall:
    return center.wait_for(lambda s: s.scalar(select(VoiceCall).where(VoiceCall.agent_id == agent,
                                                                      VoiceCall.connected_at.is_not(None))),
                           what="the agent's answer")


def kinds(center, conversation_id: int) -> list[tuple[str, dict]]:
    with center.factory() as s:
        return [(e.kind, e.data or {}) for e in s.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conversation_id).order_by(ConversationEvent.id))]


def wait_event(center, conversation_id: int, kind: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(k == kind for k, _ in kinds(center, conversation_id)):
            return
        time.sleep(0.1)
    raise AssertionError(f"no '{kind}' event: {[k for k, _ in kinds(center, conversation_id)]}")


def rtp_counts(center, rtp_id: str) -> dict[str, int]:
    """Packets rtpengine received from each side of one of its calls (by tag)."""
    result: dict[str, int] = {}

    def run() -> None:
        async def go() -> None:
            ng = NgClient(("127.0.0.1", center.stack.ports.ng))
            await ng.start()
            try:
                reply = await ng.command("query", call_id=rtp_id)
            finally:
                await ng.stop()
            for tag, info in (reply.get("tags") or {}).items():
                packets = 0
                for media in info.get("medias", []):
                    for stream in media.get("streams", []):
                        packets += int(stream.get("stats", {}).get("packets", 0))
                result[tag.decode() if isinstance(tag, bytes) else tag] = packets
        asyncio.run(go())

    t = threading.Thread(target=run)  # the suite's Playwright may hold an event loop in this thread
    t.start()
    t.join(10)
    return result


def third_of(center, conversation_id: int):
    voice = center.app.state.voice
    call = next(c for c in voice.calls.values() if c.conversation_id == conversation_id)
    return call.third


def caller(center):
    return center.phone(sipp.caller_scenario([("stream", tone(center.workdir, CALLER_HZ)), ("pause", 1000),
                                              ("keys", "0")], hang_up=False, wait_bye_ms=90000),
                        "caller", background=True, timeout_s=120)


def test_warm_transfer_to_a_department_line_with_consultation(center):
    """The agent consults the department's line (an official's phone) while the caller hears hold
    music, then hands the caller over: the official takes the agent's place on the call."""
    agent = phone_of(center, "agent1", AGENT_HZ, "agent")
    official = phone_of(center, "official-mapo", THIRD_HZ, "official", available=False, hang_up_after_ms=4000)
    citizen = caller(center)
    call = connected_call(center, agent)
    csrf = login(center.client, "agent1")
    h = {"X-CSRF-Token": csrf}
    phones = center.client.get("/api/v1/voice/phones", headers=h).json()
    assert any(p["user_id"] == official and p["role"] == "official" and p["department"] for p in phones), phones
    time.sleep(2.0)
    r = center.client.post(f"/api/v1/voice/conversations/{call.conversation_id}/consult", json={"user_id": official},
                           headers=h)
    assert r.status_code == 202, r.text
    wait_event(center, call.conversation_id, "consult_answered")
    third = third_of(center, call.conversation_id)
    time.sleep(2.0)
    counts = rtp_counts(center, third.rtp_id)  # the agent and the official talk through their own relay
    assert counts.get(third.near_tag, 0) > 40 and counts.get(third.far_tag, 0) > 40, counts
    r = center.client.post(f"/api/v1/voice/conversations/{call.conversation_id}/consult/complete", headers=h)
    assert r.status_code == 200, r.text
    handed = time.time()
    assert center.phones[0].wait(timeout=30) == 0  # the agent's phone was released by the center
    assert citizen.wait(timeout=60) == 0  # the official hung up 4 s later: the caller got the BYE
    done = center.wait_for(lambda s: (c := s.get(VoiceCall, call.id)) is not None and c.recording_path and c,
                           what="recording")
    assert done.outcome == CallOutcome.COMPLETED
    events = kinds(center, call.conversation_id)
    names = [k for k, _ in events]
    assert names.index("consult") < names.index("consult_answered") < names.index("transferred") \
        < names.index("hangup"), names
    transfer = next(d for k, d in events if k == "transferred")
    assert transfer["warm"] is True and transfer["to_user_id"] == official and transfer["from_agent_id"] == agent
    with center.factory() as s:
        conv = s.get_one(Conversation, call.conversation_id)
        official_dept = s.get_one(User, official).department_id
        assert conv.status == "wrapup" and conv.agent_id == agent  # the agent writes the record
        assert conv.department_id == official_dept
    # What the citizen heard (right channel): the agent, then (after the hand-over) the official;
    # and the citizen was heard all along (left channel: the caller's own tone).
    path = center.app.state.settings.data_dir / done.recording_path
    assert abs(strongest_hz(heard(path, 0.5, 1.5, 1)) - AGENT_HZ) < 15
    after = offset(done, handed)
    assert abs(strongest_hz(heard(path, after + 0.5, after + 3.0, 1)) - THIRD_HZ) < 15
    assert abs(strongest_hz(heard(path, after + 0.5, after + 3.0, 0)) - CALLER_HZ) < 15


def test_a_consultation_the_agent_cancels_returns_to_the_caller(center):
    agent = phone_of(center, "agent1", AGENT_HZ, "agent", hang_up_after_ms=3000)
    colleague = phone_of(center, "agent2", THIRD_HZ, "colleague", available=False)
    citizen = caller(center)
    call = connected_call(center, agent)
    h = {"X-CSRF-Token": login(center.client, "agent1")}
    r = center.client.post(f"/api/v1/voice/conversations/{call.conversation_id}/consult",
                           json={"user_id": colleague}, headers=h)
    assert r.status_code == 202, r.text
    wait_event(center, call.conversation_id, "consult_answered")
    # a second consultation while one is under way is refused, and nothing changes
    again = center.client.post(f"/api/v1/voice/conversations/{call.conversation_id}/consult",
                               json={"user_id": colleague}, headers=h)
    assert again.status_code == 409, again.text
    time.sleep(1.0)
    r = center.client.post(f"/api/v1/voice/conversations/{call.conversation_id}/consult/cancel", headers=h)
    assert r.status_code == 200, r.text
    assert center.phones[1].wait(timeout=30) == 0  # the colleague's phone was released
    assert citizen.wait(timeout=60) == 0  # the agent, back with the caller, hung up 3 s later
    done = center.wait_for(lambda s: (c := s.get(VoiceCall, call.id)) is not None and c.recording_path and c,
                           what="recording")
    names = [k for k, _ in kinds(center, call.conversation_id)]
    assert "consult_ended" in names and "transferred" not in names
    with center.factory() as s:
        conv = s.get_one(Conversation, call.conversation_id)
        assert conv.agent_id == agent and conv.status == "wrapup"
    path = center.app.state.settings.data_dir / done.recording_path
    with wave.open(str(path)) as w:
        total = w.getnframes() / 8000
    assert abs(strongest_hz(heard(path, total - 2.0, total - 0.5, 1)) - AGENT_HZ) < 15  # the agent again


def test_consultation_refusals(center):
    agent = center.agent_phone("agent1", name="agent", talk=False, reinvites=True)
    citizen = caller(center)
    call = connected_call(center, agent)
    h = {"X-CSRF-Token": login(center.client, "agent1")}
    url = f"/api/v1/voice/conversations/{call.conversation_id}"
    no_phone = user_id(center, "official-recycling")  # has no phone
    assert center.client.post(f"{url}/consult", json={"user_id": no_phone}, headers=h).status_code == 422
    assert center.client.post(f"{url}/consult", json={"user_id": agent}, headers=h).status_code == 422
    assert center.client.post(f"{url}/consult/complete", headers=h).status_code == 409
    assert center.client.post(f"{url}/conference", json={}, headers=h).status_code == 422
    assert center.client.post(f"{url}/conference", json={"number": "not a number"}, headers=h).status_code == 422
    other = {"X-CSRF-Token": login(center.client, "agent2")}  # not this agent's call
    assert center.client.post(f"{url}/consult", json={"user_id": agent}, headers=other).status_code == 403
    assert [k for k, _ in kinds(center, call.conversation_id) if k.startswith("consult")] == []
    citizen.kill()
    citizen.wait()


@pytest.fixture
def bridge_up(voice_stack):
    if not voice_stack_module.janus_installed():
        pytest.skip("Janus is not installed (scripts/setup --tests installs it)")


def test_three_party_call_with_an_interpreter(center, bridge_up):
    """An interpreter (a colleague's phone) joins the call: each party hears both others."""
    agent = phone_of(center, "agent1", AGENT_HZ, "agent", hang_up_after_ms=4000)
    interpreter = phone_of(center, "agent-en1", THIRD_HZ, "interpreter", available=False)
    citizen = caller(center)
    call = connected_call(center, agent)
    h = {"X-CSRF-Token": login(center.client, "agent1")}
    r = center.client.post(f"/api/v1/voice/conversations/{call.conversation_id}/conference",
                           json={"user_id": interpreter}, headers=h)
    assert r.status_code == 202, r.text
    wait_event(center, call.conversation_id, "conference_answered")
    answered = time.time()
    third = third_of(center, call.conversation_id)
    time.sleep(3.0)
    counts = rtp_counts(center, third.rtp_id)  # the interpreter's relay: both ways
    assert counts.get(third.near_tag, 0) > 40 and counts.get(third.far_tag, 0) > 40, counts
    ended = time.time()
    r = center.client.post(f"/api/v1/voice/conversations/{call.conversation_id}/conference/end", headers=h)
    assert r.status_code == 200, r.text
    assert center.phones[1].wait(timeout=30) == 0  # the interpreter's phone was released
    assert citizen.wait(timeout=60) == 0
    done = center.wait_for(lambda s: (c := s.get(VoiceCall, call.id)) is not None and c.recording_path and c,
                           what="recording")
    names = [k for k, _ in kinds(center, call.conversation_id)]
    assert names.index("conference") < names.index("conference_answered") < names.index("conference_ended")
    # During the conference the citizen heard the agent and the interpreter mixed; afterwards the
    # agent alone again.
    path = center.app.state.settings.data_dir / done.recording_path
    after = offset(done, ended)

    def power(start: float, end: float, hz: int) -> tuple[float, float]:
        """(the strongest line within 10 Hz of `hz`, the spectrum's median) of what the citizen heard."""
        part = heard(path, start, end, 1).astype(np.float64)
        spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
        freqs = np.fft.rfftfreq(len(part), 1 / 8000)
        return float(spectrum[(freqs > hz - 10) & (freqs < hz + 10)].max()), float(np.median(spectrum))

    during = offset(done, answered) + 0.5, after - 0.2
    agent_in, floor = power(*during, AGENT_HZ)
    third_in, _ = power(*during, THIRD_HZ)
    third_after, _ = power(after + 1.0, after + 3.0, THIRD_HZ)
    caller_in, _ = power(*during, CALLER_HZ)
    assert agent_in > 20 * floor and third_in > 5 * floor, (agent_in, third_in, floor)
    assert third_in > 10 * third_after  # the interpreter is gone once the conference ends
    assert caller_in < 5 * floor  # no echo of the citizen's own voice from the room
    assert abs(strongest_hz(heard(path, after + 1.0, after + 3.0, 1)) - AGENT_HZ) < 15

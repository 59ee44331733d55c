"""A citizen calls the one number: menu, language, queue with spoken place in line, an agent's
phone answers, both parties recorded; abandonment and callbacks."""

from __future__ import annotations

import subprocess
import time
import wave

import numpy as np
from sqlalchemy import select

from dasan.conversations.models import ConsultationRecord, Conversation, ConversationEvent, Resolution
from dasan.voice import sipp
from dasan.voice.models import CallOutcome, VoiceCall
from dasan.voice.recording import channel_levels
from tests.conftest import login


def _tone(workdir):
    """A tone as an A-law WAV, for phones that talk all along (sipp's rtp_stream)."""
    tone = workdir / "tone.wav"
    if not tone.exists():
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", str(tone), "synth", "2", "sine", "440",
                        "vol", "0.5"], check=True)
    return tone


def _call(s, number: str = "120") -> VoiceCall | None:
    return s.scalar(select(VoiceCall).where(VoiceCall.to_number == number).order_by(VoiceCall.id.desc()))


def test_english_caller_reaches_an_agent_and_both_are_recorded(center):
    uid = center.agent_phone("agent-en1", answer_after_ms=300)
    started = time.monotonic()
    done = center.phone(sipp.caller_scenario([("pause", 1500), ("keys", "91"), ("pause", 6000), ("talk", None),
                                              ("pause", 9000)]), "caller")
    elapsed = time.monotonic() - started
    with center.factory() as s:
        row = _call(s)
        state = (row.outcome, row.reason, row.menu_path, row.prompts_played) if row else None
    assert done.returncode == 0, (state, done.stderr[-1500:])
    center.phones[0].wait(timeout=30)
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.recording_path and c, what="recording")
    assert call.menu_path == "91"
    assert call.lang == "en"
    assert call.outcome == CallOutcome.COMPLETED
    assert any(p.startswith("en:voice.queue.position") for p in call.prompts_played), call.prompts_played
    with center.factory() as s:
        conv = s.get_one(Conversation, call.conversation_id)
        assert conv.channel == "voice" and conv.queue_code == "lang-en" and conv.agent_id == uid
        kinds = [e.kind for e in s.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conv.id).order_by(ConversationEvent.id))]
        assert kinds[:2] == ["queued", "menu"] and "offered" in kinds and "accepted" in kinds and "hangup" in kinds
        assert conv.status == "wrapup"
    seconds, left, right = channel_levels(center.stack.workdir.parent / "x" if False else
                                          center.app.state.settings.data_dir / call.recording_path)
    talk_s = (call.ended_at - call.connected_at).total_seconds()
    assert abs(seconds - talk_s) <= 1.0, (seconds, talk_s)
    assert left > 100 and right > 100, (left, right)
    assert elapsed < 60


def test_caller_who_hangs_up_in_the_queue_is_recorded_as_abandoned(center):
    done = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "0"), ("pause", 4000)]), "caller")
    assert done.returncode == 0, done.stderr[-2000:]
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.ended_at and c, what="call end")
    assert call.outcome == CallOutcome.ABANDONED
    with center.factory() as s:
        record = s.scalar(select(ConsultationRecord).where(ConsultationRecord.conversation_id == call.conversation_id))
        assert record is not None and record.resolution == Resolution.ABANDONED and record.channel == "voice"
        assert 2.0 <= record.wait_s <= 8.0


def test_a_legacy_department_line_gets_its_menu_and_the_agent_sees_number_and_department(center):
    uid = center.agent_phone("agent1", answer_after_ms=200, hang_up_after_ms=1500, talk=False)
    done = center.phone(sipp.caller_scenario([("pause", 1500), ("keys", "1")], hang_up=False, wait_bye_ms=60000),
                        "legacy", service="0221332300")
    assert done.returncode == 0, done.stderr[-1500:]
    call = center.wait_for(lambda s: (c := _call(s, "0221332300")) is not None and c.ended_at and c, what="call end")
    assert call.prompts_played[:3] == ["ko:voice.welcome", "ko:voice.notice", "ko:voice.menu.department"]
    assert call.outcome == CallOutcome.COMPLETED and call.agent_id == uid
    with center.factory() as s:
        conv = s.get_one(Conversation, call.conversation_id)
        assert conv.dialled_number == "02-2133-2300" and conv.department_id is not None
    csrf = login(center.client, "agent1")
    got = center.client.get(f"/api/v1/conversations/{call.conversation_id}", headers={"X-CSRF-Token": csrf})
    assert got.status_code == 200, got.text
    assert got.json()["dialled_number"] == "02-2133-2300" and got.json()["department_name"] == "버스정책과"
    # the agent's phone was told too, in the INVITE
    assert "X-Dasan-Dialled: 0221332300" in (center.workdir / "agent.msg.log").read_text()
    csrf = login(center.client, "supervisor1")
    totals = center.client.get("/api/v1/reports/intervals?queue=general",
                               headers={"X-CSRF-Token": csrf}).json()["totals"]
    assert totals["offered"] == 1 and totals["answered"] == 1 and totals["answered_in_t"] == 1  # 15-s answer


def test_an_abandoned_call_is_on_the_wallboard_within_two_seconds(center):
    csrf = login(center.client, "supervisor1")
    snap = center.client.get("/api/v1/supervisor/snapshot", headers={"X-CSRF-Token": csrf}).json()
    before = snap["queues"]["general"]["today"]["abandoned"] if isinstance(snap["queues"], dict) else \
        next(q for q in snap["queues"] if q["code"] == "general")["today"]["abandoned"]
    done = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "0"), ("pause", 2500)]), "abandon")
    hung_up = time.monotonic()
    assert done.returncode == 0, done.stderr[-1500:]
    while True:
        snap = center.client.get("/api/v1/supervisor/snapshot", headers={"X-CSRF-Token": csrf}).json()
        queues = snap["queues"] if isinstance(snap["queues"], list) else list(snap["queues"].values())
        general = next(q for q in queues if q["code"] == "general")
        if general["today"]["abandoned"] == before + 1:
            break
        assert time.monotonic() - hung_up < 2.0, "the abandonment is not on the wallboard after 2 s"
        time.sleep(0.1)
    assert general["waiting"] == 0
    # and in the interval report, from the call's own times
    report = center.client.get("/api/v1/reports/intervals?queue=general", headers={"X-CSRF-Token": csrf}).json()
    assert report["totals"]["offered"] == 1 and report["totals"]["abandoned"] == 1
    assert report["totals"]["answered"] == 0


def test_an_agent_answering_mid_announcement_hears_the_caller_at_once(center):
    """The caller is in the middle of the place-in-line announcement when the agent answers: the
    prompt is cut and the caller's audio reaches the agent within 300 ms of the answer."""
    tone = _tone(center.workdir)
    uid = center.agent_phone("agent-en1", echo=True, available=False, answer_after_ms=1, hang_up_after_ms=3000,
                             talk=False)
    caller = center.phone(sipp.caller_scenario([("stream", tone), ("pause", 1000), ("keys", "0")], hang_up=False,
                                               wait_bye_ms=60000), "caller", background=True)
    queued = center.wait_for(lambda s: (c := _call(s)) is not None and c.queued_at and c, what="queued")
    time.sleep(2.0)  # the announcement (place, wait, callback offer: ~10 s) is playing
    center.available(uid)
    assert caller.wait(timeout=60) == 0
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.recording_path and c, what="recording")
    assert (call.connected_at - queued.queued_at).total_seconds() < 8.0  # well within the announcement
    assert any(p.endswith("voice.queue.comfort") for p in call.prompts_played)
    with wave.open(str(center.app.state.settings.data_dir / call.recording_path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    heard = np.flatnonzero(np.abs(frames[:, 1]) > 500)  # the agent's side: the caller's tone, echoed
    assert heard.size, "the agent never heard the caller"
    assert heard[0] / 8000 <= 0.3, f"first audio at the agent {heard[0] / 8000:.3f} s after the answer"


def test_a_callback_keeps_the_place_and_the_agent_reaches_the_citizen(center):
    """"1" in the queue, the caller hangs up; at its turn the agent's phone rings, answers, and the
    center dials the citizen at the caller-ID number; both are recorded."""
    tone = _tone(center.workdir)
    citizen = center.phone(sipp.agent_scenario(user="citizen", answer_after_ms=500, stream=tone), "citizen",
                           background=True, citizen=False, port=center.outbound_port,
                           extra=["-trace_msg", "-message_file", str(center.workdir / "citizen.msg.log")])
    caller = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "0"), ("pause", 1500), ("keys", "1")],
                                               hang_up=False, wait_bye_ms=40000), "caller")
    assert caller.returncode == 0, caller.stderr[-1500:]  # the center said goodbye after taking the callback
    inbound = center.wait_for(lambda s: (c := _call(s)) is not None and c.ended_at and c, what="inbound end")
    assert inbound.outcome == CallOutcome.CALLBACK
    assert "ko:voice.queue.callback_taken" in inbound.prompts_played
    with center.factory() as s:
        conv = s.get_one(Conversation, inbound.conversation_id)
        assert conv.status == "queued" and conv.callback_number  # keeps its place
    uid = center.agent_phone("agent1", answer_after_ms=300, hang_up_after_ms=16000, stream=tone)
    assert citizen.wait(timeout=60) == 0
    out = center.wait_for(lambda s: s.scalar(select(VoiceCall).where(VoiceCall.direction == "out",
                                                                      VoiceCall.recording_path != "")),
                          what="the callback's recording")
    assert out.conversation_id == inbound.conversation_id and out.agent_id == uid
    assert out.to_number == "+821012345678" and out.outcome == CallOutcome.COMPLETED
    assert "INVITE sip:01012345678@" in (center.workdir / "citizen.msg.log").read_text()  # dialled nationally
    seconds, left, right = channel_levels(center.app.state.settings.data_dir / out.recording_path)
    assert left > 100 and right > 100 and seconds > 3
    with center.factory() as s:
        events = [e.kind for e in s.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == inbound.conversation_id))]
    assert "citizen_answered" in events
    with center.factory() as s:
        assert s.get_one(Conversation, inbound.conversation_id).status == "wrapup"


def test_an_agent_dials_a_citizen_from_the_softphone(center):
    uid, user, password = center.agent("agent2")
    citizen = center.phone(sipp.agent_scenario(user="citizen", answer_after_ms=300, stream=_tone(center.workdir)),
                           "citizen", background=True, citizen=False, port=center.outbound_port)
    done = center.phone(sipp.agent_dial_scenario(user=user, password=password, talk_ms=12000,
                                                 stream=_tone(center.workdir)), "dial",
                        citizen=False, service="010-9876-5432")
    assert done.returncode == 0, done.stderr[-1500:]
    assert citizen.wait(timeout=30) == 0
    out = center.wait_for(lambda s: s.scalar(select(VoiceCall).where(VoiceCall.direction == "out",
                                                                      VoiceCall.recording_path != "")),
                          what="the outbound call's recording")
    assert out.agent_id == uid and out.to_number == "+821098765432" and out.outcome == CallOutcome.COMPLETED
    with center.factory() as s:
        conv = s.get_one(Conversation, out.conversation_id)
        assert conv.channel == "voice" and conv.agent_id == uid and conv.status == "wrapup"
    _, left, right = channel_levels(center.app.state.settings.data_dir / out.recording_path)
    assert left > 100 and right > 100


def test_dialling_out_needs_the_agents_credentials(center):
    _, user, _ = center.agent("agent2")
    done = center.phone(sipp.agent_dial_scenario(user=user, password="wrong-password"), "dial-wrong",
                        citizen=False, service="01098765432", timeout_s=8)
    assert done.returncode != 0
    with center.factory() as s:
        assert s.scalar(select(VoiceCall).where(VoiceCall.direction == "out")) is None


def test_blind_transfer_to_another_queue_reaches_the_next_agent(center):
    first = center.agent_phone("agent1", name="first", talk=False)  # talks until the center hangs up
    done = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "0"), ("talk", None)], hang_up=False,
                                             wait_bye_ms=60000), "caller", background=True)
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.connected_at and c, what="first answer")
    assert call.agent_id == first
    second = center.agent_phone("agent-en1", name="second", answer_after_ms=300, hang_up_after_ms=2000, talk=True)
    csrf = login(center.client, "agent1")
    r = center.client.post(f"/api/v1/conversations/{call.conversation_id}/transfer",
                           json={"to_queue": "lang-en", "note": "English speaker"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert center.phones[0].wait(timeout=30) == 0  # the first agent's phone was hung up by the center
    assert done.wait(timeout=60) == 0  # the second agent hung up: the caller got the BYE
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.recording_path and c, what="recording")
    assert call.outcome == CallOutcome.COMPLETED
    with center.factory() as s:
        conv = s.get_one(Conversation, call.conversation_id)
        assert conv.agent_id == second and conv.queue_code == "lang-en" and conv.status == "wrapup"
        kinds = [e.kind for e in s.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conv.id).order_by(ConversationEvent.id))]
    assert kinds.index("transferred") < len(kinds) - 1 - kinds[::-1].index("accepted")


def test_a_caller_without_caller_id_keys_in_the_callback_number(center):
    done = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "0"), ("pause", 1500), ("keys", "1"),
                                              ("pause", 7000), ("keys", "01023456789#")],
                                             caller="anonymous", hang_up=False, wait_bye_ms=40000), "keyed")
    assert done.returncode == 0, done.stderr[-1500:]  # the center said goodbye after taking the number
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.ended_at and c, what="call end")
    assert call.outcome == CallOutcome.CALLBACK
    assert "ko:voice.queue.callback_enter_number" in call.prompts_played
    with center.factory() as s:
        conv = s.get_one(Conversation, call.conversation_id)
        # (sipp replays one recording per key: the same key twice in a row would carry the same
        # RTP timestamp, which a relay rightly takes for one press — hence no repeated digits)
        assert conv.callback_number == "010-2345-6789" and conv.status == "queued"


def test_keys_sent_as_sip_info_walk_the_menu(center):
    """A carrier that sends the caller's keys as SIP INFO instead of in the audio: 9 then 1 is
    English all the same."""
    center.agent_phone("agent-en1", answer_after_ms=300)
    done = center.phone(sipp.caller_scenario([("pause", 1500), ("info", "91"), ("pause", 6000)]), "caller")
    assert done.returncode == 0, done.stderr[-1500:]
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.ended_at and c, what="call end")
    assert call.menu_path == "91" and call.lang == "en", (call.menu_path, call.prompts_played)


def test_a_callback_a_department_asks_for_is_dialled_out(center):
    """An official asks the center to call a case's citizen back: at its turn the agent's phone
    rings, the center dials the citizen's number, both are recorded on the callback's contact."""
    from dasan.cases.actions import do_open_case, do_request_callback
    from dasan.cases.models import CaseType
    from dasan.orgs.models import User

    tone = _tone(center.workdir)
    citizen = center.phone(sipp.agent_scenario(user="citizen", answer_after_ms=300, stream=tone), "citizen",
                           background=True, citizen=False, port=center.outbound_port,
                           extra=["-trace_msg", "-message_file", str(center.workdir / "citizen.msg.log")])
    with center.factory() as s:
        official = s.scalar(select(User).where(User.username == "official-mapo"))
        case = do_open_case(session=s, ctype=s.scalar(select(CaseType).where(CaseType.code == "bulky-waste")),
                            title="냉장고 수거 요청", district_code="mapo", contact_phone="010-5555-0123",
                            actor=official)
        conv_id = do_request_callback(session=s, case=case, official=official, note="수거 시간 조율").id
        s.commit()
    uid = center.agent_phone("agent1", answer_after_ms=300, hang_up_after_ms=14000, stream=tone)
    assert citizen.wait(timeout=60) == 0
    out = center.wait_for(lambda s: s.scalar(select(VoiceCall).where(VoiceCall.direction == "out",
                                                                      VoiceCall.recording_path != "")),
                          what="the callback's recording")
    assert out.conversation_id == conv_id and out.agent_id == uid and out.outcome == CallOutcome.COMPLETED
    assert out.to_number == "+821055550123"
    assert "INVITE sip:01055550123@" in (center.workdir / "citizen.msg.log").read_text()
    _, left, right = channel_levels(center.app.state.settings.data_dir / out.recording_path)
    assert left > 100 and right > 100


def test_the_notice_comes_before_the_menu_and_protect_ends_the_call_with_the_warning(center):
    """M17 on a call: the center's notice (recorded, abuse prohibited) before the menu; the agent's
    warning is played to the caller; "protect" releases the agent within 2 s, the caller hears
    why and the line is cleared once it has been said; an incident and a recovery break follow."""
    from dasan.protect.models import AbuseIncident
    from dasan.routing.models import AgentStatus

    uid = center.agent_phone("agent1", answer_after_ms=200)
    caller = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "0"), ("stream", str(_tone(center.workdir)))],
                                               hang_up=False, wait_bye_ms=60000), "caller", background=True)
    conv_id = center.wait_for(lambda s: (c := _call(s)) is not None and c.outcome == CallOutcome.CONNECTED
                              and c.conversation_id, what="the agent on the call")
    h = {"X-CSRF-Token": login(center.client, "agent1")}
    r = center.client.post(f"/api/v1/protect/conversations/{conv_id}/warn", headers=h)
    assert r.status_code == 200 and r.json()["step"] == "warning_1", r.text
    time.sleep(1.0)
    pressed = time.time()
    r = center.client.post(f"/api/v1/protect/conversations/{conv_id}/protect", headers=h)
    released_s = time.time() - pressed
    assert r.status_code == 200 and r.json()["step"] == "end", r.text
    print(f"protect: agent released in {released_s:.3f} s")
    assert released_s <= 2.0, released_s  # the agent is out of the call, the caller hearing why
    assert caller.wait(timeout=30) == 0, caller.stderr.read()[-1500:]
    call = center.wait_for(lambda s: (c := _call(s)) is not None and c.ended_at and c, what="call end")
    played = call.prompts_played
    menu_at = next(i for i, p in enumerate(played) if p.startswith("ko:voice.menu"))
    assert played.index("ko:voice.notice") < menu_at
    assert played.index("ko:voice.protect.warning_1") < played.index("ko:voice.protect.ended")
    # The line is cleared once the notice has been said (its length and a moment more; the first
    # time a language's notice is needed here it is synthesised, which a running server does at start).
    print(f"protect: line cleared {call.ended_at.timestamp() - pressed:.3f} s after the press")
    assert call.outcome == CallOutcome.COMPLETED and call.reason == "ended for abuse"
    with center.factory() as s:
        conv = s.get_one(Conversation, conv_id)
        assert conv.status == "wrapup"
        incident = s.scalars(select(AbuseIncident).where(AbuseIncident.conversation_id == conv_id)).one()
        assert incident.kind == "protect" and incident.channel == "voice" and incident.warnings == 1
        assert s.get_one(AgentStatus, uid).presence == "break"
    assert center.phones[0].wait(timeout=10) == 0  # the agent's phone was hung up cleanly

"""Bad input and abuse of the telephone service: each refusal ends cleanly, and with a record
where a call was made."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid

from sqlalchemy import select

from dasan.conversations.models import Conversation
from dasan.voice import sipp
from dasan.voice.actions import do_save_menu
from dasan.voice.models import CallOutcome, VoiceCall
from dasan.voice.stack import rpc


def _request(target_port: int, method: str, ruri: str, *, src: tuple[str, int] = ("127.0.0.1", 0),
             headers: str = "", body: str = "", wait_s: float = 1.0) -> list[str]:
    """Send one SIP request from `src`; return the status lines of the answers."""
    call_id = uuid.uuid4().hex
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(src)
        host, port = s.getsockname()
        msg = (f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{port};branch=z9hG4bK{call_id}\r\n"
               f"From: <sip:01099998888@{host}>;tag=t{call_id[:8]}\r\nTo: <{ruri}>\r\nCall-ID: {call_id}\r\n"
               f"CSeq: 1 {method}\r\nContact: <sip:01099998888@{host}:{port}>\r\nMax-Forwards: 70\r\n{headers}"
               f"Content-Length: {len(body.encode())}\r\n\r\n{body}")
        s.sendto(msg.encode(), ("127.0.0.1", target_port))
        s.settimeout(wait_s)
        out = []
        try:
            while True:
                out.append(s.recv(65536).decode(errors="replace").split("\r\n", 1)[0])
        except OSError:
            pass
    return out


SDP = ("v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")


def test_registration_needs_the_agents_own_credentials(center):
    _, user, password = center.agent("agent1")
    _, other, _ = center.agent("agent2")
    port = 0
    wrong = center.phone(sipp.register_scenario(user=user, password="not-the-password", contact_port=5999),
                         "wrong", citizen=False, timeout_s=8)
    assert wrong.returncode != 0
    # agent1's credentials, registering agent2's number: refused (403), not registered
    forged = sipp.register_scenario(user=user, password=password, contact_port=5999).replace(
        f"<sip:{user}@dasan>", f"<sip:{other}@dasan>")
    done = center.phone(forged, "forged", citizen=False, timeout_s=8)
    assert done.returncode != 0 and "403" in (center.workdir / "forged.errors.log").read_text()
    contacts = rpc(center.stack.ports.rpc, "ul.dump")
    assert user not in str(contacts) and other not in str(contacts), port


def test_calls_from_outside_the_trunks_must_authenticate(center):
    answers = _request(center.stack.ports.sip, "INVITE", "sip:120@127.0.0.1", body=SDP,
                       headers="Content-Type: application/sdp\r\n")
    assert any(a.startswith("SIP/2.0 407") for a in answers), answers
    with center.factory() as s:
        assert s.scalar(select(VoiceCall)) is None  # never reached the center


def test_an_unknown_dialled_number_is_refused_with_a_record(center):
    done = center.phone(sipp.caller_scenario([("pause", 500)]), "unknown", service="99999", timeout_s=10)
    assert done.returncode != 0 and "404" in (center.workdir / "unknown.errors.log").read_text()
    call = center.wait_for(lambda s: s.scalar(select(VoiceCall).where(VoiceCall.to_number == "99999")),
                           what="refused call record")
    assert call.outcome == CallOutcome.REFUSED and call.reason == "unknown dialled number" and call.ended_at


def test_malformed_sip_is_dropped_and_the_service_goes_on(center):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for junk in (b"\x00\xff" * 300, b"INVITE\r\n\r\n", b"SIP/2.0 200 OK\r\nVia: x\r\n\r\n",
                     b"INVITE sip:120@x SIP/2.0\r\nContent-Length: 99999\r\n\r\nv=0"):
            s.sendto(junk, ("127.0.0.1", center.stack.ports.sip))
            s.sendto(junk, ("127.0.0.1", center.stack.ports.controller))
    time.sleep(0.5)
    assert _request(center.stack.ports.sip, "OPTIONS", "sip:127.0.0.1")[0].startswith("SIP/2.0 200")
    done = center.phone(sipp.caller_scenario([("pause", 1500)]), "after-junk")
    assert done.returncode == 0, done.stderr[-1500:]


def test_dtmf_garbage_and_silence_end_with_an_agent_queue_and_a_record(center):
    with center.factory() as s:  # a short menu: one try, one second to answer
        do_save_menu(session=s, code="main", name="short", tree={
            "start": "main", "nodes": {"main": {"prompt": "voice.menu.invalid", "timeout_s": 1, "retries": 1,
                                                "options": {"1": {"queue": "lang-en"}}}}})
        s.commit()
    done = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "*#"), ("pause", 3000)]), "garbage")
    assert done.returncode == 0, done.stderr[-1500:]
    call = center.wait_for(lambda s: (c := s.scalar(select(VoiceCall).order_by(VoiceCall.id.desc()))) and c.ended_at
                           and c, what="garbage call end")
    assert call.menu_path == "*#" and call.conversation_id is not None  # fell through to the operator
    assert call.prompts_played.count("ko:voice.menu.invalid") >= 2
    done = center.phone(sipp.caller_scenario([("pause", 28000)]), "silent")  # welcome, notice, menu, twice silence
    assert done.returncode == 0, done.stderr[-1500:]
    call = center.wait_for(lambda s: (c := s.scalar(select(VoiceCall).order_by(VoiceCall.id.desc()))) and c.ended_at
                           and c.id != call.id and c, what="silent call end")
    assert call.menu_path == "--" and call.outcome == CallOutcome.ABANDONED and call.conversation_id is not None
    assert "ko:voice.menu.no_input" in call.prompts_played


def test_control_ports_listen_on_loopback_only(center):
    """rtpengine's control port, Kamailio's RPC, the SIP ports and Janus's websocket are bound to
    127.0.0.1; Janus's admin API and HTTP transport are not loaded at all."""
    udp = subprocess.run(["ss", "-H", "-lun"], capture_output=True, text=True).stdout
    for port in (center.stack.ports.ng, center.stack.ports.rpc, center.stack.ports.sip, center.stack.ports.controller):
        lines = [line for line in udp.splitlines() if f":{port} " in line]
        assert lines and all("127.0.0.1:" in line for line in lines), (port, lines)
    janus_log = center.stack.workdir / "janus.log"
    if janus_log.exists():
        tcp = subprocess.run(["ss", "-H", "-ltnp"], capture_output=True, text=True).stdout
        janus = [line for line in tcp.splitlines() if '"janus"' in line]
        assert janus and all("127.0.0.1:" in line for line in janus), janus
        assert not any(f":{p} " in line for line in janus for p in (7088, 7188, 8088, 8089)), janus  # admin, http
        assert "libjanus_http.so' has been disabled" in janus_log.read_text()  # no HTTP (nor its admin API)


def test_a_flood_from_one_source_is_cut_off(center):
    """pike: past 40 requests in 2 s from one address, Kamailio stops answering it."""
    answered = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.2", 0))
        host, port = s.getsockname()
        for i in range(150):  # a burst, as a scanner sends it
            msg = (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{port};branch=z9hG4bKf{i}\r\n"
                   f"From: <sip:x@{host}>;tag=f\r\nTo: <sip:127.0.0.1>\r\nCall-ID: flood-{i}\r\nCSeq: 1 OPTIONS\r\n"
                   "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
            s.sendto(msg.encode(), ("127.0.0.1", center.stack.ports.sip))
        s.settimeout(0.5)
        try:
            while True:
                s.recv(4096)
                answered += 1
        except OSError:
            pass
    assert 20 <= answered < 100, answered
    # the legitimate trunk is untouched
    assert _request(center.stack.ports.sip, "OPTIONS", "sip:127.0.0.1")[0].startswith("SIP/2.0 200")


def test_a_deactivated_agent_can_no_longer_register(center):
    from dasan.db.engine import session_scope
    from dasan.orgs.models import User

    uid, user, password = center.agent("agent3")
    with session_scope(center.factory) as s:
        s.get_one(User, uid).active = False
    center.app.state.voice.sync_kamailio()
    done = center.phone(sipp.register_scenario(user=user, password=password, contact_port=5999), "deactivated",
                        citizen=False, timeout_s=8)
    assert done.returncode != 0 and "403" in (center.workdir / "deactivated.errors.log").read_text()


def test_a_phone_that_vanishes_without_a_bye_ends_with_a_record(center):
    """The media relay drops a call whose phone stopped sending; the controller ends it."""
    from dasan.voice.ng import NgClient
    from tests.conftest import run_async

    caller = center.phone(sipp.caller_scenario([("pause", 1000), ("keys", "0")], hang_up=False, wait_bye_ms=60000),
                          "vanishing", background=True)
    call = center.wait_for(lambda s: (c := s.scalar(select(VoiceCall).order_by(VoiceCall.id.desc())))
                           and c.queued_at and c, what="queued")
    caller.kill()  # the phone is gone; no BYE
    caller.wait()

    async def drop() -> None:  # what rtpengine's timeout does after a minute of silence
        ng = NgClient(("127.0.0.1", center.stack.ports.ng))
        await ng.start()
        await ng.command("delete", call_id=call.sip_call_id)
        await ng.stop()

    run_async(drop())  # in a thread of its own: a browser test may hold the main thread's loop
    ended = center.wait_for(lambda s: (c := s.get(VoiceCall, call.id)) is not None and c.ended_at and c,
                            timeout_s=30, what="the reaper")
    assert ended.outcome == CallOutcome.ABANDONED and ended.reason == "the caller's media stopped"


def test_calls_held_before_a_restart_are_ended_when_the_controller_starts(center):
    from dasan.conversations.models import Conversation
    from dasan.db.engine import session_scope
    from dasan.voice.actions import do_begin_call, do_enqueue_call

    with session_scope(center.factory) as s:
        call = do_begin_call(session=s, sip_call_id="before-restart", from_number="01055556666", to_number="120")
        queued = do_enqueue_call(session=s, call_id=call.id, queue_code="general", lang="ko", menu_path="0")
    voice = center.app.state.voice

    async def restart() -> None:
        await voice.stop()
        await voice.start()

    center.client.portal.call(restart)  # in the app's own event loop
    with center.factory() as s:
        row = s.get_one(VoiceCall, call.id)
        assert row.ended_at is not None and row.outcome == CallOutcome.ABANDONED
        assert row.reason == "the call controller restarted"
        assert s.get_one(Conversation, queued.conversation_id).status == "closed"


def test_a_call_that_ends_while_the_menu_decides_never_becomes_a_waiting_contact(center):
    """The caller hangs up just as their key is being taken (the key's step was waiting on rtpengine):
    the call ends with a record and no contact is queued for a call nobody holds — such a contact
    would be offered to agent after agent, each set not-ready when the phone never rang."""
    from dasan.voice import menu

    caller = center.phone(sipp.caller_scenario([], hang_up=False, wait_bye_ms=20000), "caller",
                          background=True)
    voice = center.app.state.voice
    deadline = time.monotonic() + 10
    while not voice.calls:
        assert time.monotonic() < deadline, "the call did not arrive"
        time.sleep(0.05)
    call = next(iter(voice.calls.values()))

    async def race() -> None:
        await voice._hang_up(call, by="caller", reason="")  # the hang-up wins …
        await voice._run(call, [menu.Enqueue("general")])  # … over what the key decided just before

    voice.submit(race())
    assert caller.wait(timeout=20) == 0  # the caller got the center's BYE
    ended = center.wait_for(lambda s: (c := s.get(VoiceCall, call.record_id)) is not None and c.ended_at and c,
                            what="the call's end")
    time.sleep(0.5)
    with center.factory() as s:
        row = s.get_one(VoiceCall, call.record_id)
        assert row.conversation_id is None and row.outcome != CallOutcome.QUEUED, (row.outcome, row.conversation_id)
        assert not s.scalars(select(Conversation).where(Conversation.channel == "voice",
                                                        Conversation.status == "queued")).first()
    assert ended and call.phase == "ended" and call.announcer is None

"""The pure parts of voice: the menu machine, bencode, spoken numbers, G.711 decoding."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.core.errors import Invalid
from dasan.voice import bencode, menu
from dasan.voice.recording import DECODERS, Packet, channel_levels, read_pcap, to_stereo_wav
from dasan.voice.sipstack import info_key
from dasan.voice.speech import Number, Text, minutes_to_say, number_text, pieces

TREE = menu.default_tree(languages=("ko", "en", "zh", "ja", "vi", "mn"), operator_queue="general",
                         queue_of_lang={"en": "lang-en", "zh": "lang-zh", "ja": "lang-ja", "vi": "lang-vi",
                                        "mn": "lang-mn"})
MENU = menu.parse(TREE)


def _walk(keys: str) -> tuple[menu.State, list[menu.Effect]]:
    state, effects = menu.start(MENU)
    out = list(effects)
    for k in keys:
        state, more = menu.press(MENU, state, k)
        out += more
    return state, out


def test_nine_then_one_is_english_in_the_english_line():
    state, effects = _walk("91")
    assert state.done and state.path == ("9", "1")
    assert menu.SetLang("en") in effects and effects[-1] == menu.Enqueue("lang-en")


def test_nine_then_five_is_mongolian():
    _, effects = _walk("95")
    assert menu.SetLang("mn") in effects and effects[-1] == menu.Enqueue("lang-mn")


def test_zero_reaches_an_agent_from_any_node_even_when_the_menu_does_not_say_so():
    _, effects = _walk("90")  # the language node has no "0" option
    assert effects[-1] == menu.Enqueue("general")


def test_invalid_key_replays_then_falls_to_the_operator():
    state, effects = _walk("7")
    assert not state.done and menu.Play("voice.menu.invalid") in effects and state.tries == 1
    state, effects = menu.press(MENU, state, "7")
    assert state.done and effects[-1] == menu.Enqueue("general")


def test_a_caller_who_never_presses_reaches_an_agent_after_the_retries():
    state, _ = menu.start(MENU)
    state, effects = menu.silence(MENU, state)
    assert menu.Play("voice.menu.no_input") in effects and not state.done
    state, effects = menu.silence(MENU, state)
    assert state.done and effects[-1] == menu.Enqueue("general")


def test_information_then_back_to_the_menu():
    state, effects = _walk("8")
    assert menu.Play("voice.info.hours") in effects and state.node == "main" and not state.done


@given(st.lists(st.sampled_from(list("0123456789*#") + ["A", "?", "", "12", "\x00"]), max_size=30),
       st.lists(st.booleans(), max_size=30))
@settings(max_examples=300, deadline=None)
def test_any_keys_and_silences_end_in_a_queue_or_keep_listening(keys, silences):
    """Whatever a caller does, the menu never fails and never ends without a queue, a hang-up
    after information, or a prompt to listen to."""
    state, effects = menu.start(MENU)
    steps = 0
    for k, quiet in zip(keys, silences + [False] * len(keys), strict=False):
        if state.done:
            break
        state, effects = menu.silence(MENU, state) if quiet else menu.press(MENU, state, k)
        steps += 1
        assert effects, "every step says or does something"
        assert isinstance(effects[-1], (menu.Listen, menu.Enqueue, menu.Hangup))
    assert state.tries <= max(n.retries for n in MENU.nodes.values())


@given(st.dictionaries(st.sampled_from(list("0123456789*#")), st.sampled_from(["general", "lang-en"]), max_size=12))
def test_to_data_round_trips(options):
    tree = {"start": "a", "nodes": {"a": {"prompt": "voice.menu.main",
                                           "options": {k: {"queue": q} for k, q in options.items()}}}}
    parsed = menu.parse(tree)
    assert menu.parse(menu.to_data(parsed)) == parsed


@pytest.mark.parametrize("tree, message", [
    ([], "a menu must be an object with 'start' and 'nodes'"),
    ({"start": "x", "nodes": {}}, "a menu needs at least one node in 'nodes'"),
    ({"start": "x", "nodes": {"a": {"prompt": "p"}}}, "the start node 'x' is not one of the nodes"),
    ({"start": "a", "nodes": {"a": {"prompt": "p", "options": {"11": {"queue": "general"}}}}},
     "node 'a': '11' is not a telephone key (0-9, *, #)"),
    ({"start": "a", "nodes": {"a": {"prompt": "p", "options": {"1": {"go": "b"}}}}}, "node 'a', key 1: no node 'b'"),
    ({"start": "a", "nodes": {"a": {"prompt": "p", "options": {"1": {"queue": "q", "go": "a"}}}}},
     "node 'a', key 1: give exactly one of go, queue, info, hangup"),
    ({"start": "a", "nodes": {"a": {"prompt": "p", "options": {"1": {"queue": "nope"}}}}},
     "node 'a', key 1: unknown queue 'nope'"),
    ({"start": "a", "nodes": {"a": {"prompt": "p", "timeout_s": 0}}},
     "node 'a': timeout_s must be between 1 and 60 seconds"),
    ({"start": "a", "nodes": {"a": {"prompt": "p", "options": {"1": {"lang": "fr", "queue": "general"}}}}},
     "node 'a', key 1: the center does not serve language 'fr'"),
])
def test_bad_menus_are_refused_with_the_reason(tree, message):
    with pytest.raises(Invalid) as e:
        menu.parse(tree, queues={"general", "lang-en"}, langs={"ko", "en"})
    assert str(e.value) == message


values = st.recursive(
    st.integers(min_value=-(2**40), max_value=2**40) | st.binary(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)


def _as_decoded(v):
    if isinstance(v, dict):
        return {k: _as_decoded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_as_decoded(x) for x in v]
    return v


@given(values)
def test_bencode_round_trips(v):
    assert bencode.decode(bencode.encode(v)) == _as_decoded(v)


def test_bencode_reads_rtpengine_unsorted_keys_and_refuses_garbage():
    assert bencode.decode(b"d6:result2:ok3:sdp3:v=0e") == {"result": b"ok", "sdp": b"v=0"}
    assert bencode.decode(b"d3:sdp1:x6:result2:oke")["result"] == b"ok"
    for bad in (b"d3:sdp", b"i12", b"5:ab", b"x", b"d1:ai1ee!"):
        with pytest.raises(bencode.BencodeError):
            bencode.decode(bad)


def test_messages_split_at_numbers_for_concatenation():
    assert pieces("You are number {n} in line.", {"n": 3}) == [Text("You are number"), Number(3), Text("in line.")]
    assert pieces("고객님의 대기 순서는 {n}번째입니다.", {"n": 250}) == [Text("고객님의 대기 순서는"), Number(99),
                                                                Text("번째입니다.")]
    assert pieces("{department} 전화는 {center}로", {"department": "버스정책과", "center": "120"}) == [
        Text("버스정책과 전화는 120로")]


@pytest.mark.parametrize("value, text", [(0, "тэг"), (7, "долоо"), (10, "арав"), (15, "арван тав"),
                                         (40, "дөч"), (99, "ерэн ес")])
def test_mongolian_numbers_are_written_out(value, text):
    assert number_text(value, "mn") == text
    assert number_text(value, "ko") == str(value)


@pytest.mark.parametrize("wait_s, minutes", [(None, None), (30, None), (60, 1), (61, 2), (600, 10), (10**6, 99)])
def test_minutes_announced_round_up(wait_s, minutes):
    assert minutes_to_say(wait_s) == minutes


def _encode_ulaw(sample: int) -> int:
    """G.711 µ-law encoder (reference, for the decoder test)."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), clip) + bias
    exponent = max(0, sample.bit_length() - 8)
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def test_g711_tables_decode_within_quantisation_error():
    for s in range(-32000, 32000, 97):
        decoded = int(DECODERS[0][_encode_ulaw(s)])
        assert abs(decoded - s) <= max(16, abs(s) // 16), (s, decoded)
    assert DECODERS[8][0xD5] in (8, -8) and DECODERS[0][0xFF] == 0


def _pcap(path: Path, packets: list[tuple[float, tuple[str, int], tuple[str, int], int, bytes]]) -> None:
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
    for t, src, dst, pt, payload in packets:
        rtp = bytes([0x80, pt]) + b"\x00\x01" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x01" + payload
        udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(rtp), 0) + rtp
        ip = bytes([0x45, 0]) + struct.pack("!H", 20 + len(udp)) + b"\x00\x00\x00\x00\x40\x11\x00\x00" + \
            bytes(int(x) for x in src[0].split(".")) + bytes(int(x) for x in dst[0].split(".")) + udp
        sec = int(t)
        out += struct.pack("<IIII", sec, int((t - sec) * 1e6), len(ip), len(ip)) + ip
    path.write_bytes(bytes(out))


def test_recording_puts_each_party_on_its_channel_at_its_time(tmp_path):
    tone = bytes(_encode_ulaw(int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(160))
    relay_citizen, relay_agent = ("127.0.0.1", 30000), ("127.0.0.1", 30002)
    packets = [(1000.0 + i * 0.02, ("10.0.0.1", 6000), relay_citizen, 0, tone) for i in range(50)]  # 1 s citizen
    packets += [(1002.0 + i * 0.02, ("10.0.0.2", 6000), relay_agent, 0, tone) for i in range(50)]  # then 1 s agent
    packets += [(1002.5, ("10.0.0.1", 6000), relay_citizen, 101, b"\x01\x0a\x00\xa0")]  # DTMF: not audio
    _pcap(tmp_path / "c.pcap", packets)
    read = read_pcap(tmp_path / "c.pcap")
    assert len(read) == 101 and isinstance(read[0], Packet)
    seconds = to_stereo_wav(read, relay_citizen, tmp_path / "c.wav", span=(1000.0, 1004.0))
    assert seconds == pytest.approx(4.0, abs=0.01)
    duration, left, right = channel_levels(tmp_path / "c.wav")
    assert duration == pytest.approx(4.0, abs=0.01) and left > 1000 and right > 1000
    with wave.open(str(tmp_path / "c.wav")) as w:
        frames = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    left_ch, right_ch = samples[0::2], samples[1::2]
    assert max(map(abs, left_ch[:8000])) > 5000 and max(map(abs, right_ch[:8000])) == 0  # first second: citizen only
    assert max(map(abs, left_ch[16000:24000])) == 0 and max(map(abs, right_ch[16000:24000])) > 5000


def _info(content_type: str, body: str):
    from aiosipua import SipMessage

    raw = (f"INFO sip:agent@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
           f"From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c1\r\nCSeq: 3 INFO\r\n"
           f"Content-Type: {content_type}\r\nContent-Length: {len(body.encode())}\r\n\r\n{body}")
    return SipMessage.parse(raw.encode())


@given(st.sampled_from("0123456789*#ABCD"), st.integers(min_value=40, max_value=5000))
def test_a_key_sent_as_sip_info_is_read_in_either_format(key, duration):
    assert info_key(_info("application/dtmf-relay", f"Signal={key}\r\nDuration={duration}\r\n")) == key
    assert info_key(_info("application/dtmf", key)) == key


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/dtmf-relay", "Duration=250"),  # no key
    ("application/dtmf-relay", "Signal=55"),  # not one key
    ("application/dtmf-relay", "Signal=x"),
    ("application/media_control+xml", "<media_control/>"),  # another kind of INFO
    ("text/plain", "5"),
])
def test_an_info_that_is_not_one_key_is_not_taken_for_one(content_type, body):
    assert info_key(_info(content_type, body)) is None


def test_signal_ten_and_eleven_are_star_and_pound():
    assert info_key(_info("application/dtmf-relay", "Signal=10")) == "*"
    assert info_key(_info("application/dtmf-relay", "Signal=11")) == "#"

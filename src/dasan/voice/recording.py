"""A call's recording as people listen to it: rtpengine writes the packets it relayed (pcap, one
file per call); after the call this turns them into a two-channel WAV — the citizen on the left,
the agent on the right — placing each packet at its arrival time, so silence stays silence and
the two parties stay in step. Runs once per call, after it ends, in a worker thread."""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import numpy as np

from dasan.voice.wavfile import RATE, write_wav


def _ulaw_table() -> np.ndarray:
    out = np.zeros(256, dtype=np.int16)
    for i in range(256):
        u = ~i & 0xFF
        sign, exponent, mantissa = u & 0x80, (u >> 4) & 7, u & 0x0F
        s = (((mantissa << 3) + 0x84) << exponent) - 0x84
        out[i] = -s if sign else s
    return out


def _alaw_table() -> np.ndarray:
    out = np.zeros(256, dtype=np.int16)
    for i in range(256):
        a = i ^ 0x55
        sign, exponent, mantissa = a & 0x80, (a >> 4) & 7, a & 0x0F
        s = (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
        out[i] = s if sign else -s
    return out


DECODERS = {0: _ulaw_table(), 8: _alaw_table()}  # RTP payload types: PCMU, PCMA


@dataclass(frozen=True)
class Packet:
    t: float  # arrival time, seconds
    src: tuple[str, int]
    dst: tuple[str, int]
    payload_type: int
    payload: bytes


def read_pcap(path: Path) -> list[Packet]:
    """The RTP packets in a pcap of raw IPv4 (rtpengine's `recording-format = raw`) or Ethernet frames."""
    data = path.read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset = 24
    out: list[Packet] = []
    while offset + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[offset:offset + 16])
        offset += 16
        frame = data[offset:offset + incl]
        offset += incl
        t = sec + frac / (1e9 if nano else 1e6)
        ip = frame[14:] if linktype == 1 else frame
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0x0F) * 4
        src_ip = ".".join(str(b) for b in ip[12:16])
        dst_ip = ".".join(str(b) for b in ip[16:20])
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        rtp = ip[ihl + 8:]
        if len(rtp) < 12 or rtp[0] >> 6 != 2:
            continue
        csrc = (rtp[0] & 0x0F) * 4
        head = 12 + csrc
        if rtp[0] & 0x10 and len(rtp) >= head + 4:  # header extension
            head += 4 + struct.unpack("!H", rtp[head + 2:head + 4])[0] * 4
        out.append(Packet(t=t, src=(src_ip, sport), dst=(dst_ip, dport), payload_type=rtp[1] & 0x7F,
                          payload=rtp[head:]))
    return out


def find_pcap(recording_dir: Path, sip_call_id: str) -> Path | None:
    """rtpengine names a call's pcap after its Call-ID (URL-escaped) and a random suffix."""
    pcaps = recording_dir / "pcaps"
    if not pcaps.is_dir():
        return None
    for p in pcaps.iterdir():
        if p.suffix == ".pcap" and unquote(p.name).startswith(sip_call_id + "-"):
            return p
    return None


def to_stereo_wav(packets: list[Packet], left_dst: tuple[str, int], out: Path, *,
                  span: tuple[float, float] | None = None) -> float:
    """Write the audio packets as a stereo WAV: packets the citizen sent (to `left_dst`, the
    relay's port facing the citizen) on the left, the other party's on the right (sources are
    no help: two phones may send from the same port on different hosts). `span` (epoch seconds) is the
    time the recording covers — from the connection to the hang-up, silences included; without
    it, first to last packet. Returns the duration in seconds."""
    audio = [p for p in packets if p.payload_type in DECODERS]
    if not audio and span is None:
        raise ValueError("no G.711 audio in the recording")
    if span is not None:
        t0 = span[0]
        end = span[1] - span[0]
        audio = [p for p in audio if span[0] <= p.t <= span[1]]
    else:
        t0 = min(p.t for p in audio)
        end = max(p.t - t0 + len(p.payload) / RATE for p in audio)
    n = int(end * RATE) + 1
    channels = np.zeros((n, 2), dtype=np.int16)
    for p in audio:
        ch = 0 if p.dst == left_dst else 1
        samples = DECODERS[p.payload_type][np.frombuffer(p.payload, dtype=np.uint8)]
        start = int(round((p.t - t0) * RATE))
        stop = min(n, start + len(samples))
        channels[start:stop, ch] = samples[:stop - start]
    write_wav(out, channels.tobytes(), channels=2)
    return n / RATE


def channel_levels(path: Path) -> tuple[float, float, float]:
    """(duration s, RMS left, RMS right) of a stereo WAV: how tests and reviewers tell that both
    parties are present."""
    with wave.open(str(path), "rb") as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, w.getnchannels())
        rate = w.getframerate()
    rms = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=0))
    return len(frames) / rate, float(rms[0]), float(rms[-1])

"""A real Kannel on 127.0.0.1 for tests: bearerbox + smsbox with a fake SMSC, and fakesmsc (the
SMSC simulator from kannel-extras) acting as the citizens' phones. Every port is free-picked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from ..conftest import _port_open, free_port

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


def require_kannel() -> None:
    """Kannel must be installed (scripts/setup --tests does it); missing fails in CI, skips elsewhere."""
    import pytest

    if shutil.which("bearerbox") and shutil.which("smsbox") and os.path.exists(FAKESMSC):
        return
    message = "Kannel is not installed (apt-get install kannel kannel-extras; scripts/setup --tests does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def ucs2(text: str) -> str:
    """fakesmsc's 'ucs2' message data: UTF-16BE bytes, URL-encoded."""
    return quote(text.encode("utf-16-be"), safe="")


class Kannel:
    def __init__(self, workdir: Path, dasan_url: str, token: str) -> None:
        self.dir = workdir
        self.token = token
        self.dir.mkdir(parents=True, exist_ok=True)
        self.admin, self.box, self.smsc, self.sendsms = (free_port() for _ in range(4))
        self.user, self.password = "dasan", "kannel-test-secret"
        self.conf = self.dir / "kannel.conf"
        self.conf.write_text(f"""
group = core
admin-port = {self.admin}
admin-password = adm
smsbox-port = {self.box}
box-allow-ip = 127.0.0.1
log-file = "{self.dir}/bearerbox.log"
log-level = 1
dlr-storage = internal
store-type = file
store-location = "{self.dir}/store"
sms-combine-concatenated-mo = true

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.box}
sendsms-port = {self.sendsms}
log-file = "{self.dir}/smsbox.log"
log-level = 1
mo-recode = true
http-request-retry = 20
http-queue-delay = 1

group = sendsms-user
username = {self.user}
password = {self.password}
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
omit-empty = true
get-url = "{dasan_url}/channels/sms/kannel/mo?token={token}&from=%p&to=%P&text=%a&id=%I"
""", encoding="utf-8")
        self.procs: dict[str, subprocess.Popen] = {}
        self.fakes: list[tuple[subprocess.Popen, Path]] = []

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms}/cgi-bin/sendsms"

    def env(self) -> dict[str, str]:
        """What a Dasan server needs to send through this Kannel."""
        return {"DASAN_KANNEL_SENDSMS_URL": self.sendsms_url, "DASAN_KANNEL_USERNAME": self.user,
                "DASAN_KANNEL_PASSWORD": self.password}

    def _start(self, name: str, cmd: list[str], port: int) -> None:
        log = open(self.dir / f"{name}.out", "ab")
        self.procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not _port_open("127.0.0.1", port):
            if self.procs[name].poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{name} did not start: see {self.dir}/{name}.out")
            time.sleep(0.1)

    def start(self) -> Kannel:
        self._start("bearerbox", ["bearerbox", str(self.conf)], self.box)
        self._wait_port("bearerbox", self.smsc)  # the fake SMSC's port, which the phones dial
        self._start("smsbox", ["smsbox", str(self.conf)], self.sendsms)
        return self

    def _wait_port(self, name: str, port: int) -> None:
        deadline = time.time() + 20
        while not _port_open("127.0.0.1", port):
            if self.procs[name].poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{name} does not listen on {port}: see {self.dir}/{name}.out")
            time.sleep(0.1)

    def tails(self, lines: int = 15) -> str:
        """The end of every log of this Kannel, for a failing test's message."""
        out = []
        for log in sorted(self.dir.glob("*.out")) + sorted(self.dir.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(out)

    def stop(self, *names: str) -> None:
        for name in names or ("smsbox", "bearerbox"):
            p = self.procs.pop(name, None)
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def phones(self, *messages: str, interval: float = 0.05, count: int | None = None) -> Path:
        """Start fakesmsc: it sends `messages` ("FROM TO text|ucs2 DATA"; `count` in all, picked
        at random among them) and prints every message Kannel delivers to it; returns its log."""
        out = self.dir / f"fakesmsc{len(self.fakes)}.out"
        n = count if count is not None else len(messages)
        cmd = [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc), "-i", str(interval), "-m", str(n), *messages]
        if not messages:
            cmd = [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc), "-m", "0", "1 2 text unused"]
        log = open(out, "ab")
        self.fakes.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), out))
        return out

    def close(self) -> None:
        for p, _ in self.fakes:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.stop()


def _bytes(urlencoded: str) -> bytes:
    return unquote_to_bytes(urlencoded.replace("+", "%20"))  # fakesmsc writes a space as '+'


def received(log: Path) -> list[tuple[str, str, str]]:
    """What the phones got: (to, type, payload) per SMS part, payload decoded to text (UCS-2 /
    UTF-8), with the UDH kept as raw bytes hex for concatenated parts: (to, udh_hex, text)."""
    return received_lines(log.read_text(errors="replace").splitlines())


def received_lines(lines: list[str]) -> list[tuple[str, str, str]]:
    out = []
    for line in lines:
        m = GOT.search(line)
        if not m:
            continue
        _sender, to, kind, rest = m.groups()
        if kind == "udh":
            udh, _, data_part = rest.partition(" data ")
            out.append((to, _bytes(udh).hex(), _bytes(data_part).decode("utf-16-be")))
        elif kind in ("data", "ucs2", "ucs-2"):
            out.append((to, "", _bytes(rest).decode("utf-16-be")))
        else:
            out.append((to, "", rest))
    return out


def joined(parts: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    """Texts per recipient as the handset shows them: concatenated parts (UDH IE 0: reference,
    total, sequence) joined in sequence order."""
    singles: dict[str, list[str]] = {}
    multi: dict[tuple[str, int], dict[int, str]] = {}
    totals: dict[tuple[str, int], int] = {}
    for to, udh, text in parts:
        if udh.startswith("050003"):
            ref, total, seq = int(udh[6:8], 16), int(udh[8:10], 16), int(udh[10:12], 16)
            multi.setdefault((to, ref), {})[seq] = text
            totals[(to, ref)] = total
        else:
            singles.setdefault(to, []).append(text)
    for (to, ref), got in multi.items():
        if len(got) == totals[(to, ref)]:
            singles.setdefault(to, []).append("".join(got[i] for i in sorted(got)))
    return singles


class Phones:
    """The citizens' phones as a live fakesmsc in interactive mode: `send` writes one MO message
    to it (it sends what arrives on its stdin), and a thread follows its log, recording every
    part Kannel delivers with the time it was first seen: `parts` is [(time, to, udh_hex, text)]."""

    def __init__(self, kannel: Kannel, name: str = "phones") -> None:
        self.kannel = kannel
        self.log = kannel.dir / f"{name}.out"
        self.parts: list[tuple[float, str, str, str]] = []
        self._pos = 0
        self._stop = False
        self.proc: subprocess.Popen | None = None
        self.connect()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def connect(self) -> None:
        """(Re)start the phones' link to the SMSC (after Kannel was stopped, say)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.kannel.smsc), "-i", "0.001"],
                                     stdin=subprocess.PIPE, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        time.sleep(0.5)
        if self.proc.poll() is not None:  # fakesmsc ends (with a PANIC) when it cannot connect
            raise RuntimeError(f"the phones could not reach Kannel's SMSC port:\n{self.kannel.tails()}")

    def send(self, sender: str, text: str, to: str = "120") -> bool:
        """One SMS (UCS-2) from `sender`; False when the link is down."""
        try:
            self.proc.stdin.write(f"{sender} {to} ucs2 {ucs2(text)}\n".encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def _follow(self) -> None:
        while not self._stop:
            if self.log.exists():
                with open(self.log, "rb") as f:
                    f.seek(self._pos)
                    chunk = f.read()
                cut = chunk.rfind(b"\n") + 1
                self._pos += cut
                now = time.time()
                for to, udh, text in received_lines(chunk[:cut].decode(errors="replace").splitlines()):
                    self.parts.append((now, to, udh, text))
            time.sleep(0.2)

    def messages(self) -> dict[str, list[tuple[float, str]]]:
        """Complete messages per phone, in the order they were completed: (time, text)."""
        out: dict[str, list[tuple[float, str]]] = {}
        pending: dict[tuple[str, int], dict[int, str]] = {}
        for t, to, udh, text in list(self.parts):
            if udh.startswith("050003"):
                ref, total, seq = int(udh[6:8], 16), int(udh[8:10], 16), int(udh[10:12], 16)
                got = pending.setdefault((to, ref), {})
                got[seq] = text
                if len(got) == total:
                    out.setdefault(to, []).append((t, "".join(got[i] for i in sorted(got))))
                    del pending[(to, ref)]
            else:
                out.setdefault(to, []).append((t, text))
        return out

    def close(self) -> None:
        self._stop = True
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

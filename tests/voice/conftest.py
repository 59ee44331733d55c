"""Voice test fixtures: Kamailio and rtpengine started on free 127.0.0.1 ports (one pair per
test module and xdist worker), and an app whose call controller talks to them."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dasan.app import create_app
from dasan.db.engine import session_scope
from dasan.demo.seed import seed
from dasan.orgs.models import User
from dasan.routing.models import Presence
from dasan.routing.presence import do_set_presence
from dasan.voice import sipp
from dasan.voice import stack as voice_stack_module
from dasan.voice.actions import do_issue_sip_credentials
from dasan.voice.stack import Ports, Stack

NEEDED = ("kamailio", "rtpengine", "sipp", "espeak-ng", "sox")


def _require_tools() -> None:
    missing = [t for t in NEEDED if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"voice tests need {', '.join(missing)} (scripts/setup --tests installs them)")
        pytest.skip(f"voice tests need {', '.join(missing)}: run scripts/setup --tests")


def _rtp_range() -> tuple[int, int]:
    """A media port range of this xdist worker's own, so parallel rtpengines never collide, below
    the ephemeral range (from 32768) where the signalling ports and sipp's media ports are picked."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    n = int(worker[2:]) if worker[2:].isdigit() else 0
    base = 16000 + (n % 8) * 2000 + secrets.randbelow(2) * 1000
    return base, base + 999


@pytest.fixture(scope="module")
def voice_stack(tmp_path_factory) -> Iterator[Stack]:
    _require_tools()
    lo, hi = _rtp_range()
    # rtpengine's media ports, then Janus's (browsers' media, and its SIP plugin's side)
    st = Stack(tmp_path_factory.mktemp("voice"), Ports(rtp_min=lo, rtp_max=lo + 599), secrets.token_hex(8))
    janus = voice_stack_module.janus_installed()
    if not janus and os.environ.get("CI"):
        pytest.fail("the softphone tests need Janus (scripts/setup --tests installs it)")
    st.start(children=2, threads=2, janus=janus, janus_rtp=(lo + 600, hi))
    yield st
    st.stop()


@pytest.fixture(scope="module")
def trunk_port() -> int:
    """The port sipp's citizen phone calls from: the one trunk the test center trusts."""
    return voice_stack_module.free_udp_port()


@pytest.fixture(scope="module")
def outbound_port() -> int:
    """Where the center's outbound calls go: the carrier, played by a sipp answering as citizens."""
    return voice_stack_module.free_udp_port()


@pytest.fixture
def voice_settings(settings, voice_stack: Stack, trunk_port: int, outbound_port: int, tmp_path: Path):
    p = voice_stack.ports
    # sipp's citizen phone is the trunk: calls from 127.0.0.1:<its port> are the carrier's.
    return settings.model_copy(update={
        "voice_enabled": True, "voice_sip": f"127.0.0.1:{p.controller}", "voice_kamailio": f"127.0.0.1:{p.sip}",
        "voice_kamailio_rpc_port": p.rpc, "voice_ng": f"127.0.0.1:{p.ng}", "voice_dtmf_port": p.dtmf,
        "voice_recording_dir": voice_stack.recording_dir, "voice_trunks": f"127.0.0.1:{trunk_port}",
        "voice_outbound": f"127.0.0.1:{outbound_port}",
        "voice_janus_ws": f"ws://127.0.0.1:{p.janus_ws}" if voice_stack_module.janus_installed() else "",
        "voice_bridge_key": voice_stack.secret, "voice_announce_every_s": 3.0, "offer_timeout_s": 15,
    })


class Center:
    """The running app with voice, and helpers to put agents at their phones."""

    def __init__(self, client: TestClient, app, stack: Stack, workdir: Path, trunk_port: int) -> None:
        self.trunk_port = trunk_port
        self.phones: list = []
        self.client = client
        self.app = app
        self.stack = stack
        self.workdir = workdir
        self.factory = app.state.session_factory
        self.target = f"127.0.0.1:{stack.ports.sip}"

    def agent(self, username: str) -> tuple[int, str, str]:
        """Issue `username` SIP credentials and push them to Kamailio: (user id, sip user, password)."""
        with session_scope(self.factory) as s:
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None
            sip_user, password = do_issue_sip_credentials(session=s, user=user)
            uid = user.id
        self.app.state.voice.sync_kamailio()
        return uid, sip_user, password

    def available(self, user_id: int) -> None:
        with session_scope(self.factory) as s:
            do_set_presence(session=s, user=s.get_one(User, user_id), presence=Presence.AVAILABLE)

    def wait_for(self, predicate, timeout_s: float = 20.0, what: str = "condition"):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with session_scope(self.factory) as s:
                value = predicate(s)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")


    def phone(self, scenario: str, name: str, *, background: bool = False, citizen: bool = True,
              port: int | None = None, **kw):
        """Run a sipp phone: the citizen's (from the trunk port) or another (a free port)."""
        port = port or (self.trunk_port if citizen else voice_stack_module.free_udp_port())
        result = sipp.run(scenario, self.workdir, name, target=self.target, local_port=port,
                          media_port=_media_port(), background=background, **kw)
        if background:
            self.phones.append(result)
        return result

    def agent_phone(self, username: str, name: str = "agent", calls: int = 1, *, echo: bool = False,
                    available: bool = True, **scenario) -> int:
        """An agent at a scripted phone: credentials issued, phone registered, agent available.
        Returns the agent's user id."""
        uid, user, password = self.agent(username)
        port = voice_stack_module.free_udp_port()
        self.phone(sipp.agent_scenario(user=user, **scenario), name, background=True, citizen=False, port=port,
                   calls=calls, extra=["-trace_msg", "-message_file", str(self.workdir / f"{name}.msg.log")]
                   + (["-rtp_echo"] if echo else []))
        reg = self.phone(sipp.register_scenario(user=user, password=password, contact_port=port),
                         f"{name}-register", citizen=False)
        assert reg.returncode == 0, reg.stderr[-1500:]
        if available:
            self.available(uid)
        return uid


def _media_port() -> int:
    """An even UDP port with the three after it free too: sipp binds audio RTP and RTCP there, and
    video's two above them (a taken one fails the phone: errno 98)."""
    while True:
        p = voice_stack_module.free_udp_port()
        if p % 2 == 0 and p < 65000 and all(_udp_free(p + i) for i in range(4)):
            return p


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def center(voice_settings, voice_stack: Stack, trunk_port: int, outbound_port: int,
           tmp_path: Path) -> Iterator[Center]:
    # The module's controller port: free again once the previous test's controller has let go of
    # it (seen once in a full PostgreSQL run: taken at the next two setups). Wait for it a while,
    # and name the holder if it stays taken.
    deadline = time.monotonic() + 15
    while not _udp_free(voice_stack.ports.controller) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not _udp_free(voice_stack.ports.controller):
        holders = subprocess.run(["ss", "-uanp"], capture_output=True, text=True).stdout
        pytest.fail(f"UDP {voice_stack.ports.controller} stays taken:\n"
                    + "\n".join(line for line in holders.splitlines() if f":{voice_stack.ports.controller} " in line))
    app = create_app(voice_settings)
    with session_scope(app.state.session_factory) as s:
        seed(session=s)
    with TestClient(app) as client:
        c = Center(client, app, voice_stack, tmp_path, trunk_port)
        c.outbound_port = outbound_port
        try:
            yield c
        finally:
            for p in c.phones:
                if p.poll() is None:
                    p.kill()
                    p.wait()

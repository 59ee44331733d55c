"""The call controller: Dasan's side of every call. It answers the calls Kamailio routes to it,
walks the caller through the menu, puts the call in the routing engine's queue with spoken place
in line and expected wait, rings the agent the engine chose, and bridges the two.

Signalling is SIP (aiosipua, a small asyncio SIP stack); media never passes through Python.
rtpengine holds each call's audio: the controller answers the caller with rtpengine's ports,
tells it to play prompt files to the caller, learns the keys pressed from rtpengine's DTMF
events, and — when the agent's phone answers — points the call's other side at the agent
(a second offer/answer on the same rtpengine call), so the caller and agent are connected by
rtpengine and recorded there. One rtpengine call per citizen call, whatever happens to it.

Database work: each step of a call is a `voice.actions` function, written through the
controller's batching writer (`voice.writer`: whatever steps wait share one transaction, a
savepoint each, each answered after the commit); reads run on a thread pool of their own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import json
import logging
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosipua import IncomingCall, SipRequest, SipUAC, SipUAS, parse_sdp, serialize_sdp
from aiosipua.dialog import DialogState
from aiosipua.outgoing_call import OutgoingCall
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dasan.center import service as center_service
from dasan.center.core import Center
from dasan.conversations.models import Conversation, ConvStatus
from dasan.core import clock
from dasan.core.errors import Conflict
from dasan.db.engine import session_scope
from dasan.voice import actions, menu, service
from dasan.voice import recording as rec
from dasan.voice.bridge import Bridge, BridgeError, Room, rtp_sdp
from dasan.voice.models import CallOutcome
from dasan.voice.ng import NgClient, NgError
from dasan.voice.prompts import PromptLibrary, Say, hold_music
from dasan.voice.sipstack import DasanUdpTransport, info_key
from dasan.voice.speech import minutes_to_say
from dasan.voice.stack import REALM, rpc
from dasan.voice.writer import Writer

log = logging.getLogger(__name__)
LANGUAGES_PROMPT = "voice.menu.languages"  # made of each language's own "press N"
OVERRIDES_FRESH_S = 5.0  # an admin's new recording is used within this many seconds
KEYING_TIMEOUT_S = 10.0  # a caller keying in a callback number: silence this long ends it
REAP_EVERY_S = 15.0  # how often calls are checked against rtpengine's (vanished phones)
REPOINT_SETTLE_S = 1.5  # a phone's media settles this long after it answers before it is re-pointed

# Flags of every offer: addresses as the SDP gives them, and rtpengine's own ports kept when the
# offering side's address changes (a parked side given the citizen's real one, a phone that
# re-negotiates): without `port-latching` rtpengine gives the other side new ports, and a phone
# that takes media only from the address it was given (Janus) hears nothing.
OFFER_FLAGS = ["trust-address", "port-latching"]
# Offers and answers that join an agent's phone to a citizen also mark the call for DTMF
# injection: the keys an agent presses on the softphone arrive as SIP INFO and rtpengine plays
# them to the citizen (`play DTMF`: telephone-event where the citizen's side has it, else tones
# in the audio). rtpengine then sends that call's audio through its transcoder.
JOIN_OFFER_FLAGS = [*OFFER_FLAGS, "inject DTMF"]
JOIN_ANSWER_FLAGS = ["trust-address", "inject DTMF"]

# The SDP the controller gives rtpengine for the side of a call no agent holds yet: media is
# sent to the discard port (nobody listens; rtpengine plays prompts to the caller meanwhile).
PARKED_SDP = (
    "v=0\r\no=dasan 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 9 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n"
)


@dataclass
class VoiceConfig:
    """Where the controller listens and whom it talks to."""

    sip_listen: tuple[str, int]  # the controller's own SIP address (Kamailio routes calls here)
    kamailio: tuple[str, int]
    kamailio_rpc: int
    ng: tuple[str, int]
    dtmf_listen: tuple[str, int]
    recording_dir: Path  # where rtpengine writes pcaps
    data_dir: Path  # prompts and finished recordings
    trunks: tuple[str, ...] = ()  # "ip" or "ip:port" allowed to send calls to the center's numbers
    outbound: tuple[str, int] | None = None  # the carrier's SBC for calls the center places
    announce_every_s: float = 30.0  # place in line and expected wait, repeated
    ring_timeout_s: float = 20.0
    poll_s: float = 0.2
    bridge_ws: str = ""  # Janus's websocket (AudioBridge: three-party calls); '' = no conferences
    bridge_key: str = ""  # the AudioBridge's admin key


@dataclass
class Call:
    """A citizen's call the controller holds."""

    sip: IncomingCall
    record_id: int
    from_tag: str
    caller_sdp: str  # the caller's offer (re-sent to rtpengine when the other side changes)
    toward_agent_sdp: str  # rtpengine's side facing the agent (the offer an agent's phone gets)
    relay_for_caller: tuple[str, int]  # rtpengine's address the caller sends to
    caller: str  # the caller-ID number as the trunk gave it
    route: service.Route
    lang: str
    center: Center
    phase: str = "menu"  # menu | queue | ringing | connected | protected (agent released, caller told) | ended
    state: menu.State | None = None
    path: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    conversation_id: int | None = None
    can_call_back: bool = False
    callback_taken: bool = False
    agent_id: int | None = None
    agent_leg: OutgoingCall | None = None
    timer: asyncio.Task[None] | None = None
    announcer: asyncio.Task[None] | None = None
    ended_by: str = ""
    answered_at: float = 0.0
    connected_epoch: float = 0.0  # wall clock (as pcap timestamps are) when the agent answered
    ended_epoch: float = 0.0
    held: bool = False
    keyed: str | None = None  # digits of a callback number being keyed in (None: not keying)
    recorded: bool = False  # rtpengine is recording (from the first agent's answer to the hang-up)
    third: Third | None = None  # a consultation or a three-party call under way


@dataclass
class Third:
    """The third party of a call: someone the agent consults while the citizen waits (then hands
    the caller over to, or returns from), or an interpreter mixed with the citizen and the agent.
    Its own rtpengine call joins the third party's phone to the agent's phone (consultation) or
    to its place in the conference room (Janus's AudioBridge)."""

    kind: str  # consult | conference
    rtp_id: str
    near_tag: str  # rtpengine's side facing the agent (consult) or the room (conference)
    far_tag: str  # the side facing the third party
    user_id: int | None  # a colleague or an official (their phone), or None: an outside number
    number: str = ""
    leg: OutgoingCall | None = None
    far_sdp: str = ""  # the third party's own SDP
    phase: str = "ringing"  # ringing | talking | ended
    room: Room | None = None
    room_handle: int = 0
    members: list[int] = field(default_factory=list)  # the room's Janus handles


@dataclass
class Outbound:
    """A call the center places: a callback (the agent's phone rings first, then the citizen is
    dialled) or an agent dialling a citizen from the softphone. One rtpengine call joins the two
    legs; the citizen's side is the one offered first (`citizen_tag`)."""

    kind: str  # callback | dial
    rtp_id: str  # the rtpengine call (and the call record's id)
    citizen_tag: str
    agent_tag: str
    agent_id: int
    conversation_id: int
    record_id: int = 0
    number: str = ""  # as the carrier dials it
    agent_in: IncomingCall | None = None  # the agent's own INVITE (dial)
    agent_out: OutgoingCall | None = None  # our INVITE to the agent (callback)
    agent_sdp: str = ""
    citizen: OutgoingCall | None = None
    relay_for_citizen: tuple[str, int] = ("", 0)
    phase: str = "starting"  # starting | ringing-agent | dialling | connected | ended
    connected_epoch: float = 0.0
    ended_epoch: float = 0.0


class VoiceController:
    """One per center; runs in the app's event loop (or its own process: `dasan voice`)."""

    def __init__(self, factory: sessionmaker[Session], config: VoiceConfig, *,
                 read_factory: sessionmaker[Session] | None = None) -> None:
        self.factory = factory
        # Reads that may wait (the poll of waiting calls, announcements) take no writer's lock.
        self.read_factory = read_factory or factory
        self.config = config
        self.ng = NgClient(config.ng)
        self.calls: dict[str, Call] = {}  # by the caller's Call-ID
        self.agent_legs: dict[str, Call] = {}  # by the agent leg's Call-ID
        self.outbound: dict[str, Outbound] = {}  # by the Call-ID of either of its legs
        self.callbacks: dict[int, Outbound] = {}  # by conversation id, while being dialled or talked
        self.third_legs: dict[str, Call] = {}  # by the third party's leg's Call-ID
        self.leg_sdp: dict[str, str] = {}  # what the controller last offered a phone's leg (by Call-ID)
        self.leg_answered: dict[str, float] = {}  # when a phone answered its leg (monotonic, by Call-ID)
        self.bridge = Bridge(config.bridge_ws, config.bridge_key) if config.bridge_ws else None
        bind = factory.kw.get("bind")
        sqlite = bind is None or bind.dialect.name == "sqlite"
        self.writer = Writer(factory, threads=1 if sqlite else 4)  # SQLite has one writer anyway
        self._reads = _read_pool()
        self.prompts = PromptLibrary(config.data_dir / "voice" / "prompts")
        self.music = config.data_dir / "voice" / "prompts" / "hold-music.wav"  # made at start
        self._transport: DasanUdpTransport | None = None
        self._uas: SipUAS | None = None
        self._uac: SipUAC | None = None
        self._dtmf: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._kick = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._overrides_read = -OVERRIDES_FRESH_S

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._kick = asyncio.Event()
        self._loop = loop = asyncio.get_running_loop()
        self.writer.start()
        if self._reads._shutdown:  # started again after a stop
            self._reads = _read_pool()
        await asyncio.to_thread(hold_music, self.music)
        await self.ng.start()
        controller = self

        class _Dtmf(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: Any) -> None:
                controller._on_dtmf(data)

        self._dtmf, _ = await loop.create_datagram_endpoint(_Dtmf, local_addr=self.config.dtmf_listen)
        self._transport = DasanUdpTransport(local_addr=self.config.sip_listen)
        self._transport.on_info = self._on_info
        self._uac = SipUAC(self._transport)
        self._transport.uac = self._uac
        self._uas = SipUAS(self._transport, uac=self._uac, user_agent="Dasan")
        self._uas.on_invite = lambda c: self._spawn(self._on_invite(c))
        self._uas.on_bye = lambda c, r: self._spawn(self._on_bye(c, r))
        self._uas.on_reinvite = lambda c: self._spawn(self._on_reinvite(c))
        self._uas.on_cancel = lambda request, addr: self._spawn(self._on_cancel(request))
        self._uas.on_ack_timeout = lambda c: self._spawn(self._on_ack_timeout(c))
        ended = await self._db(actions.do_end_stale_calls, before=clock.now())
        if ended:
            log.warning("%d calls held before a restart were ended", ended)
        await self._uas.start()
        await asyncio.to_thread(self.sync_kamailio)
        self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._poller:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        for call in list(self.calls.values()):
            with contextlib.suppress(Exception):
                await self._hang_up(call, by="center", reason="the center stopped")
        for t in list(self._tasks):
            t.cancel()
        if self._uas:
            await self._uas.stop()
        if self._dtmf:
            self._dtmf.close()
        if self.bridge is not None:
            await self.bridge.close()
        await self.ng.stop()
        await asyncio.to_thread(self.writer.stop)
        self._reads.shutdown(wait=False)

    def kick(self) -> None:
        """Look at the waiting calls now (an offer was made); safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._kick.set()
        else:
            loop.call_soon_threadsafe(self._kick.set)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("voice task failed", exc_info=t.exception())

        task.add_done_callback(done)

    def _db(self, fn: Any, *, read: bool = False, **kw: Any) -> Any:
        """A step of a call: written through the batching writer (answered after its commit), or
        with `read`, a read on the controller's read pool. Awaitable either way."""
        if not read:
            return self.writer.run(fn, **kw)

        def run() -> Any:
            with session_scope(self.read_factory) as s:
                return fn(session=s, **kw)
        return asyncio.get_running_loop().run_in_executor(self._reads, run)

    def sync_kamailio(self) -> None:
        """Give Kamailio the agents' credentials and the trunks (at start and after changes);
        credentials no longer issued (a deactivated agent's) are removed."""
        with session_scope(self.factory) as s:
            accounts = service.sip_accounts(s)
        port = self.config.kamailio_rpc
        try:
            if rpc(port, "core.version") is None:
                log.warning("Kamailio does not answer on its RPC port %s: credentials not pushed", port)
                return
            for username, ha1 in accounts.items():
                rpc(port, "htable.sets", "creds", username, ha1)
            dump = rpc(port, "htable.dump", "creds")
            for slot in dump if isinstance(dump, list) else []:
                for item in slot.get("slot", []):
                    if item.get("name") not in accounts:
                        rpc(port, "htable.delete", "creds", item["name"])
            for trunk in self.config.trunks:
                rpc(port, "htable.seti", "trunks", trunk, 1)
        except (RuntimeError, OSError, ValueError) as exc:
            log.warning("could not update Kamailio: %s", exc)

    # --- arrival -----------------------------------------------------------------------------
    async def _on_invite(self, sip: IncomingCall) -> None:
        call_id = sip.call_id
        if call_id in self.calls:
            return
        invite = sip.invite
        dialled = _user_of(str(invite.uri))
        caller = invite.from_addr.uri.user or "" if invite.from_addr is not None else ""
        agent_header = invite.headers.get_first("X-Dasan-Agent")
        if agent_header:  # Kamailio authenticated an agent's phone calling out (and set this header)
            await self._agent_dials(sip, agent_header, dialled)
            return
        if sip.sdp_offer is None or sip.sdp_offer.audio is None:
            await self._refuse(sip, dialled, caller, 488, "Not Acceptable Here", "no audio offered")
            return

        def begin(session: Session) -> tuple[int, service.Route | None, Center]:
            if time.monotonic() - self._overrides_read > OVERRIDES_FRESH_S:  # admins' recordings
                self.prompts.overrides = {k: self.config.data_dir / p
                                          for k, p in service.prompt_overrides(session).items()}
                self._overrides_read = time.monotonic()
            route = service.route_for(session=session, dialled=dialled)
            center = center_service.get(session)
            if route is None:
                row = actions.do_refuse_call(session=session, sip_call_id=call_id, from_number=caller,
                                             to_number=dialled, reason="unknown dialled number")
                return row.id, None, center
            row = actions.do_begin_call(session=session, sip_call_id=call_id, from_number=caller, to_number=dialled)
            return row.id, route, center

        record_id, route, center = await self._db(begin)
        if route is None:
            sip.reject(404, "Not Found")
            return
        from_tag = sip.dialog.remote_tag
        try:
            offered = await self.ng.command("offer", call_id=call_id, from_tag=from_tag, sdp=invite.text,
                                            flags=OFFER_FLAGS, replace=["origin", "session-connection"])
            answered = await self.ng.command("answer", call_id=call_id, from_tag=from_tag,
                                             to_tag=sip.dialog.local_tag, sdp=PARKED_SDP,
                                             flags=["trust-address"])
        except NgError as exc:
            log.error("media relay refused call %s: %s", call_id, exc)
            sip.reject(503, "Service Unavailable")
            await self._db(actions.do_end_call, call_id=record_id, by="center", prompts=[], menu_path="",
                           outcome=CallOutcome.FAILED, reason=f"media relay: {exc}"[:200])
            return
        answer_sdp = parse_sdp(answered["sdp"].decode())
        relay = answer_sdp.rtp_address or ("127.0.0.1", 0)
        call = Call(sip=sip, record_id=record_id, from_tag=from_tag, caller_sdp=invite.text,
                    toward_agent_sdp=offered["sdp"].decode(), relay_for_caller=(relay[0], relay[1]), caller=caller,
                    route=route, lang=center.default_lang, center=center)
        self.calls[call_id] = call
        sip.accept(answer_sdp)
        call.answered_at = time.monotonic()
        call.state, effects = menu.start(route.menu)
        # The center's notice opens every call (Occupational Safety and Health Act §41): recorded, abuse prohibited.
        await self._run(call, [menu.Play("voice.welcome"), menu.Play("voice.notice"), *effects])

    async def _refuse(self, sip: IncomingCall, dialled: str, caller: str, code: int, phrase: str, reason: str) -> None:
        await self._db(actions.do_refuse_call, sip_call_id=sip.call_id, from_number=caller, to_number=dialled,
                       reason=reason)
        sip.reject(code, phrase)

    # --- the menu ----------------------------------------------------------------------------
    async def _run(self, call: Call, effects: list[menu.Effect]) -> None:
        """Carry out what the menu decided: prompts (joined into one file), then listen, queue or hang up."""
        says: list[Say] = []
        for effect in effects:
            if isinstance(effect, menu.Play):
                says.extend(self._say(call, effect.prompt))
            elif isinstance(effect, menu.SetLang):
                if call.center.serves(effect.lang):
                    call.lang = effect.lang
            elif isinstance(effect, menu.Listen):
                duration = await self._play(call, says)
                self._set_timer(call, duration + effect.timeout_s, self._on_silence)
                return
            elif isinstance(effect, menu.Enqueue):
                await self._enqueue(call, effect.queue, says)
                return
            elif isinstance(effect, menu.Hangup):
                duration = await self._play(call, says)
                self._set_timer(call, duration + 0.5, functools.partial(
                    self._hang_up, by="center", reason=effect.reason, outcome=CallOutcome.INFORMATION))
                return
        if says:
            await self._play(call, says)

    def _say(self, call: Call, key: str) -> list[Say]:
        if key == "voice.menu.department":
            return [Say.of(key, department=call.route.department_name.get(call.lang)
                           or call.route.department_name.get("en") or "")]
        if key == LANGUAGES_PROMPT:
            # Each language offered in its own tongue: "For English, press 1. 中文服务请按2. …"
            node = next((n for n in call.route.menu.nodes.values() if n.prompt == key), None)
            options = sorted(node.options.items()) if node else []
            return [Say.of("voice.menu.language_option", lang=o.lang, digit=int(d))
                    for d, o in options if o.lang and d.isdigit()]
        return [Say.of(key)]

    async def _play(self, call: Call, says: list[Say], *, then_music: bool = False) -> float:
        """Play prompts to the caller; returns their duration in seconds (0 if none)."""
        if not says or call.phase == "ended":
            return 0.0
        lang = call.lang
        path = await asyncio.to_thread(self.prompts.sequence, says, lang, call.center)
        call.prompts.extend(f"{s.lang or lang}:{s.key}" for s in says)
        try:
            reply = await self.ng.command("play media", call_id=call.sip.call_id, from_tag=call.from_tag,
                                          file=str(path))
        except NgError as exc:
            log.warning("could not play prompts on %s: %s", call.sip.call_id, exc)
            return 0.0
        return float(reply.get("duration", 0)) / 1000.0

    def _set_timer(self, call: Call, delay_s: float, action: Any) -> None:
        if call.timer:
            call.timer.cancel()

        async def fire() -> None:
            await asyncio.sleep(delay_s)
            call.timer = None
            await action(call)

        call.timer = asyncio.ensure_future(fire())

    async def _on_silence(self, call: Call) -> None:
        if call.phase != "menu" or call.state is None:
            return
        call.state, effects = menu.silence(call.route.menu, call.state)
        call.path.append("-")
        await self._run(call, effects)

    def _on_dtmf(self, data: bytes) -> None:
        try:
            event = json.loads(data)
            call_id, code = str(event["callid"]), int(event["event"])
        except (ValueError, KeyError, TypeError):
            return
        call = self.calls.get(call_id)
        if call is None or event.get("source_tag") not in (None, call.from_tag):
            return
        key = menu.EVENT_KEYS.get(code, "?")
        self._spawn(self._on_key(call, key))

    def _on_info(self, request: SipRequest) -> int:
        """A key sent as SIP INFO. From an agent's phone (the softphone's keypad): rtpengine plays it
        to the citizen — an IVR the agent dialled, say. From a caller's phone: a key in the menu or
        queue, as if it came in the audio. The status code to answer the INFO with."""
        cid = request.call_id or ""
        key = info_key(request)
        target: tuple[str, str] | None = None
        if cid in self.calls:  # the citizen's own phone
            if key is not None:
                self._spawn(self._on_key(self.calls[cid], key))
        elif cid in self.agent_legs:
            call = self.agent_legs[cid]
            if call.phase == "connected" and call.third is None and call.agent_leg is not None \
                    and call.agent_leg.call_id == cid:
                target = (call.sip.call_id, call.sip.dialog.local_tag)
        elif cid in self.outbound:
            ob = self.outbound[cid]
            agent_leg = ob.agent_in or ob.agent_out
            if agent_leg is not None and agent_leg.call_id == cid and ob.phase == "connected":
                target = (ob.rtp_id, ob.agent_tag)
        elif cid not in self.third_legs:
            return 481
        if key is None:
            return 415
        if target is not None:
            self._spawn(self._play_key(*target, key))
        return 200

    async def _play_key(self, rtp_id: str, from_tag: str, key: str) -> None:
        """rtpengine plays a key the agent pressed to the citizen (queued behind earlier ones)."""
        try:
            await self.ng.command("play DTMF", call_id=rtp_id, from_tag=from_tag, code=key)
        except NgError as exc:
            log.warning("could not play a key on %s: %s", rtp_id, exc)

    async def _on_key(self, call: Call, key: str) -> None:
        if call.phase == "menu" and call.state is not None:
            if call.timer:
                call.timer.cancel()
                call.timer = None
            with contextlib.suppress(NgError):
                await self.ng.command("stop media", call_id=call.sip.call_id, from_tag=call.from_tag)
            if call.phase != "menu" or call.state is None:  # the caller hung up meanwhile
                return
            call.path.append(key)
            call.state, effects = menu.press(call.route.menu, call.state, key)
            await self._run(call, effects)
        elif call.phase == "queue" and call.keyed is not None:
            await self._key_number(call, key)
        elif call.phase == "queue" and key == "1" and not call.callback_taken:
            await self._take_callback(call)

    # --- the queue ---------------------------------------------------------------------------
    async def _enqueue(self, call: Call, queue: str, says: list[Say]) -> None:
        if call.phase != "menu":  # ended while the menu decided: never a contact for a call nobody holds
            return
        call.phase = "queue"
        queued: actions.Queued | None = await self._db(
            actions.do_enqueue_call, call_id=call.record_id, queue_code=queue, lang=call.lang,
            menu_path="".join(call.path), legacy_number=call.route.legacy_number)
        if queued is None:  # the hang-up was written first
            return
        call.conversation_id = queued.conversation_id
        call.can_call_back = queued.can_call_back
        if queued.offender:  # the warning first, then the dedicated team's queue
            says = [*says, Say.of("voice.protect.offender")]
        self._announce_soon(call, says, queued.position, queued.wait_s)
        self.kick()

    def _announcement(self, call: Call, position: int, wait_s: float | None) -> list[Say]:
        says = [Say.of("voice.queue.position", n=position)]
        minutes = minutes_to_say(wait_s)
        if wait_s is None:
            says.append(Say.of("voice.queue.wait_unknown"))
        elif minutes is None:
            says.append(Say.of("voice.queue.wait_soon"))
        else:
            says.append(Say.of("voice.queue.wait_minutes", n=minutes))
        if not call.callback_taken:
            says.append(Say.of("voice.queue.comfort"))  # "1" for a callback (a number keyed in without caller ID)
        return says

    def _announce_soon(self, call: Call, first: list[Say], position: int, wait_s: float | None) -> None:
        if call.announcer:
            call.announcer.cancel()

        async def loop() -> None:
            says = first + self._announcement(call, position, wait_s)
            while call.phase == "queue":
                duration = await self._play(call, says)
                await asyncio.sleep(duration)
                if call.phase != "queue":
                    return
                with contextlib.suppress(NgError):
                    await self.ng.command("play media", call_id=call.sip.call_id, from_tag=call.from_tag,
                                          file=str(self.music), repeat_times=1000)
                await asyncio.sleep(self.config.announce_every_s)
                if call.phase != "queue" or call.conversation_id is None:
                    return
                status, _, pos, wait = await self._db(service.queue_status, read=True,
                                                      conversation_id=call.conversation_id)
                if status not in (ConvStatus.QUEUED, ConvStatus.OFFERED):
                    return
                says = self._announcement(call, max(pos, 1), wait)

        call.announcer = asyncio.ensure_future(loop())

    async def _take_callback(self, call: Call, number: str | None = None) -> None:
        if not call.can_call_back and number is None:
            # No caller ID: the caller keys in the number, then # (the announcements pause).
            call.keyed = ""
            if call.announcer:
                call.announcer.cancel()
            duration = await self._play(call, [Say.of("voice.queue.callback_enter_number")])
            self._set_timer(call, duration + KEYING_TIMEOUT_S, self._keying_timed_out)
            return
        ok = await self._db(actions.do_call_back_later, call_id=call.record_id, number=number)
        if not ok:
            return
        call.callback_taken = True
        if call.announcer:
            call.announcer.cancel()
        duration = await self._play(call, [Say.of("voice.queue.callback_taken"), Say.of("voice.goodbye")])
        self._set_timer(call, duration + 0.3, lambda c: self._hang_up(c, by="center", reason="callback requested"))

    async def _reap(self) -> None:
        """Calls whose media rtpengine dropped (no packets for its timeout: a phone that vanished
        without a BYE) are ended with a record, not kept waiting for ever."""
        for call in list(self.calls.values()):
            if call.phase == "ended":
                continue
            try:
                await self.ng.command("query", call_id=call.sip.call_id)
            except NgError as exc:
                if "unknown call-id" in str(exc).lower():  # rtpengine spells it both ways
                    await self._hang_up(call, by="network", reason="the caller's media stopped",
                                        caller_gone=True)

    async def _key_number(self, call: Call, key: str) -> None:
        """A digit of the callback number the caller keys in; # ends it."""
        assert call.keyed is not None
        if key == "#" or len(call.keyed) >= 20:
            number, call.keyed = call.keyed, None
            if call.timer:
                call.timer.cancel()
                call.timer = None
            if len(number) >= 7:
                await self._take_callback(call, number)
                if call.callback_taken:
                    return
            await self._play(call, [Say.of("voice.queue.callback_no_number")])
            self._resume_announcements(call)
        elif key.isdigit():
            call.keyed += key
            self._set_timer(call, KEYING_TIMEOUT_S, self._keying_timed_out)

    async def _keying_timed_out(self, call: Call) -> None:
        if call.keyed is not None and call.phase == "queue":
            await self._key_number(call, "#")

    def _resume_announcements(self, call: Call) -> None:
        if call.phase == "queue" and call.conversation_id is not None:
            self._spawn(self._announce_later(call))

    async def _announce_later(self, call: Call) -> None:
        assert call.conversation_id is not None
        _, _, pos, wait = await self._db(service.queue_status, read=True, conversation_id=call.conversation_id)
        self._announce_soon(call, [], max(pos, 1), wait)

    async def _poll(self) -> None:
        """Watch the contacts of waiting calls: an offer to an agent rings the agent's phone; an
        offer that went back to the queue (expired) stops the ringing."""
        next_reap = time.monotonic() + REAP_EVERY_S
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the cancellation
            # stop() sends when it coincides with a kick, and stop() would wait for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.poll_s):
                    await self._kick.wait()
            self._kick.clear()
            if time.monotonic() >= next_reap:
                next_reap = time.monotonic() + REAP_EVERY_S
                self._spawn(self._reap())
            if self.config.outbound is not None:
                try:
                    due = await asyncio.get_running_loop().run_in_executor(self._reads, self._callbacks_due)
                except Exception:
                    log.exception("voice poll failed")
                    due = []
                for conv_id, agent_id in due:
                    if conv_id not in self.callbacks and not any(c.conversation_id == conv_id
                                                                 for c in self.calls.values()):
                        self._spawn(self._start_callback(conv_id, agent_id))
            watching = {c.conversation_id: c for c in self.calls.values()
                        if c.phase in ("queue", "ringing", "connected") and c.conversation_id is not None}
            if not watching:
                continue
            try:
                rows = await asyncio.get_running_loop().run_in_executor(self._reads, self._statuses,
                                                                        list(watching))
            except Exception:
                log.exception("voice poll failed")
                continue
            for conv_id, status, offered_to in rows:
                call = watching[conv_id]
                if call.phase == "queue" and status == ConvStatus.OFFERED and offered_to is not None \
                        and not call.callback_taken:
                    self._spawn(self._ring_agent(call, offered_to))
                elif call.phase == "ringing" and (status != ConvStatus.OFFERED or offered_to != call.agent_id):
                    self._spawn(self._stop_ringing(call))
                elif status == ConvStatus.CLOSED and call.phase == "queue":
                    self._spawn(self._hang_up(call, by="center", reason="closed by staff"))
                elif call.phase == "connected" and status in (ConvStatus.QUEUED, ConvStatus.OFFERED) \
                        and call.agent_id is not None and offered_to != call.agent_id:
                    call.phase = "transferring"
                    self._spawn(self._transferred(call))

    def _callbacks_due(self) -> list[tuple[int, int]]:
        """Callback contacts offered to an agent: (conversation, agent) — the call to place."""
        with session_scope(self.read_factory) as s:
            rows = s.execute(
                select(Conversation.id, Conversation.offered_to_id)
                .where(Conversation.channel == "voice", Conversation.status == ConvStatus.OFFERED,
                       Conversation.callback_number.is_not(None), Conversation.offered_to_id.is_not(None)))
            return [(int(i), int(a)) for i, a in rows if a is not None]

    def _statuses(self, ids: list[int]) -> list[tuple[int, str, int | None]]:
        with session_scope(self.read_factory) as s:
            return [tuple(r) for r in s.execute(  # type: ignore[misc]
                select(Conversation.id, Conversation.status, Conversation.offered_to_id)
                .where(Conversation.id.in_(ids)))]

    # --- the agent ---------------------------------------------------------------------------
    async def _ring_agent(self, call: Call, agent_id: int) -> None:
        assert self._uac is not None and call.conversation_id is not None
        if call.phase != "queue":  # ended (or rung) since the poll saw the offer
            return
        call.phase = "ringing"
        call.agent_id = agent_id
        username = service.sip_username(agent_id)
        caller = call.caller or "anonymous"
        leg = self._uac.send_invite(
            f"sip:{caller}@{REALM}", f"sip:{username}@{REALM}", self.config.kamailio,
            parse_sdp(call.toward_agent_sdp),
            extra_headers={"X-Dasan-Conversation": str(call.conversation_id),
                           "X-Dasan-Dialled": call.route.number, "X-Dasan-Menu": "".join(call.path)},
        )
        call.agent_leg = leg
        self.agent_legs[leg.call_id] = call
        leg.on_answer = lambda out: self._spawn(self._agent_answered(call, out))
        leg.on_rejected = lambda out, code, reason: self._spawn(self._agent_refused(call, out, code, reason))

    async def _agent_answered(self, call: Call, leg: OutgoingCall) -> None:
        self.leg_answered[leg.call_id] = time.monotonic()
        if call.phase != "ringing" or call.agent_leg is not leg or leg.sdp_answer is None:
            if call.phase == "ended":
                leg.hangup(self._uac)  # type: ignore[arg-type]
            return
        call.phase = "connected"
        call.connected_epoch = call.connected_epoch or time.time()
        if call.announcer:
            call.announcer.cancel()
        cid = call.sip.call_id
        # Connect at once, whatever was playing: stop the prompt, point the call's other side at
        # the agent's phone, start recording (the caller heard that calls are recorded).
        try:
            await self.ng.command("stop media", call_id=cid, from_tag=call.from_tag)
        except NgError:
            pass
        try:
            await self._point_caller(call, serialize_sdp(leg.sdp_answer))
            if not call.recorded:
                await self.ng.command("start recording", call_id=cid)
                call.recorded = True
        except NgError as exc:
            log.error("could not bridge %s: %s", cid, exc)
        ok = await self._db(actions.do_connected, call_id=call.record_id, agent_id=call.agent_id)
        if not ok:
            leg.hangup(self._uac)  # type: ignore[arg-type]
            self.agent_legs.pop(leg.call_id, None)
            call.agent_leg = None
            await self._hang_up(call, by="center", reason="the offer was withdrawn")

    async def _agent_refused(self, call: Call, leg: OutgoingCall, code: int, reason: str) -> None:
        self.agent_legs.pop(leg.call_id, None)
        if call.agent_leg is not leg or call.phase != "ringing":
            return
        agent_id = call.agent_id
        call.agent_leg = None
        call.agent_id = None
        call.phase = "queue"
        if call.conversation_id is not None and agent_id is not None:
            await self._db(actions.do_agent_missed, conversation_id=call.conversation_id, agent_id=agent_id,
                           reason=_missed(code))
        self.kick()

    async def _stop_ringing(self, call: Call) -> None:
        leg = call.agent_leg
        if leg is not None and self._uac is not None:
            leg.cancel(self._uac)
            self.agent_legs.pop(leg.call_id, None)
        call.agent_leg = None
        call.agent_id = None
        if call.phase == "ringing":
            call.phase = "queue"

    # --- hold, and the citizen's phone re-negotiating -------------------------------------------
    async def _on_reinvite(self, sip: IncomingCall) -> None:
        cid = sip.call_id
        text = sip.invite.text
        if cid in self.third_legs:
            # A consulted colleague's or an interpreter's phone re-negotiates: answer with what it has.
            direction = _direction(text)
            reply = {"sendonly": "recvonly", "inactive": "inactive", "recvonly": "sendonly"}.get(direction, "sendrecv")
            sip.accept(parse_sdp(_with_direction(self.leg_sdp[cid], reply)))
        elif cid in self.agent_legs:
            # The agent's phone puts the call on hold (sendonly / inactive) or resumes: the caller
            # hears hold music from rtpengine meanwhile; the media paths stay as they are.
            call = self.agent_legs[cid]
            direction = _direction(text)
            reply = {"sendonly": "recvonly", "inactive": "inactive", "recvonly": "sendonly"}.get(direction, "sendrecv")
            sip.accept(parse_sdp(_with_direction(self.leg_sdp.get(cid, call.toward_agent_sdp), reply)))
            held = direction in ("sendonly", "inactive")
            if held != call.held and call.phase == "connected" and call.third is None:
                call.held = held
                with contextlib.suppress(NgError):
                    if held:
                        await self.ng.command("play media", call_id=call.sip.call_id, from_tag=call.from_tag,
                                              file=str(self.music), repeat_times=1000)
                    else:
                        await self.ng.command("stop media", call_id=call.sip.call_id, from_tag=call.from_tag)
                await self._db(actions.do_hold, call_id=call.record_id, held=held)
        elif cid in self.calls:
            call = self.calls[cid]
            other = serialize_sdp(call.agent_leg.sdp_answer) if call.phase == "connected" and call.agent_leg \
                and call.agent_leg.sdp_answer else PARKED_SDP
            try:
                answered = await self._point_caller(call, other, caller_sdp=text)
            except NgError:
                sip.reject(488, "Not Acceptable Here")
                return
            call.caller_sdp = text
            sip.accept(parse_sdp(answered["sdp"].decode()))
        else:
            sip.reject(488, "Not Acceptable Here")

    async def _transferred(self, call: Call) -> None:
        """The agent handed the call to a queue or another agent (blind transfer): the agent's
        phone is released, the caller goes back to waiting — announcements, then the next agent."""
        leg = call.agent_leg
        if leg is not None and self._uac is not None:
            leg.hangup(self._uac)
            self.agent_legs.pop(leg.call_id, None)
        call.agent_leg = None
        call.agent_id = None
        call.held = False
        with contextlib.suppress(NgError):
            await self._point_caller(call, PARKED_SDP)
        call.phase = "queue"
        assert call.conversation_id is not None
        _, _, pos, wait = await self._db(service.queue_status, read=True, conversation_id=call.conversation_id)
        self._announce_soon(call, [], max(pos, 1), wait)
        self.kick()

    # --- consultation (warm transfer) and three-party calls -------------------------------------
    # Called from the API's worker threads through `submit`; each returns once the request is under
    # way (the third party's phone is ringing) and raises Conflict when the call cannot do it now.
    def submit(self, coro: Any, timeout_s: float = 20.0) -> Any:
        """Run one of the coroutines below on the controller's loop from another thread; its result."""
        if self._loop is None or self._loop.is_closed():
            coro.close()
            raise Conflict("the call controller is not running", code="voice_off")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout_s)

    def _connected_call(self, conversation_id: int, agent_id: int) -> Call:
        call = next((c for c in self.calls.values() if c.conversation_id == conversation_id), None)
        if call is None or call.phase != "connected" or call.agent_leg is None or call.agent_leg.sdp_answer is None:
            raise Conflict("this contact has no call connected to an agent here", code="no_call")
        if call.agent_id != agent_id:
            raise Conflict("only the agent on the call can do that", code="not_your_call")
        return call

    async def consult(self, conversation_id: int, agent_id: int, user_id: int) -> None:
        """The agent calls a colleague or a department's line while the citizen hears hold music."""
        call = self._connected_call(conversation_id, agent_id)
        if call.third is not None:
            raise Conflict("a consultation or three-party call is already under way", code="busy")
        if user_id == agent_id:
            raise Conflict("the agent cannot consult themselves", code="bad_target")
        assert call.agent_leg is not None and call.agent_leg.sdp_answer is not None
        third = Third(kind="consult", rtp_id=f"consult-{secrets.token_hex(8)}", near_tag=secrets.token_hex(6),
                      far_tag=secrets.token_hex(6), user_id=user_id)
        call.third = third
        await self._hold_caller(call)
        try:
            offered = await self.ng.command("offer", call_id=third.rtp_id, from_tag=third.near_tag,
                                            sdp=serialize_sdp(call.agent_leg.sdp_answer),
                                            flags=OFFER_FLAGS, replace=["origin", "session-connection"])
        except NgError as exc:
            call.third = None
            await self._reconnect_agent(call)
            raise Conflict(f"the media relay refused the consultation: {exc}", code="media") from None
        self._ring_third(call, third, offered["sdp"].decode(), f"sip:{service.sip_username(user_id)}@{REALM}",
                         self.config.kamailio)
        await self._db(actions.do_third_party_event, call_id=call.record_id, kind="consult",
                       data={"to_user_id": user_id})

    async def protect(self, conversation_id: int, agent_id: int, step: str) -> float:
        """The agent's answer to abuse on a call (M17): a warning is played to the caller; at the
        end ("protect", or the policy's last step) the agent's leg is released at once, the caller
        hears why, and the line is cleared when that has been said. Returns when the agent is out
        (or the warning has started): the seconds the caller still hears."""
        call = self._connected_call(conversation_id, agent_id)
        if step != "end":
            return await self._play(call, [Say.of(f"voice.protect.{step}")])
        if call.third is not None:
            await self._end_third(call, reason="the call was ended for abuse", restore=False)
        leg = call.agent_leg
        if leg is not None and self._uac is not None:
            leg.hangup(self._uac)
            self.agent_legs.pop(leg.call_id, None)
            self.leg_sdp.pop(leg.call_id, None)
            self.leg_answered.pop(leg.call_id, None)
        call.agent_leg = None
        call.phase = "protected"
        duration = await self._play(call, [Say.of("voice.protect.ended")])
        self._set_timer(call, duration + 0.3, functools.partial(self._hang_up, by="agent",
                                                                 reason="ended for abuse"))
        return duration

    async def complete_consult(self, conversation_id: int, agent_id: int) -> None:
        """Hand the caller to the consulted party (who then takes the agent's place on the call)."""
        call = self._connected_call(conversation_id, agent_id)
        third = call.third
        if third is None or third.kind != "consult" or third.phase != "talking":
            raise Conflict("no answered consultation to hand the call to", code="no_consult")
        await self._hand_over(call)

    async def cancel_consult(self, conversation_id: int, agent_id: int) -> None:
        """Back to the caller: the consulted phone is released."""
        call = self._connected_call(conversation_id, agent_id)
        if call.third is None or call.third.kind != "consult":
            raise Conflict("no consultation under way", code="no_consult")
        await self._end_third(call, reason="the agent returned to the caller")

    async def conference(self, conversation_id: int, agent_id: int, *, user_id: int | None = None,
                         number: str = "") -> None:
        """Add a third party (an interpreter: a colleague's or an official's phone, or an outside
        number through the carrier) to the call: the three are mixed by Janus's AudioBridge."""
        call = self._connected_call(conversation_id, agent_id)
        if call.third is not None:
            raise Conflict("a consultation or three-party call is already under way", code="busy")
        if self.bridge is None:
            raise Conflict("three-party calls need Janus's AudioBridge (DASAN_VOICE_BRIDGE_WS)", code="no_bridge")
        if number and self.config.outbound is None:
            raise Conflict("no outbound trunk configured for outside numbers", code="no_outbound")
        if user_id == agent_id:
            raise Conflict("the agent cannot add themselves", code="bad_target")
        assert call.agent_leg is not None and call.agent_leg.sdp_answer is not None
        third = Third(kind="conference", rtp_id=f"conference-{secrets.token_hex(8)}",
                      near_tag=secrets.token_hex(6), far_tag=secrets.token_hex(6), user_id=user_id, number=number)
        call.third = third
        try:
            third.room, third.room_handle = await self.bridge.create_room()
            # The citizen's side of the call (rtpengine's port that faced the agent) and the agent's
            # phone each join the room; the room's ports are then given to them.
            ip, port = _address(call.toward_agent_sdp)
            citizen = await self.bridge.join(third.room, "citizen", ip, port)
            third.members.append(citizen.handle)
            ip, port = _address(serialize_sdp(call.agent_leg.sdp_answer))
            agent = await self.bridge.join(third.room, "agent", ip, port)
            third.members.append(agent.handle)
            await self._point_caller(call, rtp_sdp(citizen.ip, citizen.port))
            toward_agent = rtp_sdp(agent.ip, agent.port)
            if await self._repoint(call.agent_leg, toward_agent) is None:
                raise BridgeError("the agent's phone did not take the conference's media")
            offered = await self.ng.command("offer", call_id=third.rtp_id, from_tag=third.near_tag, sdp=PARKED_SDP,
                                            flags=OFFER_FLAGS, replace=["origin", "session-connection"])
        except (BridgeError, NgError) as exc:
            await self._end_third(call, reason=str(exc)[:200])
            raise Conflict(f"the three-party call could not start: {exc}", code="bridge") from None
        if number:
            assert self.config.outbound is not None
            host, port_ = self.config.outbound
            self._ring_third(call, third, offered["sdp"].decode(), f"sip:{number}@{host}:{port_}",
                             self.config.outbound)
        else:
            self._ring_third(call, third, offered["sdp"].decode(),
                             f"sip:{service.sip_username(user_id or 0)}@{REALM}", self.config.kamailio)
        await self._db(actions.do_third_party_event, call_id=call.record_id, kind="conference",
                       data={"to_user_id": user_id, "number": number})

    async def end_conference(self, conversation_id: int, agent_id: int) -> None:
        """The interpreter leaves; the citizen and the agent go on as before."""
        call = self._connected_call(conversation_id, agent_id)
        if call.third is None or call.third.kind != "conference":
            raise Conflict("no three-party call under way", code="no_conference")
        await self._end_third(call, reason="the agent ended the three-party call")

    def _ring_third(self, call: Call, third: Third, sdp: str, uri: str, target: tuple[str, int]) -> None:
        assert self._uac is not None
        leg = self._uac.send_invite(
            f"sip:{call.caller or 'anonymous'}@{REALM}", uri, target, parse_sdp(sdp),
            extra_headers={"X-Dasan-Conversation": str(call.conversation_id), "X-Dasan-Purpose": third.kind,
                           "X-Dasan-Dialled": call.route.number})
        third.leg = leg
        self.third_legs[leg.call_id] = call
        self.leg_sdp[leg.call_id] = sdp
        leg.on_answer = lambda out: self._spawn(self._third_answered(call, third, out))
        leg.on_rejected = lambda out, code, reason: self._spawn(
            self._end_third(call, gone=out.call_id, reason=f"did not answer ({code} {reason})"[:200], only=third))

    async def _third_answered(self, call: Call, third: Third, leg: OutgoingCall) -> None:
        self.leg_answered[leg.call_id] = time.monotonic()
        if call.third is not third or third.phase != "ringing" or leg.sdp_answer is None:
            with contextlib.suppress(Exception):
                leg.hangup(self._uac)  # type: ignore[arg-type]
            return
        third.far_sdp = serialize_sdp(leg.sdp_answer)
        try:
            answered = await self.ng.command("answer", call_id=third.rtp_id, from_tag=third.near_tag,
                                             to_tag=third.far_tag, sdp=third.far_sdp, flags=["trust-address"])
            near = answered["sdp"].decode()
            if third.kind == "consult":
                assert call.agent_leg is not None
                if await self._repoint(call.agent_leg, near) is None:
                    raise BridgeError("the agent's phone did not take the consultation's media")
            else:
                assert self.bridge is not None and third.room is not None
                ip, port = _address(near)
                member = await self.bridge.join(third.room, "interpreter", ip, port)
                third.members.append(member.handle)
                await self.ng.command("offer", call_id=third.rtp_id, from_tag=third.near_tag,
                                      sdp=rtp_sdp(member.ip, member.port), flags=OFFER_FLAGS,
                                      replace=["origin", "session-connection"])
                await self.ng.command("answer", call_id=third.rtp_id, from_tag=third.near_tag, to_tag=third.far_tag,
                                      sdp=third.far_sdp, flags=["trust-address"])
        except (BridgeError, NgError) as exc:
            log.error("third party on %s: %s", call.sip.call_id, exc)
            await self._end_third(call, reason=str(exc)[:200])
            return
        third.phase = "talking"
        await self._db(actions.do_third_party_event, call_id=call.record_id, kind=f"{third.kind}_answered",
                       data={"to_user_id": third.user_id, "number": third.number})

    async def _hand_over(self, call: Call, *, agent_gone: bool = False) -> None:
        """The consulted party takes the agent's place beside the caller (a warm transfer)."""
        third = call.third
        assert third is not None and third.leg is not None
        new_leg = third.leg
        got = await self._repoint(new_leg, call.toward_agent_sdp)
        if got is None:
            if agent_gone:
                await self._hang_up(call, by="agent", reason="the consulted phone did not take the call")
                return
            raise Conflict("the consulted phone did not take the call", code="no_consult")
        with contextlib.suppress(NgError):
            await self._point_caller(call, serialize_sdp(got))
            await self.ng.command("stop media", call_id=call.sip.call_id, from_tag=call.from_tag)
        old = call.agent_leg
        if old is not None:
            self.agent_legs.pop(old.call_id, None)
            self.leg_sdp.pop(old.call_id, None)
            self.leg_answered.pop(old.call_id, None)
            if not agent_gone and self._uac is not None:
                with contextlib.suppress(Exception):
                    old.hangup(self._uac)
        self.third_legs.pop(new_leg.call_id, None)
        with contextlib.suppress(NgError):
            await self.ng.command("delete", call_id=third.rtp_id, from_tag=third.near_tag)
        third.phase = "ended"
        call.third = None
        call.held = False
        call.agent_leg = new_leg
        self.agent_legs[new_leg.call_id] = call
        previous, call.agent_id = call.agent_id, third.user_id
        await self._db(actions.do_warm_transfer, call_id=call.record_id, from_agent_id=previous,
                       to_user_id=third.user_id)

    async def _end_third(self, call: Call, *, reason: str, gone: str = "", restore: bool = True,
                         only: Third | None = None) -> None:
        """The consultation or three-party call ends (the third party hung up or did not answer,
        the agent returned, or the call ended): the third party's phone is released and, unless
        the call is ending, the caller and the agent talk again as before."""
        third = call.third
        if third is None or (only is not None and third is not only) or third.phase == "ended":
            return
        was = third.phase
        third.phase = "ended"
        call.third = None
        leg = third.leg
        if leg is not None:
            self.third_legs.pop(leg.call_id, None)
            self.leg_sdp.pop(leg.call_id, None)
            self.leg_answered.pop(leg.call_id, None)
            if leg.call_id != gone and self._uac is not None:
                with contextlib.suppress(Exception):
                    if leg.dialog.state == DialogState.EARLY:
                        leg.cancel(self._uac)
                    elif leg.dialog.state == DialogState.CONFIRMED:
                        leg.hangup(self._uac)
        with contextlib.suppress(NgError):
            await self.ng.command("delete", call_id=third.rtp_id, from_tag=third.near_tag)
        if restore and call.phase == "connected":
            await self._reconnect_agent(call)
        if self.bridge is not None:
            for handle in third.members:
                await self.bridge.leave(handle)
            if third.room is not None:
                await self.bridge.destroy(third.room, third.room_handle)
        await self._db(actions.do_third_party_event, call_id=call.record_id, kind=f"{third.kind}_ended",
                       data={"reason": reason, "answered": was == "talking"})

    async def _hold_caller(self, call: Call) -> None:
        """The caller waits with music; nothing of theirs reaches the agent's side meanwhile."""
        with contextlib.suppress(NgError):
            await self._point_caller(call, PARKED_SDP)
            await self.ng.command("play media", call_id=call.sip.call_id, from_tag=call.from_tag,
                                  file=str(self.music), repeat_times=1000)

    async def _reconnect_agent(self, call: Call) -> None:
        """The agent's phone back on the caller's call (after a consultation or a conference)."""
        leg = call.agent_leg
        if leg is None:
            return
        if self.leg_sdp.get(leg.call_id, call.toward_agent_sdp) != call.toward_agent_sdp:
            await self._repoint(leg, call.toward_agent_sdp)
        with contextlib.suppress(NgError):
            if leg.sdp_answer is not None:
                await self._point_caller(call, serialize_sdp(leg.sdp_answer))
            await self.ng.command("stop media", call_id=call.sip.call_id, from_tag=call.from_tag)

    async def _point_caller(self, call: Call, sdp: str, *, caller_sdp: str = "") -> dict[str, Any]:
        """Send the caller's audio to (and take what they hear from) the address in `sdp` — the
        parked side, or a phone or room (then marked for the agent's keys: `inject DTMF`).
        `caller_sdp`: the caller's new offer (a re-INVITE), else the one they gave. rtpengine's answer."""
        cid = call.sip.call_id
        joined = sdp is not PARKED_SDP
        await self.ng.command("offer", call_id=cid, from_tag=call.from_tag, sdp=caller_sdp or call.caller_sdp,
                              flags=JOIN_OFFER_FLAGS if joined else OFFER_FLAGS,
                              replace=["origin", "session-connection"])
        return await self.ng.command("answer", call_id=cid, from_tag=call.from_tag,
                                     to_tag=call.sip.dialog.local_tag, sdp=sdp,
                                     flags=JOIN_ANSWER_FLAGS if joined else ["trust-address"])

    async def _repoint(self, leg: OutgoingCall, sdp: str) -> Any:
        """Point a phone's media at the address in `sdp` (a re-INVITE); its new SDP, or None."""
        assert self._transport is not None
        # A browser's phone (Janus) sets its media up for a second or so after it answers; a
        # re-INVITE in that time may go unanswered: wait until the leg has settled.
        settle = self.leg_answered.get(leg.call_id, 0.0) + REPOINT_SETTLE_S - time.monotonic()
        if settle > 0:
            await asyncio.sleep(settle)
        for attempt in range(3):  # a phone still settling its own answer may let one go, or refuse it
            if attempt:
                # After a refusal (491 Request Pending while the phone renegotiates) the side that
                # owns the Call-ID waits 2.1-4 s before asking again (RFC 3261 §14.1).
                await asyncio.sleep(random.uniform(2.1, 4.0))
            got = await self._transport.reinvite(leg, sdp, leg.remote_addr, timeout_s=4.0)
            if got is not None:
                self.leg_sdp[leg.call_id] = sdp
                return got
        return None

    # --- the end -----------------------------------------------------------------------------
    async def _on_bye(self, sip: IncomingCall, request: SipRequest) -> None:
        cid = sip.call_id
        if cid in self.outbound:
            ob = self.outbound[cid]
            citizen_side = ob.citizen is not None and ob.citizen.call_id == cid
            await self._end_outbound(ob, by="citizen" if citizen_side else "agent", gone=cid)
        elif cid in self.calls:
            await self._hang_up(self.calls[cid], by="caller", reason="", caller_gone=True)
        elif cid in self.third_legs:
            call = self.third_legs[cid]
            if call.third is not None:  # the consulted phone or the interpreter hung up: back to two
                await self._end_third(call, gone=cid, reason="hung up")
        elif cid in self.agent_legs:
            call = self.agent_legs[cid]
            third = call.third
            if third is not None and third.kind == "consult" and third.phase == "talking":
                # The agent hangs up while talking with the consulted party: that hands the caller over.
                self.agent_legs.pop(cid, None)
                await self._hand_over(call, agent_gone=True)
                return
            self.agent_legs.pop(cid, None)
            call.agent_leg = None
            await self._hang_up(call, by="agent", reason="")

    async def _on_ack_timeout(self, sip: IncomingCall) -> None:
        """The caller's side never acknowledged the answer (RFC 3261 §13.3.1.4: 32 s): aiosipua
        released the dialog, so no BYE will come for it — the call ends here, with a record."""
        call = self.calls.get(sip.call_id)
        if call is not None:
            await self._hang_up(call, by="network", reason="the caller's side never acknowledged the answer",
                                caller_gone=True)

    async def _hang_up(self, call: Call, *, by: str, reason: str, outcome: CallOutcome | None = None,
                       caller_gone: bool = False) -> None:
        if call.phase == "ended":
            return
        was = call.phase
        call.phase = "ended"
        call.ended_epoch = time.time()
        call.ended_by = by
        for task in (call.timer, call.announcer):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        cid = call.sip.call_id
        self.calls.pop(cid, None)
        if call.third is not None:
            await self._end_third(call, reason="the call ended", restore=False)
        if not caller_gone:
            with contextlib.suppress(Exception):
                call.sip.hangup()
        leg = call.agent_leg
        if leg is not None and self._uac is not None:
            if was == "ringing":
                leg.cancel(self._uac)
            else:
                leg.hangup(self._uac)
            self.agent_legs.pop(leg.call_id, None)
            self.leg_sdp.pop(leg.call_id, None)
            self.leg_answered.pop(leg.call_id, None)
        with contextlib.suppress(NgError):
            await self.ng.command("delete", call_id=cid, from_tag=call.from_tag)
        await self._db(actions.do_end_call, call_id=call.record_id, by=by, prompts=call.prompts,
                       menu_path="".join(call.path), outcome=outcome, reason=reason)
        if call.recorded:
            self._spawn(self._keep_recording(cid, call.record_id, call.relay_for_caller,
                                             (call.connected_epoch, call.ended_epoch)))

    async def _keep_recording(self, rtp_id: str, record_id: int, citizen_side: tuple[str, int],
                              span: tuple[float, float]) -> None:
        """Turn rtpengine's pcap of a call into the stereo WAV kept with its record."""
        await asyncio.sleep(0.3)  # rtpengine closes the pcap when the call is deleted
        pcap = await asyncio.to_thread(rec.find_pcap, self.config.recording_dir, rtp_id)
        if pcap is None:
            log.warning("no recording found for %s", rtp_id)
            return
        rel = Path("voice") / "recordings" / f"{record_id}.wav"

        def convert() -> float:
            seconds = rec.to_stereo_wav(rec.read_pcap(pcap), citizen_side, self.config.data_dir / rel, span=span)
            pcap.unlink(missing_ok=True)
            return seconds

        try:
            seconds = await asyncio.to_thread(convert)
        except (OSError, ValueError) as exc:
            log.warning("recording of %s not converted: %s", rtp_id, exc)
            return
        await self._db(actions.do_attach_recording, call_id=record_id, path=str(rel), seconds=seconds)

    # --- calls the center places ---------------------------------------------------------------
    def _new_outbound(self, kind: str, agent_id: int, conversation_id: int) -> Outbound:
        return Outbound(kind=kind, rtp_id=f"{kind}-{secrets.token_hex(8)}", citizen_tag=secrets.token_hex(6),
                        agent_tag=secrets.token_hex(6), agent_id=agent_id, conversation_id=conversation_id)

    def _dial_citizen(self, ob: Outbound, sdp: str, center_number: str) -> None:
        assert self._uac is not None and self.config.outbound is not None
        host, port = self.config.outbound
        leg = self._uac.send_invite(f"sip:{center_number or 'dasan'}@{REALM}", f"sip:{ob.number}@{host}:{port}",
                                    self.config.outbound, parse_sdp(sdp),
                                    extra_headers={"X-Dasan-Conversation": str(ob.conversation_id)})
        ob.citizen = leg
        ob.phase = "dialling"
        self.outbound[leg.call_id] = ob
        leg.on_answer = lambda out: self._spawn(self._citizen_answered(ob, out))
        leg.on_rejected = lambda out, code, reason: self._spawn(self._citizen_refused(ob, code, reason))

    async def _start_callback(self, conv_id: int, agent_id: int) -> None:
        """A callback's turn came: ring the agent, then (once they answer) dial the citizen."""
        assert self._uac is not None
        ob = self._new_outbound("callback", agent_id, conv_id)
        self.callbacks[conv_id] = ob
        try:
            number = await self._db(actions.do_begin_callback, conversation_id=conv_id, sip_call_id=ob.rtp_id)
            if number is None:
                self.callbacks.pop(conv_id, None)
                return
            ob.number = number
            offered = await self.ng.command("offer", call_id=ob.rtp_id, from_tag=ob.citizen_tag, sdp=PARKED_SDP,
                                            flags=JOIN_OFFER_FLAGS, replace=["origin", "session-connection"])
        except (NgError, Exception) as exc:
            log.error("callback %s not started: %s", conv_id, exc)
            self.callbacks.pop(conv_id, None)
            return
        ob.phase = "ringing-agent"
        leg = self._uac.send_invite(
            f"sip:{number}@{REALM}", f"sip:{service.sip_username(agent_id)}@{REALM}", self.config.kamailio,
            parse_sdp(offered["sdp"].decode()),
            extra_headers={"X-Dasan-Conversation": str(conv_id), "X-Dasan-Callback": number})
        ob.agent_out = leg
        self.outbound[leg.call_id] = ob
        leg.on_answer = lambda out: self._spawn(self._callback_agent_answered(ob, out))
        leg.on_rejected = lambda out, code, reason: self._spawn(self._callback_agent_refused(ob, code))

    async def _callback_agent_answered(self, ob: Outbound, leg: OutgoingCall) -> None:
        self.leg_answered[leg.call_id] = time.monotonic()
        if ob.phase != "ringing-agent" or leg.sdp_answer is None:
            return
        ob.agent_sdp = serialize_sdp(leg.sdp_answer)
        try:
            answered = await self.ng.command("answer", call_id=ob.rtp_id, from_tag=ob.citizen_tag, to_tag=ob.agent_tag,
                                             sdp=ob.agent_sdp, flags=JOIN_ANSWER_FLAGS)
        except NgError as exc:
            log.error("callback %s: %s", ob.rtp_id, exc)
            await self._end_outbound(ob, by="center", reason=f"media relay: {exc}"[:200])
            return
        toward_citizen = answered["sdp"].decode()
        relay = parse_sdp(toward_citizen).rtp_address or ("", 0)
        ob.relay_for_citizen = (relay[0], relay[1])
        ok = await self._db(actions.do_connected, call_id=ob.record_id or await self._record_id(ob),
                            agent_id=ob.agent_id)
        if not ok:
            await self._end_outbound(ob, by="center", reason="the offer was withdrawn")
            return
        center_number = await self._db(lambda session: center_service.get(session).number, read=True)
        self._dial_citizen(ob, toward_citizen, center_number)

    async def _record_id(self, ob: Outbound) -> int:
        def find(session: Session) -> int:
            row = service.get_call(session=session, sip_call_id=ob.rtp_id)
            return row.id if row else 0
        ob.record_id = await self._db(find, read=True)
        return ob.record_id

    async def _callback_agent_refused(self, ob: Outbound, code: int) -> None:
        if ob.agent_out is not None:
            self.outbound.pop(ob.agent_out.call_id, None)
        ob.phase = "ended"
        self.callbacks.pop(ob.conversation_id, None)
        with contextlib.suppress(NgError):
            await self.ng.command("delete", call_id=ob.rtp_id, from_tag=ob.citizen_tag)
        await self._db(actions.do_agent_missed, conversation_id=ob.conversation_id, agent_id=ob.agent_id,
                       reason=_missed(code))
        record_id = ob.record_id or await self._record_id(ob)
        if record_id:
            await self._db(actions.do_end_call, call_id=record_id, by="agent", prompts=[], menu_path="",
                           outcome=CallOutcome.FAILED, reason=f"the agent's phone did not answer ({code})")
        self.kick()

    async def _agent_dials(self, sip: IncomingCall, agent_user: str, number: str) -> None:
        """An agent's softphone calls a citizen: the contact is the agent's from the start."""
        agent_id = service.user_of_sip(agent_user)
        if agent_id is None:
            sip.reject(403, "Forbidden")
            return
        if self.config.outbound is None:
            await self._refuse(sip, number, agent_user, 503, "Service Unavailable", "no outbound trunk configured")
            return
        if sip.sdp_offer is None:
            await self._refuse(sip, number, agent_user, 488, "Not Acceptable Here", "no audio offered")
            return
        try:
            record_id, conv_id, dial = await self._db(actions.do_begin_agent_call, sip_call_id=sip.call_id,
                                                      agent_id=agent_id, number=number)
        except Exception as exc:  # Invalid: not a number, not an agent
            await self._refuse(sip, number, agent_user, 484, "Address Incomplete", str(exc)[:200])
            return
        ob = self._new_outbound("dial", agent_id, conv_id)
        ob.rtp_id, ob.agent_tag, ob.record_id, ob.number = sip.call_id, sip.dialog.remote_tag, record_id, dial
        ob.agent_in = sip
        ob.agent_sdp = sip.invite.text
        self.outbound[sip.call_id] = ob
        try:
            # The agent's offer: rtpengine's other side faces the citizen.
            offered = await self.ng.command("offer", call_id=ob.rtp_id, from_tag=ob.agent_tag, sdp=ob.agent_sdp,
                                            flags=JOIN_OFFER_FLAGS, replace=["origin", "session-connection"])
        except NgError as exc:
            sip.reject(503, "Service Unavailable")
            await self._end_outbound(ob, by="center", reason=f"media relay: {exc}"[:200])
            return
        toward_citizen = offered["sdp"].decode()
        relay = parse_sdp(toward_citizen).rtp_address or ("", 0)
        ob.relay_for_citizen = (relay[0], relay[1])
        sip.ringing()
        center_number = await self._db(lambda session: center_service.get(session).number, read=True)
        self._dial_citizen(ob, toward_citizen, center_number)

    async def _citizen_answered(self, ob: Outbound, leg: OutgoingCall) -> None:
        if ob.phase != "dialling" or leg.sdp_answer is None:
            if ob.phase == "ended":
                leg.hangup(self._uac)  # type: ignore[arg-type]
            return
        citizen_sdp = serialize_sdp(leg.sdp_answer)
        try:
            if ob.kind == "dial":
                assert ob.agent_in is not None
                answered = await self.ng.command("answer", call_id=ob.rtp_id, from_tag=ob.agent_tag,
                                                 to_tag=ob.citizen_tag, sdp=citizen_sdp, flags=JOIN_ANSWER_FLAGS)
                ob.agent_in.accept(parse_sdp(answered["sdp"].decode()))
            else:
                # The citizen's side was the (parked) offer: offer again with the citizen's real
                # address, and answer with the agent's phone as before (rtpengine keeps the
                # agent's side where it was: OFFER_FLAGS).
                await self.ng.command("offer", call_id=ob.rtp_id, from_tag=ob.citizen_tag, to_tag=ob.agent_tag,
                                      sdp=citizen_sdp, flags=JOIN_OFFER_FLAGS, replace=["origin", "session-connection"])
                await self.ng.command("answer", call_id=ob.rtp_id, from_tag=ob.citizen_tag, to_tag=ob.agent_tag,
                                      sdp=ob.agent_sdp, flags=JOIN_ANSWER_FLAGS)
        except NgError as exc:
            log.error("could not connect %s: %s", ob.rtp_id, exc)
        ob.phase = "connected"
        # The citizen is told who calls and that the call is recorded, then recording starts.
        await self._notify_citizen(ob)
        try:
            await self.ng.command("start recording", call_id=ob.rtp_id)
        except NgError as exc:
            log.error("the call %s is not recorded: %s", ob.rtp_id, exc)
        ob.connected_epoch = time.time()
        await self._db(actions.do_outbound_answered, call_id=ob.record_id or await self._record_id(ob),
                       agent_id=ob.agent_id)

    async def _notify_citizen(self, ob: Outbound) -> None:
        def lang_and_center(session: Session) -> tuple[str, Center]:
            center = center_service.get(session)
            conv = session.get(Conversation, ob.conversation_id)
            return (conv.lang if conv is not None else center.default_lang), center

        lang, center = await self._db(lang_and_center, read=True)
        path = await asyncio.to_thread(self.prompts.sequence, [Say.of("voice.welcome"), Say.of("voice.notice")],
                                       lang, center)
        try:
            reply = await self.ng.command("play media", call_id=ob.rtp_id, from_tag=ob.citizen_tag, file=str(path))
        except NgError as exc:
            log.warning("no recording notice on %s: %s", ob.rtp_id, exc)
            return
        await asyncio.sleep(float(reply.get("duration", 0)) / 1000.0)

    async def _citizen_refused(self, ob: Outbound, code: int, reason: str) -> None:
        if ob.citizen is not None:
            self.outbound.pop(ob.citizen.call_id, None)
            ob.citizen = None
        if ob.kind == "dial" and ob.agent_in is not None and ob.phase == "dialling":
            ob.agent_in.reject(code if 400 <= code < 700 else 480, reason or "Unavailable")
            ob.agent_in = None
        await self._end_outbound(ob, by="citizen", reason=f"the citizen did not answer ({code} {reason})"[:200],
                                 outcome=CallOutcome.FAILED)

    async def _on_cancel(self, request: SipRequest) -> None:
        ob = self.outbound.get(request.call_id or "")
        if ob is not None and ob.kind == "dial" and ob.phase in ("starting", "dialling"):
            ob.agent_in = None  # aiosipua answered the CANCEL and ended the agent's INVITE
            await self._end_outbound(ob, by="agent", reason="the agent hung up before the answer",
                                     outcome=CallOutcome.FAILED)

    async def _end_outbound(self, ob: Outbound, *, by: str, reason: str = "", gone: str = "",
                            outcome: CallOutcome | None = None) -> None:
        if ob.phase == "ended":
            return
        was = ob.phase
        ob.phase = "ended"
        ob.ended_epoch = time.time()
        uac = self._uac
        assert uac is not None
        for leg in (ob.citizen, ob.agent_out):
            if leg is None or leg.call_id == gone:
                continue
            if leg.dialog.state == DialogState.EARLY:
                leg.cancel(uac)
            else:
                leg.hangup(uac)
        if ob.agent_in is not None and ob.agent_in.call_id != gone:
            with contextlib.suppress(Exception):
                if was == "connected":
                    ob.agent_in.hangup()
                else:
                    ob.agent_in.reject(487, "Request Terminated")
        for key in [k for k, v in self.outbound.items() if v is ob]:
            self.outbound.pop(key, None)
        self.callbacks.pop(ob.conversation_id, None)
        with contextlib.suppress(NgError):
            await self.ng.command("delete", call_id=ob.rtp_id, from_tag=ob.citizen_tag if ob.kind == "callback"
                                  else ob.agent_tag)
        record_id = ob.record_id or await self._record_id(ob)
        if record_id:
            await self._db(actions.do_end_call, call_id=record_id, by=by, prompts=[], menu_path="",
                           outcome=outcome, reason=reason)
        if was == "connected" and record_id:
            self._spawn(self._keep_recording(ob.rtp_id, record_id, ob.relay_for_citizen,
                                             (ob.connected_epoch, ob.ended_epoch)))


def _read_pool() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="voice-read")


def _address(sdp: str) -> tuple[str, int]:
    """The RTP address an SDP gives for its audio."""
    addr = parse_sdp(sdp).rtp_address
    if addr is None:
        raise BridgeError("an SDP without an audio address")
    return str(addr[0]), int(addr[1])


def _missed(code: int) -> str:
    """Why an agent's phone did not take a call, from its final SIP response."""
    return {404: "no_softphone", 480: "no_answer", 408: "no_answer", 487: "no_answer"}.get(code, "declined")


def _direction(sdp: str) -> str:
    """The audio direction an SDP asks for (sendrecv when it says nothing)."""
    for line in sdp.splitlines():
        if line.strip() in ("a=sendonly", "a=recvonly", "a=inactive", "a=sendrecv"):
            return line.strip()[2:]
    return "sendrecv"


def _with_direction(sdp: str, direction: str) -> str:
    """The same SDP with its direction attributes replaced by `direction`."""
    lines = [line for line in sdp.replace("\r\n", "\n").split("\n")
             if line.strip() not in ("a=sendonly", "a=recvonly", "a=inactive", "a=sendrecv") and line.strip()]
    return "\r\n".join([*lines, f"a={direction}"]) + "\r\n"


def _user_of(uri_or_header: str) -> str:
    """The user part of a SIP URI or a From/To header value ('' if none)."""
    text = uri_or_header
    start = text.find("sip:")
    if start < 0:
        return ""
    rest = text[start + 4:]
    at = rest.find("@")
    if at < 0:
        return ""
    return rest[:at].split(";")[0][:64]

"""The SIP transport the controller uses: aiosipua's UDP transport with two corrections found
while testing behind Kamailio (both reported upstream's way; kept here until a release has them):

- RFC 3261 §12.1.1: a UAS copies the request's Record-Route into its responses, so the caller's
  ACK and BYE come back through the proxy. aiosipua 0.7 leaves it out.
- RFC 3261 §12.1.2: a UAC takes the dialog's remote target from the 2xx's Contact and its
  route set from the 2xx's Record-Route (reversed). aiosipua 0.7 keeps the request URI and no
  route, so its ACK and BYE never find the callee behind a proxy; the transport sets both
  before the UAC sees the 2xx.
- A re-INVITE's 2xx carries no Record-Route (the route set is fixed by the first 2xx, §12.2.1.2):
  aiosipua would take its empty one; only the dialog-creating 2xx sets the route set here.
- A re-INVITE the controller sends (to point a phone's media elsewhere: consultations,
  conferences) is awaited through `reinvite`, which aiosipua does not offer.
- INFO inside a dialog (the keypad of a phone that sends its keys as SIP INFO, as Janus's
  softphone does) is answered here and handed to `on_info`; aiosipua answers INFO with 405.
- On Python 3.11 asyncio's UDP transport is not a subclass of `asyncio.DatagramTransport`, and
  aiosipua's `connection_made` asserts that it is (logging an error at every start).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosipua import SdpMessage, SipMessage, SipRequest, SipResponse, SipUAC, parse_sdp
from aiosipua.outgoing_call import OutgoingCall
from aiosipua.transport import UdpSipTransport

log = logging.getLogger(__name__)
_REMEMBER = 4096  # requests whose Record-Route we keep for their responses


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, owner: DasanUdpTransport) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.owner._dispatch(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP "port unreachable" for a peer that went away: its dialog times out


@dataclass
class DasanUdpTransport(UdpSipTransport):
    """UDP SIP transport that keeps Record-Route in responses and fixes outgoing calls' dialogs."""

    # the owner's UAC: its calls' dialogs are completed from their 2xx answers
    uac: SipUAC | None = field(default=None, init=False, repr=False)
    # an INFO request's handler: the status code to answer it with
    on_info: Callable[[SipRequest], int] | None = field(default=None, init=False, repr=False)
    # Record-Route of recent INVITEs by (Call-ID, CSeq), for their responses
    _routes: OrderedDict[tuple[str, str], list[str]] = field(default_factory=OrderedDict, init=False, repr=False)
    # re-INVITEs awaiting their final response, by (Call-ID, CSeq number)
    _pending: dict[tuple[str, int], asyncio.Future[SipResponse]] = field(default_factory=dict, init=False, repr=False)
    # re-INVITEs sent lately (their requests, for the ACK of a refusal and its retransmissions)
    _sent: OrderedDict[tuple[str, int], tuple[SipRequest, tuple[str, int]]] = field(
        default_factory=OrderedDict, init=False, repr=False)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), local_addr=self.local_addr)
        self._udp_transport = transport

    def _dispatch(self, data: bytes, addr: tuple[str, int]) -> None:
        if data.startswith(b"INFO ") and self.on_info is not None:
            try:
                request = SipMessage.parse(data)
            except Exception:
                return  # unparsable: nothing to answer
            if isinstance(request, SipRequest):
                try:
                    status = self.on_info(request)
                except Exception:
                    log.exception("INFO on %s failed", request.call_id)
                    status = 500
                self._answer(request, status, addr)
            return
        if data.startswith((b"INVITE ", b"SIP/2.0 2")) or (self._sent and data.startswith(b"SIP/2.0 ")):
            try:
                msg = SipMessage.parse(data)
            except Exception:  # unparsable: the base class drops it with a warning
                msg = None
            if msg is not None and self._note(msg):
                return  # a refusal of our re-INVITE: answered here, the call goes on as it was
        super()._dispatch(data, addr)

    async def reinvite(self, leg: OutgoingCall, sdp: str, remote: tuple[str, int],
                       timeout_s: float = 8.0) -> SdpMessage | None:
        """Send a re-INVITE with `sdp` on an answered outgoing call; the phone's SDP answer, or
        None when it refused or did not answer in time (the call then stays as it was)."""
        assert self.uac is not None
        invite = self.uac.send_reinvite(leg.dialog, parse_sdp(same_origin(leg.invite.text, sdp)), remote)
        key = (leg.call_id, invite.cseq.seq if invite.cseq else 0)
        self._sent[key] = (invite, remote)
        while len(self._sent) > _REMEMBER:
            self._sent.popitem(last=False)
        future: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            response = await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            log.warning("re-INVITE on %s not answered", leg.call_id)
            return None
        finally:
            self._pending.pop(key, None)
        if not 200 <= response.status_code < 300:
            log.warning("re-INVITE on %s refused: %s %s", leg.call_id, response.status_code, response.reason_phrase)
            return None
        if not response.body:  # accepted without an SDP of its own: the phone's media stays where it was
            return leg.sdp_answer
        return parse_sdp(response.text)

    def _note(self, msg: SipRequest | SipResponse) -> bool:
        """Take what the controller needs from a message; True when it was a refusal of one of our
        re-INVITEs (acknowledged here: aiosipua would end the whole call on it)."""
        if isinstance(msg, SipRequest):
            # Remember the Record-Route of the dialog-creating request, for its responses.
            routes = msg.headers.get("record-route")
            if routes and msg.call_id:
                self._routes[(msg.call_id, str(msg.headers.get_first("cseq") or ""))] = routes
                while len(self._routes) > _REMEMBER:
                    self._routes.popitem(last=False)
            return False
        if self.uac is None or msg.cseq is None or msg.cseq.method.upper() != "INVITE":
            return False
        key = (msg.call_id or "", msg.cseq.seq)
        waiting = self._pending.get(key)
        if waiting is not None and msg.status_code >= 200 and not waiting.done():
            waiting.set_result(msg)
        if key in self._sent:  # a re-INVITE's response: the dialog's target and route set stay
            if msg.status_code >= 300:
                self._ack_refusal(msg, *self._sent[key])
                return True
            return False
        if not 200 <= msg.status_code < 300:
            return False
        call = self.uac.get_call(msg.call_id or "")
        if call is None:
            return False
        contacts = msg.headers.get("contact")
        if contacts:
            value = contacts[0]
            start, end = value.find("<"), value.find(">")
            call.dialog.remote_target = value[start + 1:end] if 0 <= start < end else value.split(";")[0].strip()
        call.dialog.route_set = list(reversed(msg.headers.get("record-route")))
        return False

    def _answer(self, request: SipRequest, status: int, addr: tuple[str, int]) -> None:
        """A final response to an in-dialog request, sent back where it came from (the proxy)."""
        phrase = {200: "OK", 415: "Unsupported Media Type", 481: "Call/Transaction Does Not Exist"}.get(
            status, "Server Internal Error")
        response = SipResponse(status_code=status, reason_phrase=phrase)
        _copy_headers(request, response, ("via", "from", "to", "call-id", "cseq"))
        response.headers.set_single("Content-Length", "0")
        super().send(response, addr)

    def _ack_refusal(self, response: SipResponse, invite: SipRequest, remote: tuple[str, int]) -> None:
        """The ACK of a non-2xx final response (RFC 3261 §17.1.1.3): the INVITE's branch and route."""
        ack = SipRequest(method="ACK", uri=invite.uri)
        _copy_headers(invite, ack, ("via", "route", "from", "call-id", "max-forwards"))
        ack.headers.set_single("To", str(response.headers.get_first("to") or ""))
        ack.headers.set_single("CSeq", f"{response.cseq.seq if response.cseq else 0} ACK")
        ack.headers.set_single("Content-Length", "0")
        super().send(ack, remote)

    def send(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        if isinstance(message, SipResponse) and not message.headers.get("record-route"):
            routes = self._routes.get((message.call_id or "", str(message.headers.get_first("cseq") or "")))
            if routes and 100 < message.status_code < 300:
                for r in routes:
                    message.headers.append("Record-Route", r)
        super().send(message, addr)


def _copy_headers(source: SipMessage, target: SipMessage, names: tuple[str, ...]) -> None:
    for name in names:
        for value in source.headers.get(name):
            target.headers.append(name.title() if name != "call-id" else "Call-ID", value)


def same_origin(previous: str, sdp: str) -> str:
    """`sdp` as the next offer of the session `previous` began: the same origin (o=) user and
    session id with the version one higher (RFC 3264 §8). A phone (Janus's SIP stack among
    them) may take an offer with another session's origin as nothing new."""
    old = next((line for line in previous.splitlines() if line.startswith("o=")), "")
    parts = old[2:].split()
    if len(parts) < 6 or not parts[2].isdigit():
        return sdp
    lines = sdp.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.startswith("o="):
            mine = line[2:].split()
            address = mine[5] if len(mine) >= 6 else parts[5]
            lines[i] = f"o={parts[0]} {parts[1]} {int(parts[2]) + 1} {parts[3]} {parts[4]} {address}"
    return "\r\n".join(lines)


def info_key(request: SipRequest) -> str | None:
    """The key an INFO carries: `application/dtmf-relay` ("Signal=5") or `application/dtmf`
    ("5"); None for anything else (another kind of INFO, or not one key)."""
    kind = (request.content_type or "").split(";")[0].strip().lower()
    text = request.text.strip() if request.body else ""
    if kind == "application/dtmf-relay":
        for line in text.splitlines():
            name, _, value = line.partition("=")
            if name.strip().lower() == "signal":
                text = value.strip()
                break
        else:
            return None
    elif kind != "application/dtmf":
        return None
    text = {"10": "*", "11": "#"}.get(text, text).upper()
    return text if len(text) == 1 and text in "0123456789*#ABCD" else None

"""The SIP transport the controller uses: aiosipua's UDP transport with two corrections found
while testing behind Kamailio (both reported upstream's way; kept here until a release has them):

- RFC 3261 §12.1.1: a UAS copies the request's Record-Route into its responses, so the caller's
  ACK and BYE come back through the proxy. aiosipua 0.7 leaves it out.
- RFC 3261 §12.1.2: a UAC takes the dialog's remote target from the 2xx's Contact and its
  route set from the 2xx's Record-Route (reversed). aiosipua 0.7 keeps the request URI and no
  route, so its ACK and BYE never find the callee behind a proxy; `DialogFixer` sets both.
- On Python 3.11 asyncio's UDP transport is not a subclass of `asyncio.DatagramTransport`, and
  aiosipua's `connection_made` asserts that it is (logging an error at every start).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from aiosipua import SipMessage, SipRequest, SipResponse, SipUAC
from aiosipua.transport import UdpSipTransport

_REMEMBER = 4096  # requests whose Record-Route we keep for their responses


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, owner: DasanUdpTransport) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.owner._dispatch(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP "port unreachable" for a peer that went away: its dialog times out


class DasanUdpTransport(UdpSipTransport):
    """UDP SIP transport that keeps Record-Route in responses and fixes outgoing calls' dialogs."""

    uac: SipUAC | None = None  # set by the owner: its calls' dialogs are completed from 2xx answers

    @property
    def _routes(self) -> OrderedDict[tuple[str, str], list[str]]:
        routes = self.__dict__.get("_dasan_routes")
        if routes is None:
            routes = self.__dict__["_dasan_routes"] = OrderedDict()
        return routes

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), local_addr=self.local_addr)
        self._udp_transport = transport

    def _dispatch(self, data: bytes, addr: tuple[str, int]) -> None:
        if data.startswith(b"SIP/2.0 2") and self.uac is not None:
            self._complete_dialog(data)
        if data.startswith(b"INVITE "):
            # Remember the Record-Route of the dialog-creating request, for its responses.
            head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
            routes = [line.split(":", 1)[1].strip() for line in head.split("\r\n")
                      if line.lower().startswith("record-route:")]
            call_id = next((line.split(":", 1)[1].strip() for line in head.split("\r\n")
                            if line.lower().startswith(("call-id:", "i:"))), "")
            cseq = next((line.split(":", 1)[1].strip() for line in head.split("\r\n")
                         if line.lower().startswith("cseq:")), "")
            if routes and call_id:
                self._routes[(call_id, cseq)] = routes
                while len(self._routes) > _REMEMBER:
                    self._routes.popitem(last=False)
        super()._dispatch(data, addr)

    def _complete_dialog(self, data: bytes) -> None:
        try:
            msg = SipMessage.parse(data)
        except Exception:
            return
        if not isinstance(msg, SipResponse) or msg.cseq is None or msg.cseq.method.upper() != "INVITE":
            return
        call = self.uac.get_call(msg.call_id or "") if self.uac is not None else None
        if call is None:
            return
        contacts = msg.headers.get("contact")
        if contacts:
            value = contacts[0]
            start, end = value.find("<"), value.find(">")
            call.dialog.remote_target = value[start + 1:end] if 0 <= start < end else value.split(";")[0].strip()
        call.dialog.route_set = list(reversed(msg.headers.get("record-route")))

    def send(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        if isinstance(message, SipResponse) and not message.headers.get("record-route"):
            routes = self._routes.get((message.call_id or "", str(message.headers.get_first("cseq") or "")))
            if routes and 100 < message.status_code < 300:
                for r in routes:
                    message.headers.append("Record-Route", r)
        super().send(message, addr)

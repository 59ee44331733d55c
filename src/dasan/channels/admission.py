"""Backpressure for intake: past capacity, a message is refused at once with "try later" in its
protocol's words, instead of waiting without bound for a thread and the database.

Each process admits at most `intake_max_in_flight` intake requests at a time (the intake API, the
Kannel, MM7 and webhook adapters, inbound email). One more is answered before anything is read
or written: 503 with Retry-After for HTTP (Kannel's smsbox retries any answer but 200/202 after
its http-queue-delay; the JSON error shape for the API and webhooks), an MM7 SOAP fault with a
server status (the MMSC retries), SMTP 451 (the sending server retries). What was acknowledged
was committed first, so refusing never drops an acknowledged message.
"""

from __future__ import annotations

import json
import threading

from dasan.channels.mm7 import fault
from dasan.observability import metrics

RETRY_AFTER_S = 1
# The paths whose requests are intake: messages and delivery reports from gateways and adapters.
INTAKE_PREFIXES = ("/api/v1/intake/", "/channels/")


class Admission:
    """A count of intake requests being answered, with a ceiling (thread-safe: the SMTP server's
    handler runs in worker threads)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self.in_flight = 0

    def try_enter(self, kind: str) -> bool:
        with self._lock:
            if self.in_flight >= self.limit:
                admitted = False
            else:
                self.in_flight += 1
                admitted = True
        if admitted:
            metrics.INTAKE_IN_FLIGHT.inc()
        else:
            metrics.REFUSED.labels(kind=kind).inc()
        return admitted

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1
        metrics.INTAKE_IN_FLIGHT.dec()


def _refusal(path: str) -> tuple[bytes, bytes]:
    """The body and content type of "try later" for the protocol this path speaks."""
    if path.startswith("/channels/mms/"):
        return (fault("", 3000, f"too many messages at once: send it again in {RETRY_AFTER_S} s", server=True),
                b"text/xml; charset=utf-8")
    body = {"error": "busy", "message": f"too many messages at once: send it again in {RETRY_AFTER_S} s"}
    return json.dumps(body).encode(), b"application/json"


class AdmissionMiddleware:
    """Counts intake requests in, refuses those past the ceiling at once."""

    def __init__(self, app, admission: Admission) -> None:
        self.app = app
        self.admission = admission

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(INTAKE_PREFIXES):
            await self.app(scope, receive, send)
            return
        if not self.admission.try_enter("http"):
            body, ctype = _refusal(path)
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", ctype), (b"retry-after", str(RETRY_AFTER_S).encode()),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.leave()

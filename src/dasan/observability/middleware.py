"""One ASGI middleware for every request: a request id (the caller's X-Request-ID when it is a
sane token, else a new one) in the logs' context and the response's headers; the request's
latency by route template; open websockets. Plain ASGI, not BaseHTTPMiddleware: it adds
microseconds, not a task per request."""

from __future__ import annotations

import re
import time
import uuid

from dasan.observability import metrics
from dasan.observability.logs import request_id

_SANE = re.compile(r"[A-Za-z0-9._-]{8,64}")


class ObservabilityMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), "")
        rid = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            if kind == "websocket":
                gauge = metrics.WEBSOCKETS.labels(path=scope.get("path", ""))
                gauge.inc()
                try:
                    await self.app(scope, receive, send)
                finally:
                    gauge.dec()
                return
            await self._http(scope, receive, send, rid)
        finally:
            request_id.reset(token)

    async def _http(self, scope, receive, send, rid: str) -> None:
        status = [500]
        header = (b"x-request-id", rid.encode())

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        t0 = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            # The template (/api/v1/cases/{case_id}), never the raw path: ids would explode the series.
            template = getattr(route, "path", None) or "unmatched"
            metrics.REQUEST_SECONDS.labels(method=scope.get("method", ""), route=template,
                                           status=str(status[0])).observe(time.perf_counter() - t0)

"""Security headers on every HTTP response, as a plain ASGI middleware (BaseHTTPMiddleware costs
a task and a copy of the request each time; this costs a look at the response's headers)."""

from __future__ import annotations

HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """nosniff and same-origin referrers everywhere; on HTML pages a Content-Security-Policy with
    no inline scripts (a script smuggled into a page cannot run); HSTS on whatever was served over
    HTTPS (directly, or by a TLS-terminating proxy uvicorn trusts, through X-Forwarded-Proto). A
    header the route set wins."""

    def __init__(self, app, connect_src: str = "'self'") -> None:
        self.app = app
        self.csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    f"connect-src {connect_src}; frame-ancestors 'self'; object-src 'none'; base-uri 'none'").encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") == "/docs"  # Swagger UI runs inline scripts of its own
        https = scope.get("scheme") == "https"

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"referrer-policy" not in names:
                    headers.append((b"referrer-policy", b"same-origin"))
                if https and b"strict-transport-security" not in names:
                    headers.append((b"strict-transport-security", HSTS))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html") and not docs and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

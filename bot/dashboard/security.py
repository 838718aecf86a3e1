"""Headers on every response, and a last-resort error page that shows no traceback."""

from __future__ import annotations

import logging
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_ERROR_PAGE = (
    b"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    b"<title>Something went wrong</title></head><body><h1>Something went wrong</h1>"
    b"<p>The dashboard could not show this page. Please try again in a moment.</p>"
    b"<p><a href='/patients'>Back to patients</a></p></body></html>"
)


def _headers(path: str, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-frame-options", b"DENY"),
        # Login links carry their token in the URL: never pass an address on.
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (b"x-robots-tag", b"noindex, nofollow"),
    ]
    if path.startswith("/static/"):
        headers.append((b"cache-control", b"public, max-age=3600"))
    else:
        # Pages carry health data: no copy in the browser's or a proxy's cache.
        headers.append((b"cache-control", b"no-store"))
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers, and turns an unexpected exception into a plain
    500 page (logged with its traceback but without the request's address, which may hold a
    login token)."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _headers(str(scope.get("path", "")), self.https)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name for name, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": [*kept, *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # The type and the stack only: an exception's message (a database error quoting its
            # parameters, say) could carry a patient's details.
            log.error(
                "dashboard: %s request failed with %s\n%s",
                scope.get("method", "?"),
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            if started:
                raise
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")],
                }
            )
            await send_with_headers({"type": "http.response.body", "body": _ERROR_PAGE})

"""What the dashboard accepts from a request before any route sees it: how large a body may be,
how many fields a form may have, and which Host it may be addressed to.

The dashboard's forms (sign out, take and resolve an alert) carry two short fields, well under
a kilobyte, and nothing is ever uploaded. So a body over :data:`MAX_BODY_BYTES` is refused with
413, whether its Content-Length says so (before one byte of it is read) or a chunked body grows
past the limit while it streams (as soon as it does: nothing is buffered, nothing reaches a
temporary file). The 413 closes the connection, so the rest is never read either. Forms are
parsed only after the session has been checked (:func:`bot.dashboard.core.read_form`), with at
most :data:`MAX_FORM_FIELDS` fields and no files.

A reverse proxy in front should still limit bodies and time out slow clients itself (see the
README): this limit bounds what one request can make the dashboard hold, not how many requests
a proxy lets through.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
MAX_FORM_FIELDS = 8
# Loopback names are always accepted: local use, and a reverse proxy's upstream address
# (nginx sends `Host: 127.0.0.1:8080` unless told to pass the visitor's Host on).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# The host in-process test clients (httpx, Starlette's TestClient) use. Accepted only while
# PUBLIC_URL itself is on loopback, i.e. never by a dashboard published under a domain.
TEST_CLIENT_HOST = "testserver"

_TOO_LARGE_PAGE = (
    b"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    b"<title>Too large \xc2\xb7 Care team dashboard</title></head><body><h1>Too large</h1>"
    b"<p>That was more than the dashboard accepts, so nothing was changed.</p>"
    b"<p><a href='/patients'>Back to patients</a></p></body></html>"
)
_TOO_LARGE_JSON = b'{"detail":"Request body too large"}'


class BodyTooLarge(HTTPException):
    """The body grew past the limit while it was read: the app's error page answers 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None:
        return None
    value = value.strip()
    # An unreadable length is left to the server (uvicorn refuses it); the stream is counted.
    return int(value) if value.isascii() and value.isdigit() else None


def _with_close(message: Message) -> Message:
    """A response start that tells the server to close the connection after it, so the rest of
    an unread body is never read."""
    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
    return {**message, "headers": [*kept, (b"connection", b"close")]}


async def _refuse(scope: Scope, send: Send) -> None:
    api = str(scope.get("path", "")).startswith("/api/")
    body = _TOO_LARGE_JSON if api else _TOO_LARGE_PAGE
    kind = b"application/json" if api else b"text/html; charset=utf-8"
    await send(
        _with_close(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
            }
        )
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Pure ASGI middleware: request bodies of at most ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refuse(scope, send)
            return
        received = 0
        tripped = started = False

        async def counted() -> Message:
            nonlocal received, tripped
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    tripped = True
                    raise BodyTooLarge()
            return message

        async def answer(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if tripped:
                    message = _with_close(message)
            await send(message)

        try:
            await self.app(scope, counted, answer)
        except BodyTooLarge:
            # Raised where no error handler answered it (the app's own turns it into a page).
            if started:
                raise
            await _refuse(scope, send)


def trusted_hosts(public_url: str) -> list[str]:
    """The Host names the dashboard answers to: PUBLIC_URL's, and loopback."""
    host = (urlsplit(public_url).hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    named = f"[{host}]" if address is not None and address.version == 6 else host
    hosts = [named, *LOOPBACK_HOSTS]
    local = host == "localhost" or (address is not None and address.is_loopback)
    if local:
        hosts.append(TEST_CLIENT_HOST)
    return list(dict.fromkeys(h for h in hosts if h))

"""The webhook server (`run --webhook`): Telegram posts each update here.

Not python-telegram-bot's built-in server (tornado), which reads a whole request body, up to
100 MB, before it looks at the secret header. This one is a small ASGI app served by uvicorn in
the caller's event loop (python-telegram-bot's documented "custom webhook" idiom: updates are
put on ``application.update_queue``). Each request is checked in this order, and refused as soon
as one check fails, before anything more of it is read:

1. the path (404) and the method (405);
2. the ``X-Telegram-Bot-Api-Secret-Token`` header, compared in constant time (403): only
   Telegram, which was given the secret in ``setWebhook``, can feed the bot updates;
3. the declared ``Content-Length``, when there is one (413 above :data:`MAX_BODY_BYTES`);
4. the body as it arrives, with or without a declared length (413 once it passes the limit);
5. JSON and the shape of an update (400).

A refused body is never held in memory: uvicorn buffers at most 64 KiB of a body the app has
not asked for, and discards the rest once the answer is sent. The access log is off; refusals
are logged at DEBUG as a status only (never a body, header or address).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot import listening
from bot.services.clinics import OperatorError

log = logging.getLogger(__name__)

# Telegram's updates are a few KiB; a message is at most 4,096 characters.
MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = b"x-telegram-bot-api-secret-token"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _TooLarge(Exception):
    pass


class WebhookApp:
    """ASGI app: a checked update goes on the application's update queue; anything else gets
    its refusal without the body being read further than needed."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        path: str,
        secret_token: str,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.application = application
        self.path = "/" + path.lstrip("/")
        self.secret = secret_token.encode()
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        status = await self._handle(scope, receive)
        if status != 200:
            log.debug("webhook request refused (%d)", status)
        await _answer(send, status)

    async def _handle(self, scope: Scope, receive: Receive) -> int:
        if scope["path"] != self.path:
            return 404
        if scope["method"] != "POST":
            return 405
        headers = scope["headers"]
        given = _header(headers, SECRET_HEADER)
        if given is None or not hmac.compare_digest(given, self.secret):
            return 403
        declared = _header(headers, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                return 400
            if int(declared) > self.max_body_bytes:
                return 413
        try:
            body = await self._read_body(receive)
        except _TooLarge:
            return 413
        try:
            data = json.loads(body)
        except ValueError:
            return 400
        if not isinstance(data, dict):
            return 400
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:  # a malformed update; what it held is not logged
            return 400
        await self.application.update_queue.put(update)
        return 200

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _TooLarge  # nothing to answer; refuse what was read
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


async def _answer(send: Send, status: int) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"" if status == 200 else b"refused"})


class WebhookServer:
    """uvicorn serving :class:`WebhookApp` in the running loop: ``await start()``, later
    ``await stop()``."""

    def __init__(self, app: WebhookApp, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._server: listening.QuietServer | None = None
        self._serving: asyncio.Task[None] | None = None

    async def start(self) -> None:
        sock = listening.bind(self.host, self.port, what="the webhook", port_setting="WEBHOOK_PORT")
        config = listening.config(self.app)
        server = listening.QuietServer(config)
        self._server = server
        self._serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not self._serving.done():
            await asyncio.wait({self._serving}, timeout=0.02)
        if self._serving.done():
            self._serving.result()  # raises what stopped it
            raise OperatorError("the webhook server stopped at start-up")
        log.info("webhook listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._server is None or self._serving is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._serving
        self._server = self._serving = None

"""Twilio's webhooks served beside the bot: `run` listens on SMS_WEBHOOK_PORT when SMS is on.

The socket is bound before the bot starts, so a port in use ends `run` at once with one line
for the operator rather than a bot that silently never hears a text. uvicorn then serves
:func:`bot.sms.webhook.create_app` in `run`'s own event loop (where the database engine lives)
until ``stop`` is set. The access log is off: Twilio's requests name no one in their address,
but the process's logs keep to one rule (no numbers, no bodies).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from bot import listening
from bot.config import Settings
from bot.services.context import AppContext
from bot.sms.webhook import create_app

__all__ = ["SmsListener", "listen_address"]

log = logging.getLogger(__name__)


def listen_address(settings: Settings) -> tuple[str, int] | None:
    """Where `run` listens for Twilio, or None when SMS is off (nothing is opened then).

    The interface is WEBHOOK_LISTEN's, Telegram's webhook one: one process, one address behind
    the clinic's proxy.
    """
    if not settings.sms_enabled:
        return None
    return settings.webhook_listen, settings.sms_webhook_port


class SmsListener:
    """``listener = SmsListener.bind(ctx, host, port)`` (raises OperatorError), then
    ``await listener.serve(stop)`` until ``stop`` is set."""

    def __init__(self, ctx: AppContext, sock: socket.socket) -> None:
        self.ctx, self.sock = ctx, sock

    @classmethod
    def bind(cls, ctx: AppContext, host: str, port: int) -> SmsListener:
        return cls(ctx, listening.bind(host, port, what="SMS", port_setting="SMS_WEBHOOK_PORT"))

    async def serve(self, stop: asyncio.Event) -> None:
        config = listening.config(create_app(self.ctx))
        server = listening.QuietServer(config)
        serving = asyncio.create_task(server.serve(sockets=[self.sock]))
        stopping = asyncio.create_task(stop.wait())
        host, port = self.sock.getsockname()[:2]
        log.info("listening for SMS on %s:%s", host, port)
        try:
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if serving.done() and not stop.is_set():
                failure = serving.exception()
                log.error("the SMS listener stopped (%s)", type(failure).__name__)
        finally:
            server.should_exit = True
            stopping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopping
            with contextlib.suppress(Exception):
                await serving
            self.sock.close()

"""Serving an ASGI app on a port the process binds itself: Telegram's webhook and Twilio's.

Both listeners bind their socket before anything starts, so a port in use stops `recovery-bot
run` at once with one line naming the setting to change, and both run uvicorn inside the
process's own event loop without letting it take over SIGINT/SIGTERM (`recovery-bot` handles
them and sets its stop event).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from bot.services.clinics import OperatorError

__all__ = ["SHUTDOWN_GRACE_SECONDS", "QuietServer", "bind", "config"]

# How long requests in flight may finish once stopping begins.
SHUTDOWN_GRACE_SECONDS = 5


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def config(app: Any) -> uvicorn.Config:
    """One app, HTTP/1.1 only, no access log (paths and peers are not for the log), no server
    header, no proxy headers (the clinic's proxy is not trusted to name the client)."""
    return uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan="off",
        access_log=False,
        log_config=None,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )


def bind(host: str, port: int, *, what: str, port_setting: str) -> socket.socket:
    """A listening, non-blocking socket on ``host:port``; OperatorError (one line naming
    WEBHOOK_LISTEN or ``port_setting``) if it cannot be had."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise OperatorError(
            f"cannot listen for {what} on {host}:{port} ({exc.strerror or exc}); "
            "check WEBHOOK_LISTEN"
        ) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise OperatorError(
            f"cannot listen for {what} on {host}:{port} ({exc.strerror or exc}); is "
            f"another process using that port? Set {port_setting}"
        ) from None
    return sock

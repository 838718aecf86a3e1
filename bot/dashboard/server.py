"""Serving the dashboard with uvicorn inside the caller's event loop (where the database engine
lives), until ``stop`` is set.

The access log is off: login links carry their token in the address, and addresses name
patients. The caller owns the process's signals; uvicorn installs none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn

from bot.dashboard.app import create_app
from bot.listening import SHUTDOWN_GRACE_SECONDS, QuietServer
from bot.services.context import AppContext

log = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; an address in use is an OSError the caller can report."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def serve_dashboard(
    ctx: AppContext,
    host: str,
    port: int,
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve the dashboard on ``host:port`` (or on ``sock``, bound already) until ``stop`` is
    set; ``ready`` is set once it accepts connections. Raises OSError if the address cannot be
    bound."""
    sock = sock or bind(host, port)
    config = uvicorn.Config(
        create_app(ctx),
        access_log=False,
        log_config=None,
        lifespan="off",
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    server = QuietServer(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopping = asyncio.create_task(stop.wait())
    try:
        while not server.started and not serving.done():
            await asyncio.wait({serving, stopping}, timeout=0.05, return_when="FIRST_COMPLETED")
            if stopping.done():
                break
        if server.started:
            bound = sock.getsockname()
            log.info("dashboard listening on %s:%s", bound[0], bound[1])
            if ready is not None:
                ready.set()
        await asyncio.wait({serving, stopping}, return_when="FIRST_COMPLETED")
    finally:
        server.should_exit = True
        stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopping
        await serving

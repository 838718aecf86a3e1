"""A TCP proxy on 127.0.0.1 that can cut every connection, to act out a database restart.

A real restart of the machine's Postgres would also break every other test running beside this
one; through the proxy, only the code under test sees the server go away: its open connections
are closed, new ones are refused until :meth:`TcpProxy.restore`, and the server itself never
notices.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Self


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self.down = False
        self.refused = 0

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cut()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def cut(self, *, stay_down: bool = False) -> None:
        """Close every open connection (both ends); with ``stay_down``, refuse new ones."""
        self.down = stay_down
        for writer in list(self._pipes):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._pipes.clear()

    def restore(self) -> None:
        self.down = False

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._pipes.update((writer, up_writer))
        await asyncio.gather(
            self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
        )
        self._pipes.discard(writer)
        self._pipes.discard(up_writer)

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        finally:
            with contextlib.suppress(Exception):
                sink.transport.abort()

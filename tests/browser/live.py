"""The dashboard served for a browser: the demo clinic, `serve_dashboard` on a free port of
127.0.0.1 in the test's own event loop, and a clock the test moves."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.clock import FakeClock
from bot.dashboard.server import serve_dashboard
from bot.runtime import app_context
from bot.services import staff_auth
from bot.services.context import AppContext
from bot.services.demo import seed_demo
from tests.conftest import START, make_settings


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveDashboard:
    ctx: AppContext
    clock: FakeClock
    base_url: str
    staff_id: int  # the demo clinic's admin ("Demo Nurse")
    invite_code: str

    async def login_link(self, staff_id: int | None = None) -> str:
        link = await staff_auth.create_login_link(self.ctx, staff_id or self.staff_id, "cli")
        assert link.startswith(self.base_url)
        return link


@asynccontextmanager
async def live_dashboard(db_url: str) -> AsyncIterator[LiveDashboard]:
    """The demo clinic, served by `serve_dashboard` as `recovery-bot dashboard` does."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    clock = FakeClock(START)
    async with app_context(make_settings(db_url, public_url=base_url), clock) as ctx:
        invite_code, staff_id = await seed_demo(ctx)
        stop, ready = asyncio.Event(), asyncio.Event()
        serving = asyncio.create_task(serve_dashboard(ctx, "127.0.0.1", port, stop, ready))
        try:
            await asyncio.wait_for(ready.wait(), timeout=10)
            yield LiveDashboard(ctx, clock, base_url, staff_id, invite_code)
        finally:
            stop.set()
            await asyncio.wait_for(serving, timeout=15)

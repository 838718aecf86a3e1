"""Wiring a process: settings, logging, database, services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db.engine import create_engine, session_factory
from bot.services.context import AppContext, load_consent


def safe_url(url: str) -> str:
    """The database URL without its password, for messages to the operator."""
    return make_url(url).render_as_string(hide_password=True)


@asynccontextmanager
async def app_context(
    settings: Settings, clock: Clock | None = None, wall_clock: Clock | None = None
) -> AsyncIterator[AppContext]:
    engine = create_engine(settings.database_url, busy_timeout=settings.sqlite_busy_timeout_seconds)
    try:
        yield AppContext(
            settings=settings,
            sessions=session_factory(engine),
            clock=clock or SystemClock(),
            consent=load_consent(),
            wall_clock=wall_clock,
        )
    finally:
        await engine.dispose()

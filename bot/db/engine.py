"""Engines and sessions for SQLite (embedded default) and Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.config import normalise_database_url

SessionFactory = async_sessionmaker[AsyncSession]

# An execution option read when a SQLite transaction begins: take the write lock at once.
SQLITE_WRITE_LOCK = "recovery_bot_sqlite_write_lock"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(
    url: str, *, foreign_keys: bool = True, busy_timeout: float = 15.0, **kwargs: Any
) -> AsyncEngine:
    """An engine for ``url``. ``foreign_keys=False`` is for migrations on SQLite only: there a
    table is rebuilt by copy, drop and rename, and dropping a parent table with foreign keys
    enforced would first delete (cascade) every row that refers to it."""
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        # The bot's handlers and the job ticks write concurrently; wait for the lock rather than
        # failing with "database is locked" at the first contention.
        kwargs.setdefault("connect_args", {"timeout": busy_timeout})
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Otherwise pysqlite begins (deferred) only at the first write; see `claiming`.
            if conn.get_execution_options().get(SQLITE_WRITE_LOCK):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # JIT compilation suits long analytical queries; for the dashboard's summary it added ~2 s
    # of compiling to a query that runs in milliseconds.
    kwargs.setdefault("connect_args", {"server_settings": {"jit": "off"}})
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def claiming(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A transaction for work that reads rows as due and then acts on them (schedules, dose
    windows, check-ins, outbox rows, an alert being taken).

    On Postgres the read itself locks the rows (FOR UPDATE SKIP LOCKED, in the callers). SQLite
    has no row locks, and pysqlite runs every SELECT outside a transaction until the first
    write, so two workers could both read a row as due and both act on it: a miss counted twice,
    a message claimed twice. Here SQLite's write lock is taken first (BEGIN IMMEDIATE), so a
    second worker waits (busy_timeout) and then reads what the first one left.
    """
    async with sessions.begin() as session:
        if session.get_bind().dialect.name == "sqlite":
            options: dict[str, Any] = {SQLITE_WRITE_LOCK: True}
            await session.connection(execution_options=options)
        yield session

"""The database going wrong under a running bot: Postgres dropping every connection and refusing
new ones for a while (through a proxy, so nothing else on the server is disturbed), and SQLite
locked by another writer or full. The bot says what is wrong in plain words, loses nothing, and
carries on by itself once the database is back."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import make_url

from bot.clock import FakeClock
from bot.db.errors import FULL, LOCKED
from bot.db.migrate import upgrade
from bot.db.models import OutboxMessage, Schedule
from bot.runtime import app_context
from jobs.periodic import periodic_jobs
from jobs.tick import tick
from tests.conftest import START, TEST_TOKEN, make_settings
from tests.e2e.test_workers import PLAN, seed_due, start, stop, wait_for_sends
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.tcp_proxy import TcpProxy
from tests.integration.test_cli import clean_env
from tests.integration.test_secret_key_guard import PROCESS_SECRET_KEY
from tests.support import make_patient, new_clinic

PATIENTS = 240


@pytest.mark.postgres
async def test_postgres_going_away_mid_burst_delays_reminders_but_loses_none(
    pg_url: str, tmp_path: Path
) -> None:
    await upgrade(pg_url)
    url = make_url(pg_url)
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy, FakeBotApi() as api:
        through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        await seed_due(pg_url, PATIENTS)
        env = clean_env(
            DATABASE_URL=through_proxy,
            TELEGRAM_BOT_TOKEN=TEST_TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            SECRET_KEY=PROCESS_SECRET_KEY,
            TICK_SECONDS="0.2",
            SEND_RATE_PER_SECOND="60",
            SEND_LEASE_SECONDS="3",
        )
        worker = await start("jobs", env, tmp_path)
        try:
            await wait_for_sends(api, PATIENTS // 4)
            proxy.cut(stay_down=True)  # every connection gone, new ones refused
            await asyncio.sleep(4)
            during = len(api.calls_to("sendMessage"))
            proxy.restore()
            await wait_for_sends(api, PATIENTS, timeout=90)
            await asyncio.sleep(4)  # past a lease: anything still unsent would come by now
            assert worker.returncode is None, "the worker had to be restarted"
        finally:
            err = (await stop(worker)).decode()
    per_chat = Counter(int(c.params["chat_id"]) for c in api.calls_to("sendMessage") if c.ok)
    doubled = sum(n - 1 for n in per_chat.values())
    print(
        f"\npostgres outage (4 s): {during} sent before it, lost {PATIENTS - len(per_chat)}, "
        f"sent twice {doubled}"
    )
    assert len(per_chat) == PATIENTS  # nothing lost
    assert doubled <= 16  # at most the sends in flight when it went away
    assert proxy.refused > 0 and during < PATIENTS
    assert "database cannot be reached" in err or "retrying" in err


async def _sqlite_ctx(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await upgrade(url)
    return url, make_settings(url, sqlite_busy_timeout_seconds=0.5, **overrides)


async def test_a_locked_sqlite_says_so_and_nothing_is_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, settings = await _sqlite_ctx(tmp_path)
    clock = FakeClock(START)
    async with app_context(settings, clock) as ctx:
        clinic = await new_clinic(ctx)
        await make_patient(ctx, PLAN, chat_id=42, clinic_id=clinic.id)
        async with ctx.sessions.begin() as session:
            await session.execute(update(Schedule).values(next_due_at=START - timedelta(minutes=1)))
        # Another process takes the write lock and keeps it.
        other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            [job] = [j for j in periodic_jobs(ctx) if j.name == "tick"]
            with caplog.at_level(logging.ERROR, logger="jobs.periodic"):
                await job.run()  # the job catches it: the scheduler keeps running
            assert any(LOCKED in r.getMessage() for r in caplog.records), caplog.text
        finally:
            other.execute("ROLLBACK")
            other.close()
        async with ctx.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert (await tick(ctx)).reminders == 1  # the lock is gone: the reminder goes out


async def test_the_command_line_says_a_locked_sqlite_is_locked(tmp_path: Path) -> None:
    from tests.integration.test_cli import cli

    db = tmp_path / "locked.db"
    env = clean_env(DATABASE_URL=f"sqlite:///{db}", SQLITE_BUSY_TIMEOUT_SECONDS="0.5")
    code, _, err = await cli("db", "upgrade", env=env, cwd=tmp_path)
    assert code == 0, err
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = await cli("clinic", "add", "Northside", env=env, cwd=tmp_path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 1 and "locked by another process" in err and "Traceback" not in err


async def test_a_full_sqlite_says_so_and_writes_nothing_half(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, settings = await _sqlite_ctx(tmp_path)
    clock = FakeClock(START)
    async with app_context(settings, clock) as ctx:
        clinic = await new_clinic(ctx)
        for n in range(150):
            await make_patient(ctx, PLAN, chat_id=1000 + n, clinic_id=clinic.id)
        async with ctx.sessions.begin() as session:
            await session.execute(update(Schedule).values(next_due_at=START - timedelta(minutes=1)))
        pages = sqlite3.connect(tmp_path / "bot.db").execute("PRAGMA page_count").fetchone()[0]
        engine = ctx.sessions.kw["bind"]
        await engine.dispose()  # fresh connections, each with the size limit below

        def cap(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.cursor().execute(f"PRAGMA max_page_count = {pages + 2}")

        event.listen(engine.sync_engine, "connect", cap)
        [job] = [j for j in periodic_jobs(ctx) if j.name == "tick"]
        with caplog.at_level(logging.ERROR, logger="jobs.periodic"):
            await job.run()
        assert any(FULL in r.getMessage() for r in caplog.records), caplog.text
        event.remove(engine.sync_engine, "connect", cap)
        await engine.dispose()
        async with ctx.sessions() as session:
            # The batch rolled back whole: no reminder written, no schedule moved on.
            assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
            due = await session.scalar(
                select(func.count()).select_from(Schedule).where(Schedule.next_due_at <= START)
            )
            assert due == 150
        assert (await tick(ctx)).reminders == 150

"""Worker processes: `jobs` sends due reminders without polling, and several workers beside one
`run` on one Postgres send each reminder exactly once."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections import Counter
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.clock import SystemClock
from bot.db.migrate import upgrade
from bot.db.models import Schedule
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from tests.conftest import TEST_TOKEN, make_settings
from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_cli import clean_env
from tests.integration.test_secret_key_guard import PROCESS_SECRET_KEY
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "Europe/London", (time(9, 0),))


async def seed_due(db_url: str, patients: int) -> None:
    async with app_context(make_settings(db_url), SystemClock()) as ctx:
        clinic = await new_clinic(ctx)
        for n in range(patients):
            await make_patient(ctx, PLAN, chat_id=10_000 + n, clinic_id=clinic.id)
        async with ctx.sessions.begin() as session:
            await session.execute(
                update(Schedule).values(next_due_at=ctx.clock.now() - timedelta(seconds=1))
            )


async def start(command: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        command,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop(process: asyncio.subprocess.Process) -> bytes:
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()[-2000:]
    return err


async def wait_for_sends(api: FakeBotApi, count: int, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.1)):
        if len(api.calls_to("sendMessage")) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"only {len(api.calls_to('sendMessage'))} of {count} sent")


async def test_jobs_worker_sends_due_reminders_without_polling(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    await upgrade(db_url)
    await seed_due(db_url, 3)
    env = clean_env(
        DATABASE_URL=db_url,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        SECRET_KEY=PROCESS_SECRET_KEY,
        TICK_SECONDS="0.5",
    )
    worker = await start("jobs", env, tmp_path)
    try:
        await wait_for_sends(fake_api, 3)
    finally:
        err = await stop(worker)
    assert not fake_api.calls_to("getUpdates")  # a jobs worker never polls
    sent = sorted(int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage"))
    assert sent == [10000, 10001, 10002]
    assert TEST_TOKEN.encode() not in err


@pytest.mark.postgres
async def test_two_jobs_workers_beside_run_send_each_reminder_once(
    pg_url: str, tmp_path: Path, fake_api: FakeBotApi
) -> None:
    """Postgres only: SQLite has a single writer, so it runs one worker."""
    db_url = pg_url
    patients = 150
    await seed_due(db_url, patients)
    env = clean_env(
        DATABASE_URL=db_url,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        SECRET_KEY=PROCESS_SECRET_KEY,
        TICK_SECONDS="0.3",
    )
    processes = [await start(cmd, env, tmp_path) for cmd in ("run", "jobs", "jobs")]
    try:
        await wait_for_sends(fake_api, patients)
        await asyncio.sleep(2)  # anything doubled would show up by now
    finally:
        for process in processes:
            await stop(process)
    per_chat = Counter(int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage"))
    assert len(per_chat) == patients
    assert set(per_chat.values()) == {1}


async def test_a_stopping_worker_lets_a_waiting_job_finish_and_exits(
    tmp_path: Path, fake_api: FakeBotApi
) -> None:
    """SIGTERM while a job run is waiting for SQLite's write lock (another process holds it):
    the run finishes once the lock is free and the worker exits cleanly, rather than hanging
    on a connection cancelled mid-statement."""
    path = tmp_path / "locked.db"
    db_url = f"sqlite:///{path}"
    await upgrade(db_url)
    await seed_due(db_url, 3)
    env = clean_env(
        DATABASE_URL=db_url,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        SECRET_KEY=PROCESS_SECRET_KEY,
        TICK_SECONDS="0.1",
    )
    worker = await start("jobs", env, tmp_path)
    await wait_for_sends(fake_api, 3)
    holder = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        await asyncio.sleep(1.0)  # the worker's ticks now queue on the lock
        worker.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.5)
        assert worker.returncode is None  # still letting its waiting run finish
    finally:
        holder.execute("COMMIT")
        holder.close()
    _, err = await asyncio.wait_for(worker.communicate(), timeout=30)
    assert worker.returncode == 0, err.decode()[-2000:]

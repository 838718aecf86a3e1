"""A running bot: the real python-telegram-bot Application, polling the fake Bot API server."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.ext import Application

from bot.clock import FakeClock
from bot.runtime import app_context
from bot.services.context import AppContext
from bot.telegram.app import build_application, serve
from bot.telegram.handlers import SORRY
from jobs.sender import OutboxSender, sender_bot
from tests.conftest import TEST_TOKEN, make_settings
from tests.fakes.bot_api import FakeBotApi

# The periodic work that follows the clock; `JobRuns` tells a test when it has seen a new time.
CLOCK_JOBS = ("tick", "follow-up", "check-ins", "safety-checks")


@dataclass
class JobRuns:
    """Which runs of the JobQueue's clock-following jobs have finished.

    A run that began before the test moved the clock may still hold rows locked (SKIP LOCKED
    hides them from a direct run) while it works with the old time; only a run that *began*
    after the move is sure to have seen the new time. The JobQueue runs one instance of a job at
    a time, so once such a run has finished, the older one has too."""

    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    finished: dict[str, int] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def watch(self, application: Application) -> None:  # type: ignore[type-arg]
        assert application.job_queue is not None
        for job in application.job_queue.jobs():
            if job.name in CLOCK_JOBS:
                job.callback = self._wrapped(job.name, job.callback)

    def _wrapped(self, name: str, callback: Any) -> Any:
        async def run(context: Any) -> None:
            serial = next(self._serial)
            try:
                await callback(context)
            finally:
                async with self.changed:
                    self.finished[name] = max(self.finished.get(name, 0), serial)
                    self.changed.notify_all()

        return run

    def now(self) -> int:
        """A mark: runs that finish with a higher number began after this call."""
        return next(self._serial)

    async def wait_after(self, mark: int, timeout: float = 30.0) -> None:
        async with self.changed:
            await asyncio.wait_for(
                self.changed.wait_for(
                    lambda: all(self.finished.get(name, 0) > mark for name in CLOCK_JOBS)
                ),
                timeout,
            )


@dataclass
class LiveBot:
    ctx: AppContext
    api: FakeBotApi
    job_runs: JobRuns


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def live_bot(db_url: str, clock: FakeClock, fake_api: FakeBotApi) -> AsyncIterator[LiveBot]:
    settings = make_settings(
        db_url,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base_url=fake_api.base_url,
        tick_seconds=0.2,
    )
    # The same pieces `recovery-bot run` starts: the application (with its jobs) and the sender.
    async with app_context(settings, clock) as ctx, sender_bot(settings) as bot:
        application = build_application(ctx)
        job_runs = JobRuns()
        job_runs.watch(application)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(application, stop))
        sending = asyncio.create_task(OutboxSender(ctx, bot).run(stop))
        await fake_api.wait_for_call("getUpdates")
        try:
            yield LiveBot(ctx, fake_api, job_runs)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(task, sending), timeout=15)
    fake_api.assert_no_unknown_calls()
    for call in fake_api.calls_to("sendMessage"):
        assert call.params.get("text") != SORRY, "a handler failed during the test"

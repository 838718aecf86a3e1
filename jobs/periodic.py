"""The periodic work and how often it runs, shared by both ways of running it.

``recovery-bot run`` schedules these on python-telegram-bot's JobQueue; ``recovery-bot jobs``
on a bare APScheduler. Both are APScheduler underneath, with one instance of a job at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.db.errors import describe
from bot.services.consent import ask_again
from bot.services.context import AppContext
from jobs.checkins import check_in_tick
from jobs.conversations import expire_abandoned
from jobs.digest import send_digests
from jobs.followups import follow_up
from jobs.retention import apply_retention
from jobs.safety_checks import safety_check_sweep
from jobs.stats import refresh_stale_stats
from jobs.tick import tick

log = logging.getLogger(__name__)

DIGEST_SECONDS = 300.0
STATS_SECONDS = 15.0
CONSENT_SECONDS = 300.0
RETENTION_SECONDS = 24 * 3600.0  # daily (and once at start)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    run: Callable[[], Awaitable[None]]


def _guarded(
    name: str, work: Callable[[AppContext], Awaitable[Any]], ctx: AppContext
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await work(ctx)
        except Exception as exc:
            # Database errors carry statements and bound values (possibly patient text): log
            # the kind of failure, never its message.
            # The formatter prints where it failed, never the exception's message (it can
            # quote SQL parameters, so patient text); a known database state is said in words.
            reason = describe(exc)
            if reason is not None:
                log.error("job %s failed: %s; it will run again", name, reason, extra={"job": name})
            else:
                log.error(
                    "job %s failed; it will run again", name, exc_info=exc, extra={"job": name}
                )

    return run


def periodic_jobs(ctx: AppContext) -> list[PeriodicJob]:
    every = ctx.settings.tick_seconds
    return [
        PeriodicJob("tick", every, _guarded("tick", tick, ctx)),
        PeriodicJob("follow-up", every, _guarded("follow-up", follow_up, ctx)),
        PeriodicJob("check-ins", every, _guarded("check-ins", check_in_tick, ctx)),
        PeriodicJob("safety-checks", every, _guarded("safety-checks", safety_check_sweep, ctx)),
        PeriodicJob(
            "expire-conversations", 1800, _guarded("expire-conversations", expire_abandoned, ctx)
        ),
        PeriodicJob(
            "patient-stats", STATS_SECONDS, _guarded("patient-stats", refresh_stale_stats, ctx)
        ),
        PeriodicJob("consent", CONSENT_SECONDS, _guarded("consent", ask_again, ctx)),
        PeriodicJob("retention", RETENTION_SECONDS, _guarded("retention", apply_retention, ctx)),
        PeriodicJob("weekly-digest", DIGEST_SECONDS, _guarded("weekly-digest", send_digests, ctx)),
    ]


class RunningJobs:
    """The job runs in progress, so a worker can let them finish before it closes the database.

    A bare APScheduler's shutdown cancels running coroutine jobs (its asyncio executor cannot
    wait), and a job cancelled in the middle of a statement leaves its connection to be torn
    down while the engine is being disposed; with aiosqlite that close can wait forever, and the
    worker never exits. python-telegram-bot's JobQueue.stop() waits for its jobs itself."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()

    def track(self, run: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def tracked() -> None:
            task = asyncio.current_task()
            assert task is not None  # APScheduler runs a coroutine job as a task
            self._tasks.add(task)
            try:
                await run()
            finally:
                self._tasks.discard(task)

        return tracked

    async def finish(self) -> None:
        """Until the runs in progress are over (each is one transaction); bound it with
        ``asyncio.timeout``."""
        if self._tasks:
            await asyncio.wait(set(self._tasks))


@dataclass
class Scheduled:
    """The periodic jobs on a bare APScheduler (``jobs``, the demo), started at once."""

    scheduler: AsyncIOScheduler
    running: RunningJobs

    @classmethod
    def start(cls, ctx: AppContext) -> Scheduled:
        scheduler = AsyncIOScheduler(timezone="UTC")
        running = RunningJobs()
        for job in periodic_jobs(ctx):
            scheduler.add_job(
                running.track(job.run),
                "interval",
                seconds=job.seconds,
                id=job.name,
                max_instances=1,
                coalesce=True,
                # The scheduler runs on the wall clock, whatever clock the jobs see (the demo's
                # runs fast).
                next_run_time=datetime.now(UTC),
            )
        scheduler.start()
        return cls(scheduler, running)

    async def stop(self, finish_seconds: float) -> None:
        """No new runs; the ones under way finish (each is one transaction) before the caller
        closes the database, for at most ``finish_seconds``."""
        self.scheduler.pause()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(finish_seconds):
                await self.running.finish()
        self.scheduler.shutdown(wait=False)

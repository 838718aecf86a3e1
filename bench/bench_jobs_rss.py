"""Peak RSS of a ``jobs`` worker at 10^6 patients, through a burst and a full stats refresh
(issue 18: under 200 MB), on Postgres.

    .venv/bin/python bench/bench_jobs_rss.py --patients 1000000 --days 7 --keep-db
    .venv/bin/python bench/bench_jobs_rss.py --reuse bench_rss_1000000   # jobs only, on a copy

Set-up (in this process, server-side SQL): ``bench_scheduling.populate`` (one daily plan each,
16 zones), ``--days`` days of doses per patient (``NINETY_DAYS_OF_DOSES`` with fewer days: 90
days of 10^6 patients is 90 M rows), two weekly check-ins each, 150 staff in 50 clinics,
``--burst`` schedules due at the same minute and ``--burst`` other patients' weekly check-ins due
then too, then ``VACUUM ANALYZE``.

Then a fresh child process imports what the ``jobs`` worker imports and runs its periodic jobs
(``jobs.periodic.periodic_jobs``, each in the list's order) at three instants on a fake clock: the
burst's minute (the tick queues the burst; every other job runs too), the burst's dose windows
closed (the missed-dose sweep over the burst) and Monday 08:30 UTC (the digest; every patient's
stats are stale then because nobody has figures yet, so the stats job recomputes all of them).
It prints VmRSS after each job and VmHWM (the peak) at the end, from /proc/self/status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import bench_scheduling as sched  # noqa: E402

# Sunday 23:00 UTC: the burst's minute; the digest runs the next morning.
BURST_AT = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)


async def _seed(dsn: str, n: int, days: int, burst: int) -> dict[str, float]:
    took: dict[str, float] = {}
    started = time.perf_counter()
    await sched.populate(dsn, 1, n, BURST_AT - timedelta(hours=1))
    took["patients"] = time.perf_counter() - started
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        doses = sched.NINETY_DAYS_OF_DOSES.replace(
            "generate_series(1, 90)", f"generate_series(1, {days})"
        )
        assert doses != sched.NINETY_DAYS_OF_DOSES
        await conn.execute(doses)
        await conn.execute(
            """INSERT INTO check_ins (patient_id, created_at, due_at, status, answered_at,
                   craving, mood, substance_use)
               SELECT p.id, $1::timestamptz - (k * 7 || ' days')::interval,
                      $1::timestamptz - (k * 7 || ' days')::interval, 'answered',
                      $1::timestamptz - (k * 7 || ' days')::interval, (p.id * k) % 11, 3, 'no'
               FROM patients AS p, generate_series(1, 2) AS k""",
            BURST_AT,
        )
        took["history"] = time.perf_counter() - started
        await conn.execute(
            """INSERT INTO staff (id, telegram_user_id, name, role, timezone, clinic_id, active,
                   created_at)
               SELECT c * 10 + k, 900000 + c * 10 + k, 'Nurse ' || c || '-' || k, 'staff',
                      'UTC', c, true, $1
               FROM generate_series(1, 50) AS c, generate_series(1, 3) AS k""",
            BURST_AT,
        )
        await conn.execute("SELECT setval('staff_id_seq', 10000)")
    finally:
        await conn.close()
    started = time.perf_counter()
    await sched.prepare_burst(dsn, BURST_AT, burst, n, 0)
    await _checkin_burst(dsn, burst, n)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    took["burst_and_vacuum"] = time.perf_counter() - started
    return took


async def _checkin_burst(dsn: str, burst: int, n: int) -> None:
    """``burst`` patients (others than the dose burst's) whose weekly check-in is due at the
    burst's minute: the check-in job sends them, and expires them by the Monday run."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """UPDATE patients SET checkin_frequency = 'weekly', checkin_weekday = 7,
                   checkin_time = '23:00', next_checkin_at = $1
               WHERE id % $2 = $2 / 2""",
            BURST_AT,
            max(2, n // burst),
        )
    finally:
        await conn.close()


async def worker(url: str) -> dict[str, Any]:
    """The child: the ``jobs`` worker's imports and periodic jobs, on a fake clock."""
    from bot.clock import FakeClock
    from bot.runtime import app_context
    from jobs import periodic, sender  # noqa: F401 - what a `jobs` worker process imports

    steps: list[dict[str, Any]] = []
    rss_start = sched.proc_status()
    clock = FakeClock(BURST_AT)
    settings = sched._settings(url)
    window = timedelta(minutes=settings.dose_window_minutes, seconds=1)
    async with app_context(settings, clock) as ctx:
        jobs = periodic.periodic_jobs(ctx)
        for label, at in (
            ("burst", BURST_AT),
            ("windows closed", BURST_AT + window),
            ("Monday digest", MONDAY),
        ):
            clock.set(at)
            for job in jobs:
                started = time.perf_counter()
                # The job's own guard logs a failure and returns, as in the worker.
                await job.run()
                steps.append(
                    {
                        "at": label,
                        "job": job.name,
                        "seconds": round(time.perf_counter() - started, 2),
                        "rss_mb": sched.proc_status()["VmRSS"],
                    }
                )
                print(json.dumps(steps[-1]), file=sys.stderr, flush=True)
    status = sched.proc_status()
    return {"rss_start_mb": rss_start["VmRSS"], "peak_rss_mb": status["VmHWM"], "steps": steps}


async def _counts(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM patients) AS patients,
                      (SELECT count(*) FROM dose_events) AS doses,
                      (SELECT count(*) FROM patient_stats) AS stats,
                      (SELECT count(*) FROM outbox) AS outbox,
                      (SELECT count(*) FROM outbox WHERE kind = 'digest') AS digests"""
        )
        return dict(row)
    finally:
        await conn.close()


async def _copy(admin_dsn: str, source: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-dsn", default=sched.ADMIN_DSN_DEFAULT)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--burst", type=int, default=100_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse", help="an existing seeded database: run the jobs only")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        print(json.dumps(asyncio.run(worker(opts.worker))))
        return
    name = f"bench_rss_{os.getpid()}_{opts.patients}"
    dsn = sched._db_url(opts.admin_dsn, name)
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        if opts.reuse:
            # The kept database stays as seeded, for the next run: the jobs run on a copy.
            asyncio.run(_copy(opts.admin_dsn, opts.reuse, name))
        else:
            url = asyncio.run(sched.create_database(opts.admin_dsn, name))
            took = asyncio.run(_seed(dsn, opts.patients, opts.days, opts.burst))
            print(
                f"seeded {name}: {json.dumps({k: round(v) for k, v in took.items()})}", flush=True
            )
            print(json.dumps(asyncio.run(_counts(dsn))), flush=True)
        if opts.seed_only:
            return
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", url]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            raise SystemExit(f"worker failed with exit code {proc.returncode}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(asyncio.run(_counts(dsn))), flush=True)
        print(
            f"peak RSS of the jobs worker: {result['peak_rss_mb']:.0f} MB "
            f"(at start {result['rss_start_mb']:.0f} MB)",
            flush=True,
        )
        for step in result["steps"]:
            print(
                f"| {step['at']} | {step['job']} | {step['seconds']} s | {step['rss_mb']:.0f} MB |"
            )
    finally:
        if not opts.keep_db or opts.reuse:
            asyncio.run(sched.drop_database(opts.admin_dsn, name))


if __name__ == "__main__":
    main()

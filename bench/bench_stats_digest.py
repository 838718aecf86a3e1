"""Stats refresh and Monday digest at scale, on Postgres (issue 18, item 3).

    .venv/bin/python bench/bench_stats_digest.py                       # this checkout
    .venv/bin/python bench/bench_stats_digest.py --code /tmp/before    # another tree's code
    .venv/bin/python bench/bench_stats_digest.py --stale 1000 10000 100000 --idle 1000000 \
        --digest 10000 100000

``--code`` runs another copy of the repository (e.g. ``git archive <commit> | tar -x -C DIR``)
against fresh databases built by its own migrations, so "before" and "after" are measured the
same way. Each size gets a scratch database ``bench_stats_<pid>_<n>``, dropped at the end.

* stale: N patients in 50 clinics (``bench_scheduling.populate``: one daily plan each, 16 zones),
  90 days of doses each (80% taken, 13% missed, 4% skipped, 3% never reminded) and 13 weekly
  check-ins, loaded with ``INSERT ... SELECT generate_series`` then ``VACUUM ANALYZE`` and a
  ``CHECKPOINT`` (the load's writes are not left to the timed run); nobody has
  figures yet, so ``refresh_stale_stats`` recomputes everyone (timed once: its batches are the
  repetitions). Then idle runs (nothing stale; median of 5). Last (after the digest, if any),
  the clock a day later: every patient's local day has ended, the nightly backlog (timed once).
* idle: N patients without history whose figures are all current (rows written in SQL for the
  local day, as the job would have), then ``refresh_stale_stats`` with nothing to do (median of
  5), and the statements it sent.
* digest: on each ``--digest`` size's stale database, after the refresh: 150 staff (3 in each of
  the 50 clinics), Monday 08:30 UTC; ``send_digests`` queues 150 digests (timed once).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import bench_scheduling as sched  # noqa: E402

NOW = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # a Monday morning: digests are due in UTC
STAFF_PER_CLINIC = 3


async def _history(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sched.NINETY_DAYS_OF_DOSES)
        await conn.execute(
            """INSERT INTO check_ins (patient_id, created_at, due_at, status, answered_at,
                   craving, mood, substance_use)
               SELECT p.id, $1::timestamptz - (k * 7 || ' days')::interval,
                      $1::timestamptz - (k * 7 || ' days')::interval,
                      CASE WHEN (p.id + k) % 10 < 7 THEN 'answered' ELSE 'expired' END,
                      CASE WHEN (p.id + k) % 10 < 7
                           THEN $1::timestamptz - (k * 7 || ' days')::interval END,
                      CASE WHEN (p.id + k) % 10 < 7 THEN (p.id * k) % 11 END, 3, 'no'
               FROM patients AS p, generate_series(1, 13) AS k""",
            NOW,
        )
        await conn.execute("VACUUM ANALYZE")
        # The load's gigabyte of dirty pages is written out now, not by a checkpoint running
        # through the timed refresh (which also makes its every first page write a full image).
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def _all_current(dsn: str) -> None:
    """Everyone's figures computed for today, as the job leaves them (no history: zeros)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """INSERT INTO patient_stats (patient_id, version, as_of_day, due7, cov7, due30,
                   cov30, due90, cov90, current_streak, consecutive_misses, taken30, on_time30,
                   check_ins_answered30, check_ins_closed30, computed_at)
               SELECT id, stats_version,
                      ($1::timestamptz AT TIME ZONE timezone)::date - DATE '1970-01-01',
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, $1
               FROM patients""",
            NOW,
        )
        has_marks = await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'patients' AND column_name = 'stats_seen_version'"
        )
        if has_marks:
            await conn.execute(
                """UPDATE patients SET stats_seen_version = stats_version,
                       stats_fresh_until = (date_trunc('day', $1::timestamptz AT TIME ZONE
                           timezone) + interval '1 day') AT TIME ZONE timezone""",
                NOW,
            )
        await conn.execute("VACUUM ANALYZE patients, patient_stats")
    finally:
        await conn.close()


async def _staff(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """INSERT INTO staff (id, telegram_user_id, name, role, timezone, clinic_id, active,
                   created_at)
               SELECT c * 10 + k, 900000 + c * 10 + k, 'Nurse ' || c || '-' || k, 'staff',
                      'UTC', c, true, $1
               FROM generate_series(1, 50) AS c, generate_series(1, $2::int) AS k""",
            NOW,
            STAFF_PER_CLINIC,
        )
        await conn.execute("SELECT setval('staff_id_seq', 10000)")
        return int(await conn.fetchval("SELECT count(*) FROM staff"))
    finally:
        await conn.close()


class Counter:
    def __init__(self, ctx: Any) -> None:
        from sqlalchemy import event

        self.statements: list[str] = []
        event.listen(ctx.sessions.kw["bind"].sync_engine, "before_cursor_execute", self.record)

    def record(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.statements.append(statement)


async def _timed(ctx: Any, counter: Counter, job: Any) -> tuple[float, int, int]:
    counter.statements.clear()
    started = time.perf_counter()
    result = await job(ctx)
    return time.perf_counter() - started, len(counter.statements), result


async def run(opts: argparse.Namespace) -> list[str]:
    from bot.clock import FakeClock
    from bot.runtime import app_context
    from jobs.digest import send_digests
    from jobs.stats import refresh_stale_stats

    lines: list[str] = []
    sizes = sorted({*opts.stale, *opts.idle, *opts.digest})
    for n in sizes:
        name = f"bench_stats_{os.getpid()}_{n}"
        url = await sched.create_database(opts.admin_dsn, name)
        dsn = sched._db_url(opts.admin_dsn, name)
        try:
            started = time.perf_counter()
            await sched.populate(dsn, 1, n, NOW)
            with_history = n in opts.stale or n in opts.digest
            if with_history:
                await _history(dsn)
            else:
                await _all_current(dsn)
            seeded = time.perf_counter() - started
            settings = sched._settings(url, log_level="WARNING")
            async with app_context(settings, FakeClock(NOW)) as ctx:
                counter = Counter(ctx)
                if with_history:
                    took, sent, done = await _timed(ctx, counter, refresh_stale_stats)
                    lines.append(
                        f"| stats, every patient stale | {n:,} | {took:.2f} s | {done:,} "
                        f"| {sent} | seeded in {seeded:.0f} s |"
                    )
                    print(lines[-1], flush=True)
                idle = [await _timed(ctx, counter, refresh_stale_stats) for _ in range(5)]
                assert all(r[2] == 0 for r in idle), idle
                lines.append(
                    f"| stats, idle (nothing stale) | {n:,} | "
                    f"{statistics.median(r[0] for r in idle) * 1000:.1f} ms | 0 "
                    f"| {idle[-1][1]} | median of 5 |"
                )
                print(lines[-1], flush=True)
                if n in opts.digest:
                    staff = await _staff(dsn)
                    took, sent, done = await _timed(ctx, counter, send_digests)
                    lines.append(
                        f"| digest, {staff} staff in 50 clinics | {n:,} | {took:.2f} s "
                        f"| {done} | {sent} | |"
                    )
                    print(lines[-1], flush=True)
                if with_history and n in opts.stale:
                    # A day later: every patient's local day has ended, their history has not
                    # moved. What production sees every night (the first line: after an
                    # upgrade, or when nobody has figures yet).
                    ctx.clock.set(NOW + timedelta(days=1))
                    took, sent, done = await _timed(ctx, counter, refresh_stale_stats)
                    lines.append(
                        f"| stats, every patient stale at local midnight | {n:,} | {took:.2f} s "
                        f"| {done:,} | {sent} | a day later |"
                    )
                    print(lines[-1], flush=True)
        finally:
            if not opts.keep_db:
                await sched.drop_database(opts.admin_dsn, name)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--code", help="the repository copy whose bot/ and jobs/ to run")
    parser.add_argument("--admin-dsn", default=sched.ADMIN_DSN_DEFAULT)
    parser.add_argument("--stale", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--idle", type=int, nargs="*", default=[100000])
    parser.add_argument("--digest", type=int, nargs="*", default=[10000])
    parser.add_argument("--keep-db", action="store_true")
    opts = parser.parse_args()
    if opts.code:
        sys.path.insert(0, str(Path(opts.code).resolve()))
    print("| run | patients | time | patients recomputed / digests | statements | note |")
    print("|---|---|---|---|---|---|")
    asyncio.run(run(opts))


if __name__ == "__main__":
    main()

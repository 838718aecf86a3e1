"""Check-ins due at once, then run out at once, on Postgres (issue 18, item 1).

    .venv/bin/python bench/bench_checkins_wave.py                          # 100,000 patients
    .venv/bin/python bench/bench_checkins_wave.py --patients 10000 --code /tmp/old18c

``--code`` runs another copy of the repository (``git worktree add /tmp/old18c 6f71e61``, the
row-by-row job) against a fresh database built by its own migrations, so "before" and "after"
are measured the same way. Each size gets a scratch database ``bench_checkins_<pid>_<n>``,
dropped at the end (``--keep-db`` keeps it). Other benchmarks share the machine: run it under
``flock /tmp/bench.lock``; the load average before and after each wave is printed with it.

1. send: N patients in 50 clinics (``bench_scheduling.populate``: one daily dose plan each, 16
   zones), 90 days of doses each (``NINETY_DAYS_OF_DOSES``: about 13% missed) and two earlier
   weekly check-ins (a third of them expired), 3 staff per clinic; everyone's weekly check-in
   (Wednesday 18:00 local) due at the same instant. ``check_in_tick`` runs until every patient
   has been sent one (the old job may need several runs; the new one drains in one): wall time,
   rows/s, runs, SQL statements.
2. expire: a day later, every one of those N check-ins unanswered and run out. ``check_in_tick``
   runs until all are closed (the old job closes at most 200 per run): wall time, rows/s, runs,
   statements, and the "not answering" alerts raised (patients whose two prompts before it
   were missed too).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import bench_scheduling as sched  # noqa: E402

# Thursday 05:00 UTC: Wednesday 18:00 has passed in every zone (Honolulu's is Thursday 04:00 UTC),
# so everyone's next weekly check-in is six days or more away and the expiry wave a day later
# sends nothing new.
NOW = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
STAFF_PER_CLINIC = 3


async def _seed(dsn: str, consent: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sched.NINETY_DAYS_OF_DOSES)
        await conn.execute(sched.TWO_CHECK_INS_EACH, NOW)
        await conn.execute(sched.STAFF_IN_EVERY_CLINIC, NOW, "UTC", STAFF_PER_CLINIC)
        await conn.execute("SELECT setval('staff_id_seq', 10000)")
        # Everyone's weekly check-in falls due now.
        await conn.execute(
            """UPDATE patients SET checkin_frequency = 'weekly', checkin_weekday = 3,
                   checkin_time = '18:00', next_checkin_at = $1, consent_version = $2""",
            NOW,
            consent,
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


class Counter:
    def __init__(self, ctx: Any) -> None:
        from sqlalchemy import event

        self.statements = 0
        event.listen(ctx.sessions.kw["bind"].sync_engine, "before_cursor_execute", self.record)

    def record(self, *args: Any) -> None:
        statement = str(args[2])
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.statements += 1


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


async def _wave(
    ctx: Any,
    counter: Counter,
    dsn: str,
    done_sql: str,
    n: int,
    max_runs: int,
    verbose: bool = False,
) -> dict[str, Any]:
    """Run the job until ``done_sql`` counts ``n``; job time only (the counting is outside)."""
    from jobs.checkins import check_in_tick

    counter.statements = 0
    timer = sched.StatementTimer(ctx.sessions.kw["bind"])
    load_before = _load()
    cpu = time.process_time()
    took = 0.0
    runs = 0
    alerts = 0
    while runs < max_runs:
        started = time.perf_counter()
        result = await check_in_tick(ctx)
        took += time.perf_counter() - started
        runs += 1
        alerts += result.alerts
        if await sched.scalar(dsn, done_sql) >= n:
            break
    cpu = time.process_time() - cpu
    timer.close()
    if verbose:
        for entry in timer.top(8):
            print(
                f"    {entry['calls']:>5} x {entry['seconds']:7.2f} s  {entry['statement']}",
                flush=True,
            )
    return {
        "cpu": cpu,
        "seconds": took,
        "runs": runs,
        "statements": counter.statements,
        "alerts": alerts,
        "done": await sched.scalar(dsn, done_sql),
        "load": f"{load_before} → {_load()}",
    }


async def run(opts: argparse.Namespace) -> list[str]:
    from bot.clock import FakeClock
    from bot.runtime import app_context
    from bot.services.context import load_consent

    lines: list[str] = []
    for n in opts.patients:
        name = f"bench_checkins_{os.getpid()}_{n}"
        url = await sched.create_database(opts.admin_dsn, name)
        dsn = sched._db_url(opts.admin_dsn, name)
        try:
            started = time.perf_counter()
            await sched.populate(dsn, 1, n, NOW)
            await _seed(dsn, load_consent().version)
            seeded = time.perf_counter() - started
            clock = FakeClock(NOW)
            async with app_context(sched._settings(url, log_level="WARNING"), clock) as ctx:
                counter = Counter(ctx)
                send = await _wave(
                    ctx,
                    counter,
                    dsn,
                    "SELECT count(*) FROM outbox WHERE kind = 'checkin'",
                    n,
                    max_runs=opts.max_runs,
                    verbose=opts.statements,
                )
                lines.append(_line("send", n, send, seeded))
                print(lines[-1], flush=True)
                await sched.scalar(dsn, "VACUUM ANALYZE")
                clock.advance(timedelta(hours=25))
                expire = await _wave(
                    ctx,
                    counter,
                    dsn,
                    "SELECT count(*) FROM check_ins WHERE created_at = '"
                    + NOW.isoformat()
                    + "' AND status <> 'open'",
                    n,
                    max_runs=opts.max_runs,
                    verbose=opts.statements,
                )
                lines.append(_line("expire", n, expire, seeded))
                print(lines[-1], flush=True)
        finally:
            if not opts.keep_db:
                await sched.drop_database(opts.admin_dsn, name)
    return lines


def _line(wave: str, n: int, m: dict[str, Any], seeded: float) -> str:
    rate = m["done"] / m["seconds"] if m["seconds"] else 0.0
    return (
        f"| {wave} | {n:,} | {m['done']:,} | {m['seconds']:.2f} s | {rate:,.0f} | {m['runs']} "
        f"| {m['statements']:,} | {m['alerts']:,} | {m['cpu']:.1f} s | {m['load']} "
        f"| seeded in {seeded:.0f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--code", help="the repository copy whose bot/ and jobs/ to run")
    parser.add_argument("--admin-dsn", default=sched.ADMIN_DSN_DEFAULT)
    parser.add_argument("--patients", type=int, nargs="*", default=[100_000])
    parser.add_argument("--max-runs", type=int, default=10_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--statements", action="store_true", help="print where the database time went"
    )
    opts = parser.parse_args()
    if opts.code:
        sys.path.insert(0, str(Path(opts.code).resolve()))
    print(
        "| wave | patients | done | job time | rows/s | runs | statements | alerts "
        "| job process CPU | load 1/5/15 min (before → after) | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    asyncio.run(run(opts))


if __name__ == "__main__":
    main()

"""Dose windows closing at once: the missed-dose sweep on Postgres (issue 18, item 1).

    .venv/bin/python bench/bench_followups_wave.py                               # 100,000
    .venv/bin/python bench/bench_followups_wave.py --outbox 4000000              # and 4M rows
    .venv/bin/python bench/bench_followups_wave.py --patients 10000 --code /tmp/old18

``--code`` runs another copy of the repository (``git worktree add /tmp/old18 6f71e61``, the
row-by-row sweep) against a database built by its own migrations, so "before" and "after" are
measured the same way. Each size gets a scratch database ``bench_followups_<pid>_<n>`` (and a
copy per outbox size), dropped at the end (``--keep-db`` keeps them). Other benchmarks share
the machine: run it under ``flock /tmp/bench.lock``; the load average before and after each
wave is printed with it.

The history: N patients in 50 clinics (``bench_scheduling.populate``: one daily plan each, 16
zones) with 90 days of doses (``NINETY_DAYS_OF_DOSES``: about 13% missed, so some runs reach
the alert threshold), two weekly check-ins each (a third expired), 3 staff per clinic, an
active support person for one patient in ten, and an open "missed doses" alert (with its three
cards) for half of those whose last dose was missed. Then one pending, reminded dose per
patient, all of whose windows close at the same instant. With ``--outbox M`` the outbox holds M
older rows first (sent reminders, nudges, safety notes and alert cards, written by
``INSERT ... SELECT generate_series``).

Measured: ``follow_up(ctx)`` run until no closed window is left pending (the old job closes at
most 500 per run): job wall time, doses closed per second, runs, SQL statements, job process
CPU, and what was queued (safety notes, support notes, staff cards and card edits, alerts).
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

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
# Every wave dose is due within a day after NOW (each patient's next dose time); all their
# windows end here, together.
CLOSE = NOW + timedelta(days=1, hours=4)
STAFF_PER_CLINIC = 3


async def _seed(dsn: str, consent: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sched.NINETY_DAYS_OF_DOSES)
        await conn.execute(sched.TWO_CHECK_INS_EACH, NOW)
        await conn.execute(sched.STAFF_IN_EVERY_CLINIC, NOW, "America/Chicago", STAFF_PER_CLINIC)
        await conn.execute("SELECT setval('staff_id_seq', 10000)")
        await conn.execute(
            """INSERT INTO support_links (patient_id, token, status, supporter_chat_id,
                   supporter_name, created_at, expires_at, confirmed_at)
               SELECT p.id, NULL, 'active', 2000000000 + p.id, 'Friend', $1, $1, $1
               FROM patients AS p WHERE p.id % 10 = 3""",
            NOW,
        )
        # An open "missed doses" episode (with its cards) for half of those whose last dose
        # was missed: their next miss repeats it and edits the cards.
        await conn.execute(
            """INSERT INTO alerts (clinic_id, patient_id, kind, severity, status, summary,
                   created_at, occurrences, last_seen_at)
               SELECT p.clinic_id, p.id, 'missed_doses', 'normal', 'open',
                      p.display_name || ' has missed 2 doses in a row.', $1, 1, $1
               FROM patients AS p
               JOIN schedules AS s ON s.patient_id = p.id
               JOIN dose_events AS d ON d.schedule_id = s.id
                    AND d.due_at = s.next_due_at - interval '1 day'
               WHERE d.status = 'missed' AND p.id % 2 = 0""",
            NOW - timedelta(days=1),
        )
        await conn.execute(
            """INSERT INTO outbox (chat_id, patient_id, kind, payload, dedupe_key, status,
                   attempts, next_attempt_at, created_at, sent_at, alert_id)
               SELECT st.telegram_user_id, a.patient_id, 'staff_alert',
                      json_build_object('text', a.summary, 'alert_id', a.id),
                      'alert:' || a.id || ':staff:' || st.id, 'sent', 1, $1, $1, $1, a.id
               FROM alerts AS a JOIN staff AS st ON st.clinic_id = a.clinic_id""",
            NOW - timedelta(days=1),
        )
        # The wave: everyone's next dose, reminded, its window closing at CLOSE.
        await conn.execute(
            """INSERT INTO dose_events (schedule_id, patient_id, due_at, local_day, dose_mg,
                   status, window_ends_at, reminded_at, created_at)
               SELECT s.id, s.patient_id, s.next_due_at,
                      ((s.next_due_at AT TIME ZONE s.timezone)::date - DATE '1970-01-01'), 50,
                      'pending', $1, s.next_due_at, s.next_due_at
               FROM schedules AS s""",
            CLOSE,
        )
        await conn.execute("UPDATE patients SET consent_version = $1", consent)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def _prefill_outbox(dsn: str, rows: int) -> float:
    """``rows`` older outbox rows: mostly sent reminders, some nudges, safety notes and alert
    cards (with an alert id, as cards have), spread over the last 90 days."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """INSERT INTO outbox (chat_id, patient_id, kind, payload, dedupe_key, status,
                   attempts, next_attempt_at, created_at, sent_at, alert_id)
               SELECT 1000000000 + 1 + i % n, 1 + i % n,
                      CASE WHEN i % 100 < 85 THEN 'reminder' WHEN i % 100 < 92 THEN 'nudge'
                           WHEN i % 100 < 95 THEN 'safety' ELSE 'staff_alert' END,
                      json_build_object('text', 'an older message ' || i),
                      'old:' || i,
                      CASE WHEN i % 1000 = 0 THEN 'failed' ELSE 'sent' END, 1,
                      $2::timestamptz - (i % 129600 || ' minutes')::interval,
                      $2::timestamptz - (i % 129600 || ' minutes')::interval,
                      $2::timestamptz - (i % 129600 || ' minutes')::interval,
                      CASE WHEN i % 100 >= 95 THEN 10000000 + i END
               FROM generate_series(1, $1::int) AS i,
                    (SELECT count(*) AS n FROM patients) AS c""",
            rows,
            NOW,
        )
        await conn.execute("VACUUM ANALYZE outbox")
    finally:
        await conn.close()
    return time.perf_counter() - started


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


QUEUED = """SELECT kind, count(*) FROM outbox WHERE created_at = $1 GROUP BY kind"""
LEFT = "SELECT count(*) FROM dose_events WHERE status = 'pending' AND window_ends_at <= $1"


async def _wave(ctx: Any, dsn: str, max_runs: int, verbose: bool) -> dict[str, Any]:
    """Run the sweep until no closed window is pending; job time only."""
    from jobs.followups import follow_up

    counter = Counter(ctx)
    timer = sched.StatementTimer(ctx.sessions.kw["bind"])
    load_before = _load()
    cpu = time.process_time()
    took = 0.0
    runs = 0
    totals: dict[str, int] = {}
    while runs < max_runs:
        started = time.perf_counter()
        result = await follow_up(ctx)
        took += time.perf_counter() - started
        runs += 1
        for key, value in vars(result).items():
            totals[key] = totals.get(key, 0) + value
        if not await sched.scalar(dsn, LEFT, CLOSE):
            break
    cpu = time.process_time() - cpu
    timer.close()
    if verbose:
        for entry in timer.top(12):
            print(
                f"    {entry['calls']:>5} x {entry['seconds']:7.2f} s  {entry['statement']}",
                file=sys.stderr,
            )
    conn = await asyncpg.connect(dsn)
    try:
        queued = dict(await conn.fetch(QUEUED, CLOSE))
        alerts = await conn.fetchval("SELECT count(*) FROM alerts WHERE created_at = $1", CLOSE)
    finally:
        await conn.close()
    return {
        "seconds": took,
        "runs": runs,
        "statements": counter.statements,
        "cpu": cpu,
        "totals": totals,
        "queued": queued,
        "alerts": alerts,
        "load": f"{load_before} → {_load()}",
    }


async def _copy(admin_dsn: str, source: str, name: str) -> str:
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    finally:
        await conn.close()
    return sched._db_url(admin_dsn, name)


async def _exists(admin_dsn: str, name: str) -> bool:
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def run(opts: argparse.Namespace) -> None:
    from bot.clock import FakeClock
    from bot.runtime import app_context
    from bot.services.context import load_consent

    for n in opts.patients:
        # --base: one seeded history kept across runs (and code versions), so that "before" and
        # "after" close exactly the same doses; it is seeded the first time and never dropped.
        base = f"{opts.base}_{n}" if opts.base else f"bench_followups_{os.getpid()}_{n}"
        dsn = sched._db_url(opts.admin_dsn, base)
        reuse = bool(opts.base) and await _exists(opts.admin_dsn, base)
        made = [] if opts.base else [base]
        try:
            started = time.perf_counter()
            if not reuse:
                await sched.create_database(opts.admin_dsn, base)
                await sched.populate(dsn, 1, n, NOW)
                await _seed(dsn, load_consent().version)
            seeded = time.perf_counter() - started
            for outbox in opts.outbox:
                name = f"{base}_o{outbox}"
                made.append(name)
                url = await _copy(opts.admin_dsn, base, name)
                copy_dsn = sched._db_url(opts.admin_dsn, name)
                filled = await _prefill_outbox(copy_dsn, outbox) if outbox else 0.0
                before = await sched.scalar(copy_dsn, "SELECT count(*) FROM outbox")
                clock = FakeClock(CLOSE)
                async with app_context(sched._settings(url, log_level="WARNING"), clock) as ctx:
                    m = await _wave(ctx, copy_dsn, opts.max_runs, opts.statements)
                print(_line(n, before, m, seeded, filled), flush=True)
                if not opts.keep_db:
                    await sched.drop_database(opts.admin_dsn, name)
        finally:
            if not opts.keep_db:
                for name in made:
                    await sched.drop_database(opts.admin_dsn, name)


def _line(n: int, outbox: int, m: dict[str, Any], seeded: float, filled: float) -> str:
    closed = m["totals"].get("missed", 0)
    rate = closed / m["seconds"] if m["seconds"] else 0.0
    q = m["queued"]
    return (
        f"| {n:,} | {outbox:,} | {closed:,} | {m['seconds']:.2f} s | {rate:,.0f} | {m['runs']} "
        f"| {m['statements']:,} | {q.get('safety', 0):,} | {q.get('support', 0):,} "
        f"| {m['alerts']:,} | {q.get('staff_alert', 0):,} / {q.get('staff_alert_update', 0):,} "
        f"| {m['cpu']:.1f} s | {m['load']} | seeded {seeded:.0f} s, outbox {filled:.0f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--code", help="the repository copy whose bot/ and jobs/ to run")
    parser.add_argument("--admin-dsn", default=sched.ADMIN_DSN_DEFAULT)
    parser.add_argument("--patients", type=int, nargs="*", default=[100_000])
    parser.add_argument(
        "--outbox", type=int, nargs="*", default=[0], help="older outbox rows, one run each"
    )
    parser.add_argument("--max-runs", type=int, default=100_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--base", help="name prefix of a seeded database to keep and reuse across runs"
    )
    parser.add_argument(
        "--statements", action="store_true", help="print where the database time went"
    )
    opts = parser.parse_args()
    if opts.code:
        sys.path.insert(0, str(Path(opts.code).resolve()))
    print(
        "| patients | outbox before | doses closed (missed) | job time | rows/s | runs "
        "| statements | safety notes | support notes | new alerts | cards / card edits "
        "| job process CPU | load 1/5/15 min (before → after) | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    asyncio.run(run(opts))


if __name__ == "__main__":
    main()

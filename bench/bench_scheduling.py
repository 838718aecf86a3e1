"""Scheduling and delivery benchmark: the database tick and outbox sender against the
one-APScheduler-job-per-patient design they replace.

    /work/main/.venv/bin/python bench/bench_scheduling.py            # full run, several minutes
    /work/main/.venv/bin/python bench/bench_scheduling.py --quick    # smoke check, under a minute

What it measures (see bench/README.md and bench/results/scheduling.md):

1. ``tick(ctx)`` with nothing due at 10^3 .. 10^6 schedules (median of ``--runs``), then
   "steady" ticks: the clock moves on by ``tick_seconds`` between runs and crosses a five-minute
   mark, where everyone whose dose time it is comes due.
2. A burst: ``--burst`` schedules whose patients all picked the same minute (dose_times and
   next_due_at set to it), ticked 20 s later: claimed, written (dose + outbox rows) and advanced
   by one ``tick`` in a fresh process whose peak RSS (VmHWM) is reported, with the database
   time per statement; ``--profile`` repeats it under cProfile.
3. The outbox sender against FakeBotApi (a separate process): limits off (its own ceiling) and
   at 30/s overall, counting outbox rows marked sent against sendMessage calls the fake got.
4. The reference: one APScheduler CronTrigger job per patient, in memory (and, optionally,
   in a SQLAlchemyJobStore), each size in a fresh process: time to add and RSS growth.

Everything runs in a scratch database ``bench_sched_<pid>`` on the machine's Postgres that is
dropped at the end (``--keep-db`` keeps it). Heavy parts run in child processes of this script
(``--worker ...``) so that RSS figures are not polluted by each other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

# Ninety days of doses before each schedule's next due time, about 80% taken (the dashboard
# and stats benches share it).
NINETY_DAYS_OF_DOSES = """
    INSERT INTO dose_events (schedule_id, patient_id, due_at, local_day, dose_mg,
                   status, window_ends_at, reminded_at, answered_at, created_at)
               SELECT s.id, s.patient_id, d.due,
                      ((d.due AT TIME ZONE s.timezone)::date - DATE '1970-01-01'), 50,
                      CASE WHEN r < 0.80 THEN 'taken' WHEN r < 0.93 THEN 'missed'
                           WHEN r < 0.97 THEN 'skipped' ELSE 'missed_not_reminded' END,
                      d.due + interval '4 hours',
                      CASE WHEN r < 0.97 THEN d.due END,
                      CASE WHEN r < 0.80 OR (r >= 0.93 AND r < 0.97)
                           THEN d.due + interval '10 minutes' END,
                      d.due
               FROM schedules s,
                    LATERAL (SELECT s.next_due_at - (k || ' days')::interval AS due,
                                    random() AS r
                             FROM generate_series(1, 90) AS k) AS d"""

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ADMIN_DSN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN = "123456:TEST"
CHAT_BASE = 1_000_000_000

# Where patients live, in percent (sums to 100): mostly North America, some Europe and
# Asia-Pacific, including half-hour (Kolkata) and half-hour-DST (Lord Howe) zones.
ZONES: list[tuple[str, int]] = [
    ("America/New_York", 28),
    ("America/Chicago", 14),
    ("America/Denver", 5),
    ("America/Phoenix", 2),
    ("America/Los_Angeles", 13),
    ("America/Anchorage", 1),
    ("Pacific/Honolulu", 1),
    ("America/Toronto", 4),
    ("Europe/London", 8),
    ("Europe/Berlin", 7),
    ("Europe/Kyiv", 2),
    ("Asia/Kolkata", 4),
    ("Asia/Tokyo", 3),
    ("Australia/Sydney", 5),
    ("Australia/Lord_Howe", 1),
    ("Pacific/Auckland", 2),
]


# Two weekly check-ins before $1 for every patient, one in three run out unanswered (the wave
# benches share it, so their histories agree with each other).
TWO_CHECK_INS_EACH = """
    INSERT INTO check_ins (patient_id, created_at, due_at, status, answered_at, expires_at)
    SELECT p.id, $1::timestamptz - (k * 7 || ' days')::interval,
           $1::timestamptz - (k * 7 || ' days')::interval,
           CASE WHEN (p.id + k) % 3 = 0 THEN 'expired' ELSE 'answered' END,
           CASE WHEN (p.id + k) % 3 <> 0 THEN $1::timestamptz - (k * 7 || ' days')::interval END,
           $1::timestamptz - (k * 7 - 1 || ' days')::interval
    FROM patients AS p, generate_series(1, 2) AS k"""

# $3 active staff in each of the 50 clinics `populate` makes, created at $1, in time zone $2.
STAFF_IN_EVERY_CLINIC = """
    INSERT INTO staff (id, telegram_user_id, name, role, timezone, clinic_id, active, created_at)
    SELECT c * 10 + k, 900000 + c * 10 + k, 'Nurse ' || c || '-' || k, 'staff', $2, c, true, $1
    FROM generate_series(1, 50) AS c, generate_series(1, $3::int) AS k"""


def _dose_time_table() -> list[str]:
    """1000 local dose times, weighted: mornings and evenings on quarter hours, a tail anywhere
    on five-minute marks."""
    out: list[str] = []
    morning = [f"{h:02d}:{m:02d}" for h in range(7, 10) for m in (0, 15, 30, 45)]  # 12
    evening = [f"{h:02d}:{m:02d}" for h in range(19, 23) for m in (0, 15, 30, 45)]  # 16
    midday = [f"{h:02d}:{m:02d}" for h in (6, 10, 11, 12, 13, 17, 18) for m in (0, 30)]  # 14
    anywhere = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(0, 60, 5)]  # 288
    for table, share in ((morning, 420), (evening, 300), (midday, 140), (anywhere, 140)):
        out += [table[k % len(table)] for k in range(share)]
    assert len(out) == 1000
    return out


def _zone_table() -> list[str]:
    out = [zone for zone, pct in ZONES for _ in range(pct)]
    assert len(out) == 100
    return out


# ---------------------------------------------------------------------------- small helpers


def proc_status() -> dict[str, float]:
    """VmRSS and VmHWM of this process in MB (from /proc; psutil is not installed)."""
    values: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024.0
    return values


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _db_url(admin_dsn: str, name: str) -> str:
    base, _, _ = admin_dsn.rpartition("/")
    return f"{base}/{name}"


def _settings(url: str, **overrides: Any) -> Any:
    from bot.config import Settings

    values: dict[str, Any] = {
        "database_url": url,
        "telegram_bot_token": None,
        "secret_key": "bench-secret",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)


class OffsetClock:
    """System time shifted so that it starts at ``start``: moves like a real clock."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


class StatementTimer:
    """Wall time per SQL statement shape (first words, parameters stripped), via SQLAlchemy's
    cursor events: where a tick or a sender spends its database time."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self._event = event
        self._engine = engine.sync_engine
        self.totals: dict[str, list[float]] = {}
        self._started: dict[int, float] = {}
        event.listen(self._engine, "before_cursor_execute", self._before)
        event.listen(self._engine, "after_cursor_execute", self._after)

    @staticmethod
    def shape(statement: str) -> str:
        words = " ".join(statement.split())
        for marker in (" WHERE ", " VALUES ", " SET "):
            head, sep, _ = words.partition(marker)
            if sep:
                words = head + sep.rstrip()
                break
        return words[:110]

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started[id(conn)] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = self._started.pop(id(conn), None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        entry = self.totals.setdefault(self.shape(statement), [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += elapsed
        entry[2] = max(entry[2], elapsed)

    def close(self) -> None:
        self._event.remove(self._engine, "before_cursor_execute", self._before)
        self._event.remove(self._engine, "after_cursor_execute", self._after)

    def top(self, n: int = 8) -> list[dict[str, Any]]:
        ranked = sorted(self.totals.items(), key=lambda kv: kv[1][1], reverse=True)[:n]
        return [
            {"statement": k, "calls": int(v[0]), "seconds": v[1], "max_seconds": v[2]}
            for k, v in ranked
        ]


def _run_worker(args: list[str], timeout: float = 1800) -> dict[str, Any]:
    """Run this script as a worker process; its last stdout line is a JSON object."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"worker {args[0]} failed with exit code {proc.returncode}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    result: dict[str, Any] = json.loads(lines[-1])
    result["stderr_tail"] = proc.stderr.strip().splitlines()[-5:]
    result["stderr_failures"] = sum("failed" in line for line in proc.stderr.splitlines())
    return result


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def fmt_n(n: int) -> str:
    exp = len(str(n)) - 1
    return f"10^{exp}" if n == 10**exp else f"{n:,}"


# ---------------------------------------------------------------------------- population


async def create_database(admin_dsn: str, name: str) -> str:
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = _db_url(admin_dsn, name)
    from bot.db.migrate import upgrade

    await upgrade(url)
    return url


async def drop_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def populate(dsn: str, lo: int, hi: int, now: datetime) -> float:
    """Patients lo..hi, each with one daily schedule, next_due_at the next local dose time
    strictly after ``now``. Server-side INSERT ... SELECT generate_series; returns seconds."""
    from bot.services.context import load_consent

    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            if lo == 1:
                await conn.execute(
                    """INSERT INTO clinics (id, name, invite_code, created_at)
                       SELECT c, 'Clinic ' || c, 'BENCH' || c, $1
                       FROM generate_series(1, 50) AS c""",
                    now,
                )
                await conn.execute("SELECT setval('clinics_id_seq', 50)")
            await conn.execute(
                """INSERT INTO patients (id, chat_id, code, clinic_id, display_name, timezone,
                       language, consent_version, consented_at, status, plain_wording,
                       paused_until, created_at, updated_at)
                   SELECT i, $3::bigint + i, 'B' || i, 1 + i % 50, 'Patient ' || i,
                          ($4::text[])[1 + abs(hashint4(i)) % 100], 'en', $6, $5, 'active',
                          i % 10 = 0, NULL, $5, $5
                   FROM generate_series($1::int, $2::int) AS i""",
                lo,
                hi,
                CHAT_BASE,
                _zone_table(),
                now,
                load_consent().version,  # current consent: the tick skips anyone else
            )
            await conn.execute(
                """INSERT INTO schedules (id, patient_id, kind, timezone, dose_times, weekly_doses,
                       dose_mg, injection_date, injection_interval_days, next_due_at, active,
                       created_at, updated_at)
                   SELECT p.id, p.id, 'daily', p.timezone, json_build_array(t.at), NULL, 50,
                          NULL, NULL,
                          CASE WHEN (today + t.at::time) AT TIME ZONE p.timezone > $4
                               THEN (today + t.at::time) AT TIME ZONE p.timezone
                               ELSE (today + 1 + t.at::time) AT TIME ZONE p.timezone END,
                          true, $4, $4
                   FROM patients AS p,
                        LATERAL (SELECT ($3::text[])[1 + abs(hashint4(-p.id)) % 1000] AS at) AS t,
                        LATERAL (SELECT ($4 AT TIME ZONE p.timezone)::date AS today) AS d
                   WHERE p.id BETWEEN $1 AND $2""",
                lo,
                hi,
                _dose_time_table(),
                now,
            )
            await conn.execute(f"SELECT setval('patients_id_seq', {hi})")
            await conn.execute(f"SELECT setval('schedules_id_seq', {hi})")
        await conn.execute("VACUUM ANALYZE clinics, patients, schedules")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def check_next_due(dsn: str, now: datetime, sample: int = 500) -> int:
    """How many of a sample of loaded schedules disagree with the domain's next_due()."""
    from bot.domain.schedules import next_due
    from bot.services.plans import plan_of

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            """SELECT kind, timezone, dose_times::text AS dose_times, next_due_at FROM schedules
               ORDER BY id LIMIT $1""",
            sample,
        )
    finally:
        await conn.close()
    bad = 0
    for row in rows:
        plan = plan_of(
            kind=row["kind"],
            timezone=row["timezone"],
            dose_times=json.loads(row["dose_times"]),
            weekly_doses=None,
            dose_mg=50,
            injection_date=None,
            injection_interval_days=None,
        )
        if next_due(plan, now) != row["next_due_at"]:
            bad += 1
    return bad


async def table_sizes(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            """SELECT pg_database_size(current_database()) AS db,
                      pg_total_relation_size('schedules') AS schedules,
                      pg_relation_size('ix_schedules_due') AS due_index"""
        )
    finally:
        await conn.close()
    return dict(row)


# ---------------------------------------------------------------------------- 1. idle tick


@dataclass
class TickSizeResult:
    size: int
    load_seconds: float
    idle_median: float
    idle_p90: float
    idle_min: float
    steady_median: float
    steady_max: float
    steady_due: int
    db_mb: float
    samples: list[float] = field(default_factory=list)


async def measure_ticks(
    url: str, clock: Any, size: int, runs: int, capture: dict[str, Any]
) -> tuple[float, float, float, float, float, int, list[float]]:
    """Median/p90/min of an idle tick, then the median of a steady tick (clock + tick_seconds)."""
    from sqlalchemy import event

    from bot.runtime import app_context
    from jobs.tick import tick

    settings = _settings(url)
    async with app_context(settings, clock) as ctx:
        engine = ctx.sessions.kw["bind"]

        def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool):
            if "FROM schedules" in statement and "FOR UPDATE" in statement:
                capture.setdefault("statement", statement)
                capture.setdefault("params", params)

        event.listen(engine.sync_engine, "before_cursor_execute", grab)
        for _ in range(3):  # warm the pool and the statement caches
            warm = await tick(ctx)
            assert warm.schedules == 0, "population has schedules due at 'now'"
        idle: list[float] = []
        for _ in range(runs):
            started = time.perf_counter()
            result = await tick(ctx)
            idle.append(time.perf_counter() - started)
            assert result.schedules == 0
        event.remove(engine.sync_engine, "before_cursor_execute", grab)

        steady: list[float] = []
        due: list[int] = []
        step = timedelta(seconds=settings.tick_seconds)
        # Dose times sit on five-minute marks: start 50 s before the next one so the steady
        # ticks cross it (most find nothing; one finds everyone due on the mark).
        now = clock.now()
        mark = now.replace(second=0, microsecond=0) + timedelta(minutes=5 - now.minute % 5)
        if mark - timedelta(seconds=50) > now:
            clock.set(mark - timedelta(seconds=50))
        for _ in range(runs):
            clock.advance(step)
            started = time.perf_counter()
            result = await tick(ctx)
            steady.append(time.perf_counter() - started)
            due.append(result.schedules)
    idle_sorted = sorted(idle)
    p90 = idle_sorted[min(len(idle_sorted) - 1, round(0.9 * (len(idle_sorted) - 1)))]
    return (
        statistics.median(idle),
        p90,
        min(idle),
        statistics.median(steady),
        max(steady),
        sum(due),
        idle,
    )


async def explain_tick(url: str, capture: dict[str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the tick's own claim statement, as SQLAlchemy sent it."""
    from bot.db.engine import create_engine

    statement, params = capture.get("statement"), capture.get("params")
    if not statement:
        return "(claim statement not captured)"
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params
            )
            lines = [row[0] for row in result]
            await conn.rollback()
    finally:
        await engine.dispose()
    return "\n".join(lines)


# ---------------------------------------------------------------------------- 2. burst


async def prepare_burst(dsn: str, due: datetime, burst: int, size: int, residue: int) -> int:
    """Make ``burst`` schedules (every size//burst-th, shifted by ``residue``) due at the
    minute ``due``, as if those patients had all picked that minute as their local dose time
    (dose_times is set to match, so the plan and next_due_at agree). Returns how many."""
    step = max(1, size // burst)
    conn = await asyncpg.connect(dsn)
    try:
        status = await conn.execute(
            """UPDATE schedules
               SET next_due_at = $1::timestamptz,
                   dose_times = json_build_array(to_char($1::timestamptz AT TIME ZONE timezone,
                                                         'HH24:MI'))
               WHERE id % $2 = $3 AND id <= $4""",
            due,
            step,
            residue % step,
            step * burst,
        )
        await conn.execute("VACUUM ANALYZE schedules")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return int(status.split()[-1])


async def verify_burst(dsn: str, now: datetime, outbox_before: int) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            """SELECT
                 (SELECT count(*) FROM schedules WHERE active AND next_due_at <= $1) AS still_due,
                 (SELECT count(*) FROM dose_events
                    WHERE created_at = $1 AND status = 'pending') AS doses_pending,
                 (SELECT count(*) FROM outbox WHERE id > $2 AND kind = 'reminder') AS outbox_new,
                 (SELECT count(DISTINCT chat_id) FROM outbox WHERE id > $2) AS outbox_chats""",
            now,
            outbox_before,
        )
    finally:
        await conn.close()
    return dict(row)


async def scalar(dsn: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def worker_burst(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process: one tick over the prepared burst; time, CPU, peak RSS."""
    from bot.clock import FakeClock
    from bot.runtime import app_context
    from jobs import periodic, sender  # noqa: F401 - a `jobs` worker process imports these too
    from jobs.tick import tick

    rss_start = proc_status()
    now = datetime.fromisoformat(args.now)
    settings = _settings(args.url)
    async with app_context(settings, FakeClock(now)) as ctx:
        async with ctx.sessions() as session:  # connect before timing
            from sqlalchemy import text

            await session.execute(text("SELECT 1"))
        rss_ready = proc_status()
        timer = StatementTimer(ctx.sessions.kw["bind"])
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu0 = cpu_seconds()
        started = time.perf_counter()
        result = await tick(ctx, batch_size=args.batch_size)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds() - cpu0
        if profiler is not None:
            profiler.disable()
        timer.close()
    rss_end = proc_status()
    out: dict[str, Any] = {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "schedules": result.schedules,
        "reminders": result.reminders,
        "missed_not_reminded": result.missed_not_reminded,
        "rss_start_mb": rss_start["VmRSS"],
        "rss_ready_mb": rss_ready["VmRSS"],
        "rss_end_mb": rss_end["VmRSS"],
        "peak_rss_mb": rss_end["VmHWM"],
        "statements": timer.top(),
    }
    if profiler is not None:
        import io
        import pstats

        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.sort_stats("tottime").print_stats(25)
        out["profile_tottime"] = buf.getvalue()
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.sort_stats("cumulative").print_stats(40)
        out["profile_cumulative"] = buf.getvalue()
        if args.profile_out:
            stats.dump_stats(args.profile_out)
    return out


# ---------------------------------------------------------------------------- 3. sender


class FakeApiProcess:
    """FakeBotApi (tests/fakes/bot_api.py) in its own process, so the sender's ceiling is not
    the fake's CPU time in the same event loop."""

    def __init__(self, latency: float) -> None:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "fakeapi",
            "--latency",
            str(latency),
        ]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self.proc.stdout is not None
        hello = json.loads(self.proc.stdout.readline())
        self.base_url: str = hello["base_url"]

    def stats(self, since: int) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"stats {since}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def worker_fakeapi(args: argparse.Namespace) -> None:
    from tests.fakes.bot_api import FakeBotApi

    loop = asyncio.get_running_loop()
    async with FakeBotApi() as api:
        if args.latency > 0:
            # Telegram answers in ~100 ms; the message counts as delivered on arrival.
            api.delay_next("sendMessage", args.latency, times=10**9, apply_first=True)
        print(json.dumps({"base_url": api.base_url}), flush=True)
        seen: Counter[tuple[Any, ...]] = Counter()
        counted = 0
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "quit":
                return
            _, _, since_text = line.strip().partition(" ")
            since = int(since_text or 0)
            sends = api.calls_to("sendMessage")
            for call in sends[counted:]:
                if call.status == 200:
                    markup = json.dumps(call.params.get("reply_markup"), sort_keys=True)
                    seen[(call.params.get("chat_id"), call.params.get("text"), markup)] += 1
            counted = len(sends)
            window = sends[since:]
            ok = [c.timestamp for c in window if c.status == 200]
            statuses = Counter(str(c.status) for c in window)
            per_second: list[int] = []
            busiest = 0  # most sends in any sliding one-second window
            lo = 0
            for hi, t in enumerate(ok):
                while t - ok[lo] >= 1.0:
                    lo += 1
                busiest = max(busiest, hi - lo + 1)
            if ok:
                first = ok[0]
                bins = Counter(int(t - first) for t in ok)
                per_second = [bins.get(k, 0) for k in range(int(ok[-1] - first) + 1)]
            print(
                json.dumps(
                    {
                        "total": len(sends),
                        "window": len(window),
                        "ok": len(ok),
                        "statuses": statuses,
                        "t_first": ok[0] if ok else None,
                        "t_last": ok[-1] if ok else None,
                        "per_second": per_second,
                        "max_in_1s": busiest,
                        "duplicate_messages": sum(n - 1 for n in seen.values() if n > 1),
                        "distinct_messages": len(seen),
                    }
                ),
                flush=True,
            )


async def worker_sender(args: argparse.Namespace) -> dict[str, Any]:
    from bot.runtime import app_context
    from jobs.sender import OutboxSender, sender_bot

    settings = _settings(
        args.url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=args.base_url,
        send_rate_per_second=args.rate,
        send_rate_per_chat_per_second=args.per_chat,
    )
    clock = OffsetClock(datetime.fromisoformat(args.now))
    async with app_context(settings, clock) as ctx, sender_bot(settings) as bot:
        sender = OutboxSender(ctx, bot)
        timer = StatementTimer(ctx.sessions.kw["bind"])
        stop = asyncio.Event()
        cpu0 = cpu_seconds()
        t_start = time.monotonic()
        task = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(args.seconds)
        stop.set()
        t_stop = time.monotonic()
        await task
        t_end = time.monotonic()
        cpu = cpu_seconds() - cpu0
        clock_end = clock.now()
        timer.close()
    status = proc_status()
    return {
        "t_start": t_start,
        "t_stop": t_stop,
        "t_end": t_end,
        "cpu_seconds": cpu,
        "rss_mb": status["VmRSS"],
        "peak_rss_mb": status["VmHWM"],
        "clock_end": clock_end.isoformat(),
        "statements": timer.top(),
    }


async def pin_outbox_statistics(dsn: str, now: datetime) -> None:
    """The outbox as production sees it just before a burst: what the steady ticks queued has
    been sent, the statistics say so, and autovacuum has not yet looked at what comes next
    (turned off on this scratch table until :func:`release_outbox_statistics`)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = $1 WHERE status = 'pending'", now
        )
        await conn.execute("ALTER TABLE outbox SET (autovacuum_enabled = false)")
        await conn.execute("VACUUM ANALYZE outbox")
    finally:
        await conn.close()


async def release_outbox_statistics(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER TABLE outbox RESET (autovacuum_enabled)")
        await conn.execute("VACUUM ANALYZE outbox")
    finally:
        await conn.close()


async def set_statement_timeout(admin_dsn: str, db_name: str, seconds: float | None) -> None:
    """For new sessions on the scratch database only (so a runaway claim ends)."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        if seconds is None:
            await conn.execute(f'ALTER DATABASE "{db_name}" RESET statement_timeout')
        else:
            await conn.execute(
                f"ALTER DATABASE \"{db_name}\" SET statement_timeout = '{int(seconds * 1000)}ms'"
            )
    finally:
        await conn.close()


async def outbox_counts(dsn: str, clock_now: datetime | None = None) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            """SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
                      count(*) FILTER (WHERE status = 'failed') AS failed,
                      count(*) FILTER (WHERE status = 'pending') AS pending,
                      count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS pending_tried,
                      count(*) FILTER (WHERE status = 'pending' AND next_attempt_at > $1)
                        AS pending_leased,
                      (SELECT count(*) FROM dose_events WHERE reminded_at IS NOT NULL)
                        AS doses_reminded,
                      max(id) AS max_id
               FROM outbox""",
            clock_now or datetime(2100, 1, 1, tzinfo=UTC),
        )
    finally:
        await conn.close()
    return {k: int(v or 0) for k, v in dict(row).items()}


@dataclass
class SenderRound:
    label: str
    rate: float
    seconds: float
    latency: float
    sent_db: int
    fake_ok: int
    fake_window: int
    statuses: dict[str, int]
    duplicates: int
    overall_rate: float
    steady_rate: float
    min_second: int | None
    max_in_1s: int
    pending_leased_after: int
    pending_tried_after: int
    failed_delta: int
    doses_reminded_delta: int
    first_send_after: float | None
    stale_stats: bool
    worker: dict[str, Any]


async def sender_round(
    dsn: str,
    url: str,
    label: str,
    *,
    rate: float,
    per_chat: float,
    seconds: float,
    latency: float,
    start: datetime,
    stale_stats: bool = False,
) -> SenderRound:
    fake = FakeApiProcess(latency)
    try:
        counts0 = await outbox_counts(dsn)
        since = fake.stats(0)["total"]
        worker = await asyncio.to_thread(
            _run_worker,
            [
                "sender",
                "--url",
                url,
                "--base-url",
                fake.base_url,
                "--rate",
                str(rate),
                "--per-chat",
                str(per_chat),
                "--seconds",
                str(seconds),
                "--now",
                start.isoformat(),
            ],
        )
        stats = fake.stats(since)
    finally:
        fake.close()
    clock_end = datetime.fromisoformat(worker["clock_end"])
    counts1 = await outbox_counts(dsn, clock_end + timedelta(seconds=1))
    ok = stats["ok"]
    run_seconds = worker["t_stop"] - worker["t_start"]
    steady = 0.0
    if ok > 1 and stats["t_last"] > stats["t_first"]:
        steady = (ok - 1) / (stats["t_last"] - stats["t_first"])
    bins = stats["per_second"]
    inner = bins[1:-1] if len(bins) > 2 else []
    return SenderRound(
        label=label,
        rate=rate,
        seconds=seconds,
        latency=latency,
        sent_db=counts1["sent"] - counts0["sent"],
        fake_ok=ok,
        fake_window=stats["window"],
        statuses=stats["statuses"],
        duplicates=stats["duplicate_messages"],
        overall_rate=ok / run_seconds,
        steady_rate=steady,
        min_second=min(inner) if inner else None,
        max_in_1s=stats["max_in_1s"],
        pending_leased_after=counts1["pending_leased"],
        pending_tried_after=counts1["pending_tried"],
        failed_delta=counts1["failed"] - counts0["failed"],
        doses_reminded_delta=counts1["doses_reminded"] - counts0["doses_reminded"],
        first_send_after=(stats["t_first"] - worker["t_start"]) if stats["t_first"] else None,
        stale_stats=stale_stats,
        worker=worker,
    )


# ---------------------------------------------------------------------------- 4. APScheduler


async def remind(patient_id: int) -> None:  # the job every patient would have
    return None


async def worker_aps(args: argparse.Namespace) -> dict[str, Any]:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

    zones = _zone_table()
    times = _dose_time_table()
    jobstores: dict[str, Any] = {}
    if args.store == "sqlalchemy":
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        jobstores["default"] = SQLAlchemyJobStore(url=f"sqlite:///{args.sqlite_path}")
    scheduler = AsyncIOScheduler(timezone="UTC", jobstores=jobstores)
    scheduler.start()
    CronTrigger(hour=8, minute=0, timezone="UTC")  # warm imports and caches
    gc.collect()
    rss0 = proc_status()["VmRSS"]
    started = time.perf_counter()
    for i in range(1, args.n + 1):
        at = times[(i * 7919) % 1000]
        trigger = CronTrigger(hour=int(at[:2]), minute=int(at[3:]), timezone=zones[i % 100])
        scheduler.add_job(remind, trigger, args=[i], id=f"patient-{i}")
    elapsed = time.perf_counter() - started
    gc.collect()
    rss1 = proc_status()["VmRSS"]
    jobs = len(scheduler.get_jobs())
    # One wake-up as the scheduler would do it: find what is due among all jobs.
    wake0 = time.perf_counter()
    store = scheduler._jobstores["default"]
    store.get_due_jobs(datetime.now(UTC))
    store.get_next_run_time()
    wake = time.perf_counter() - wake0
    scheduler.shutdown(wait=False)
    return {
        "n": args.n,
        "store": args.store,
        "add_seconds": elapsed,
        "per_job_us": elapsed / args.n * 1e6,
        "rss_before_mb": rss0,
        "rss_after_mb": rss1,
        "rss_delta_mb": rss1 - rss0,
        "per_job_kb": (rss1 - rss0) * 1024 / args.n,
        "jobs": jobs,
        "due_scan_seconds": wake,
        "peak_rss_mb": proc_status()["VmHWM"],
    }


# ---------------------------------------------------------------------------- orchestration


def machine_info(admin_dsn: str) -> dict[str, str]:
    mem_total = ""
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu_model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break

    async def pg() -> tuple[str, str, str]:
        conn = await asyncpg.connect(admin_dsn)
        try:
            version = await conn.fetchval("SHOW server_version")
            buffers = await conn.fetchval("SHOW shared_buffers")
            sync = await conn.fetchval("SHOW synchronous_commit")
            return version, buffers, sync
        finally:
            await conn.close()

    version, buffers, sync = asyncio.run(pg())
    import apscheduler
    import sqlalchemy
    import telegram

    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "jobs", "bot"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model,
        "memory": mem_total,
        "postgres": f"{version} (shared_buffers={buffers}, synchronous_commit={sync})",
        "python": platform.python_version(),
        "libs": (
            f"SQLAlchemy {sqlalchemy.__version__}, asyncpg {asyncpg.__version__}, "
            f"python-telegram-bot {telegram.__version__}, APScheduler {apscheduler.__version__}"
        ),
        "commit": commit + (" (bot/ or jobs/ had uncommitted changes)" if dirty else ""),
    }


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_benchmark(opts: argparse.Namespace) -> dict[str, Any]:
    sizes = opts.sizes
    info = machine_info(opts.admin_dsn)
    db_name = f"bench_sched_{os.getpid()}"
    results: dict[str, Any] = {"info": info, "options": vars(opts).copy(), "db": db_name}
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    from bot.clock import FakeClock

    clock = FakeClock(start)
    url = asyncio.run(create_database(opts.admin_dsn, db_name))
    dsn = _db_url(opts.admin_dsn, db_name)
    log(f"scratch database {db_name} migrated")
    try:
        # 1. idle and steady ticks as the population grows
        ticks: list[TickSizeResult] = []
        loaded = 0
        capture: dict[str, Any] = {}
        for size in sizes:
            load = asyncio.run(populate(dsn, loaded + 1, size, clock.now()))
            if loaded == 0:
                results["next_due_mismatches"] = asyncio.run(check_next_due(dsn, clock.now()))
            loaded = size
            capture.clear()
            median, p90, fastest, steady, steady_max, due, samples = asyncio.run(
                measure_ticks(url, clock, size, opts.runs, capture)
            )
            sizes_db = asyncio.run(table_sizes(dsn))
            ticks.append(
                TickSizeResult(
                    size,
                    load,
                    median,
                    p90,
                    fastest,
                    steady,
                    steady_max,
                    due,
                    sizes_db["db"] / 2**20,
                    samples,
                )
            )
            log(
                f"{fmt_n(size)} schedules: loaded in {load:.1f}s, idle tick {fmt_ms(median)}, "
                f"steady tick {fmt_ms(steady)} (max {fmt_ms(steady_max)}, {due} due in all)"
            )
        results["ticks"] = ticks
        results["explain"] = asyncio.run(explain_tick(url, capture))

        # 2. the burst
        # Due on the minute, ticked 20 s later: "due in the same minute, just before now".
        burst_due = (clock.now() + timedelta(minutes=2)).replace(second=0, microsecond=0)
        burst_now = burst_due + timedelta(seconds=20)
        outbox_before = asyncio.run(scalar(dsn, "SELECT coalesce(max(id), 0) FROM outbox"))
        asyncio.run(pin_outbox_statistics(dsn, clock.now()))
        made_due = asyncio.run(prepare_burst(dsn, burst_due, opts.burst, loaded, 0))
        log(f"burst: {made_due} schedules due at {burst_due:%H:%M}, tick at {burst_now:%H:%M:%S}")
        burst = _run_worker(
            ["burst", "--url", url, "--now", burst_now.isoformat(), "--batch-size", "1000"]
        )
        burst["made_due"] = made_due
        burst["verify"] = asyncio.run(verify_burst(dsn, burst_now, outbox_before))
        burst["rate"] = burst["reminders"] / burst["seconds"]
        results["burst"] = burst
        log(
            f"burst: {burst['reminders']} reminders in {burst['seconds']:.2f}s "
            f"({burst['rate']:.0f}/s), peak RSS {burst['peak_rss_mb']:.0f} MB"
        )
        clock.set(burst_now)
        rounds: list[SenderRound] = []
        sender_start = clock.now() + timedelta(seconds=1)
        if opts.stale_seconds > 0:
            # The sender as it meets the burst in production: at once, before autovacuum has
            # analysed the outbox again. A statement timeout bounds a runaway claim.
            asyncio.run(set_statement_timeout(opts.admin_dsn, db_name, opts.claim_timeout))
            try:
                r = asyncio.run(
                    sender_round(
                        dsn,
                        url,
                        "30/s limit, right after the burst (outbox statistics from before it)",
                        rate=opts.rate_limit,
                        per_chat=1.0,
                        seconds=opts.stale_seconds,
                        latency=0.0,
                        start=sender_start,
                        stale_stats=True,
                    )
                )
            finally:
                asyncio.run(set_statement_timeout(opts.admin_dsn, db_name, None))
            rounds.append(r)
            sender_start = datetime.fromisoformat(r.worker["clock_end"]) + timedelta(seconds=1)
            first = f"{r.first_send_after:.1f}s" if r.first_send_after is not None else "never"
            log(
                f"sender right after the burst: {r.fake_ok} sent in {r.seconds:.0f}s, first "
                f"after {first}, {r.worker['stderr_failures']} failed drains"
            )
        asyncio.run(release_outbox_statistics(dsn))
        if opts.profile:
            profile_due = burst_due + timedelta(minutes=2)
            profile_now = profile_due + timedelta(seconds=20)
            outbox_mark = asyncio.run(scalar(dsn, "SELECT coalesce(max(id), 0) FROM outbox"))
            asyncio.run(prepare_burst(dsn, profile_due, opts.burst, loaded, 1))
            prof = _run_worker(
                [
                    "burst",
                    "--url",
                    url,
                    "--now",
                    profile_now.isoformat(),
                    "--batch-size",
                    "1000",
                    "--profile",
                    *(["--profile-out", opts.profile_out] if opts.profile_out else []),
                ]
            )
            # Keep the sender's backlog to one burst: drop the profiled burst's messages.
            asyncio.run(scalar(dsn, "DELETE FROM outbox WHERE id > $1", outbox_mark))
            asyncio.run(scalar(dsn, "VACUUM ANALYZE outbox"))
            results["profile"] = prof
            clock.set(profile_now)
            log(f"profiled burst: {prof['seconds']:.2f}s under cProfile")

        # 3. the sender, draining the burst's backlog
        sender_start = max(sender_start, clock.now() + timedelta(seconds=1))
        plan = [
            ("30/s limit", opts.rate_limit, 1.0, opts.sender_seconds, 0.0),
            ("limits off", 1e6, 1e6, opts.unlimited_seconds, 0.0),
        ]
        if opts.latency > 0:
            plan.append(
                (
                    f"limits off, {opts.latency * 1000:.0f} ms API latency",
                    1e6,
                    1e6,
                    opts.unlimited_seconds,
                    opts.latency,
                )
            )
            plan.append(
                (
                    f"30/s limit, {opts.latency * 1000:.0f} ms API latency",
                    opts.rate_limit,
                    1.0,
                    opts.sender_seconds,
                    opts.latency,
                )
            )
        for label, rate, per_chat, seconds, latency in plan:
            r = asyncio.run(
                sender_round(
                    dsn,
                    url,
                    label,
                    rate=rate,
                    per_chat=per_chat,
                    seconds=seconds,
                    latency=latency,
                    start=sender_start,
                )
            )
            sender_start = datetime.fromisoformat(r.worker["clock_end"]) + timedelta(seconds=1)
            rounds.append(r)
            log(
                f"sender {label}: {r.fake_ok} sent in {seconds:.0f}s "
                f"({r.overall_rate:.1f}/s overall, {r.steady_rate:.1f}/s steady), "
                f"db sent {r.sent_db}, duplicates {r.duplicates}"
            )
        results["sender"] = rounds
    finally:
        if opts.keep_db:
            log(f"keeping {db_name}")
        else:
            asyncio.run(drop_database(opts.admin_dsn, db_name))
            log(f"dropped {db_name}")

    # 4. the APScheduler reference, each size in a fresh process
    aps: list[dict[str, Any]] = []
    for n in opts.aps_sizes:
        r = _run_worker(["aps", "--n", str(n), "--store", "memory"], timeout=3600)
        aps.append(r)
        log(
            f"APScheduler memory {fmt_n(n)}: {r['add_seconds']:.2f}s, "
            f"+{r['rss_delta_mb']:.0f} MB RSS"
        )
    for n in opts.sqla_sizes:
        with tempfile.TemporaryDirectory(prefix="bench_aps_") as tmp:
            r = _run_worker(
                [
                    "aps",
                    "--n",
                    str(n),
                    "--store",
                    "sqlalchemy",
                    "--sqlite-path",
                    str(Path(tmp) / "jobs.sqlite"),
                ],
                timeout=3600,
            )
        aps.append(r)
        log(f"APScheduler SQLAlchemyJobStore {fmt_n(n)}: {r['add_seconds']:.2f}s")
    results["aps"] = aps
    return results


# ---------------------------------------------------------------------------- report


def statement_table(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = [
        f"#### {title}\n",
        "| statement | calls | total | mean | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        text = r["statement"].replace("|", "\\|")
        out.append(
            f"| `{text}` | {r['calls']:,} | {r['seconds']:.2f} s | "
            f"{fmt_ms(r['seconds'] / max(1, r['calls']))} | {fmt_ms(r['max_seconds'])} |"
        )
    return "\n".join(out) + "\n"


def report(results: dict[str, Any], opts: argparse.Namespace) -> str:
    out: list[str] = []
    ticks: list[TickSizeResult] = results["ticks"]
    out.append(
        "### Tick with nothing due; then steady ticks (clock + tick_seconds each, "
        "crossing a five-minute mark)\n"
    )
    out.append(
        "| schedules | load (s) | DB size | idle tick median | p90 | min "
        "| steady tick median | steady tick max | due in the steady ticks |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in ticks:
        out.append(
            f"| {fmt_n(t.size)} | {t.load_seconds:.1f} | {t.db_mb:.0f} MB | "
            f"{fmt_ms(t.idle_median)} | {fmt_ms(t.idle_p90)} | {fmt_ms(t.idle_min)} | "
            f"{fmt_ms(t.steady_median)} | {fmt_ms(t.steady_max)} | {t.steady_due:,} |"
        )
    ratio = ticks[-1].idle_median / ticks[0].idle_median
    out.append("")

    b = results["burst"]
    v = b["verify"]
    out.append("### Burst: one tick over reminders due in the same minute\n")
    out.append(
        "| population | due | tick time | reminders/s | CPU of tick process | "
        "RSS ready | peak RSS (VmHWM) | dose rows | outbox rows | still due after |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    out.append(
        f"| {fmt_n(ticks[-1].size)} | {b['made_due']:,} | {b['seconds']:.2f} s | "
        f"{b['rate']:,.0f} | {b['cpu_seconds']:.2f} s ({b['cpu_seconds'] / b['seconds']:.0%}) | "
        f"{b['rss_ready_mb']:.0f} MB | {b['peak_rss_mb']:.0f} MB | {v['doses_pending']:,} | "
        f"{v['outbox_new']:,} | {v['still_due']} |"
    )
    out.append("")

    out.append(
        statement_table(
            f"Burst: database time by statement (tick wall {b['seconds']:.1f} s)",
            b.get("statements", []),
        )
    )
    out.append("### Sender against FakeBotApi (separate process), draining the burst's outbox\n")
    out.append(
        "| run | duration | sent (fake, HTTP 200) | outbox rows marked sent | overall rate | "
        "steady rate | first send after | slowest full second | most in any 1 s | duplicates | "
        "other statuses | failed drains | left leased | sender CPU | sender peak RSS |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in results["sender"]:
        other = {k: v for k, v in r.statuses.items() if k != "200"}
        out.append(
            f"| {r.label} | {r.seconds:.0f} s | {r.fake_ok:,} | {r.sent_db:,} | "
            f"{r.overall_rate:.1f}/s | {r.steady_rate:.1f}/s | "
            f"{f'{r.first_send_after:.2f} s' if r.first_send_after is not None else 'never'} | "
            f"{r.min_second if r.min_second is not None else '-'} | {r.max_in_1s} | "
            f"{r.duplicates} | "
            f"{other or '-'} | {r.worker.get('stderr_failures', 0)} | {r.pending_leased_after} | "
            f"{r.worker['cpu_seconds']:.1f} s | {r.worker['peak_rss_mb']:.0f} MB |"
        )
    out.append("")

    for r in results["sender"]:
        if r.rate == opts.rate_limit and r.latency == 0 and not r.stale_stats:
            out.append(
                statement_table(
                    f"Sender at {r.rate:.0f}/s: database time by statement ({r.seconds:.0f} s run)",
                    r.worker.get("statements", []),
                )
            )
    aps = results["aps"]
    if aps:
        out.append("### Reference: one APScheduler 3 CronTrigger job per patient\n")
        out.append("| job store | jobs | time to add | per job | RSS growth | per job | due scan |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for a in aps:
            store = "memory" if a["store"] == "memory" else "SQLAlchemyJobStore (SQLite file)"
            out.append(
                f"| {store} | {fmt_n(a['n'])} | {a['add_seconds']:.2f} s | "
                f"{a['per_job_us']:.0f} µs | {a['rss_delta_mb']:.1f} MB | "
                f"{a['per_job_kb']:.2f} KB | {fmt_ms(a['due_scan_seconds'])} |"
            )
        out.append("")

    # Goals
    limited = [r for r in results["sender"] if r.rate == opts.rate_limit and not r.stale_stats]
    stale = [r for r in results["sender"] if r.stale_stats]
    unlimited = [r for r in results["sender"] if r.rate > opts.rate_limit and r.latency == 0]
    out.append("### Against the goals\n")
    out.append("| goal | target | measured | met |")
    out.append("|---|---|---|---|")

    def row(goal: str, target: str, measured: str, met: bool) -> None:
        out.append(f"| {goal} | {target} | {measured} | {'yes' if met else '**NO**'} |")

    row(
        f"idle tick time({fmt_n(ticks[-1].size)}) / time({fmt_n(ticks[0].size)})",
        "≤ 1.5",
        f"{ratio:.2f} ({fmt_ms(ticks[-1].idle_median)} / {fmt_ms(ticks[0].idle_median)})",
        ratio <= 1.5,
    )
    row(
        f"burst of {b['made_due']:,}",
        "≥ 10,000 reminders/s",
        f"{b['rate']:,.0f}/s",
        b["rate"] >= 10_000,
    )
    row(
        "tick process peak RSS in the burst",
        "≤ 200 MB",
        f"{b['peak_rss_mb']:.0f} MB",
        b["peak_rss_mb"] <= 200,
    )
    complete = (
        v["doses_pending"] == b["reminders"]
        and v["outbox_new"] == b["reminders"]
        and v["still_due"] == 0
    )
    row(
        "burst writes everything once",
        "dose = outbox = reminders, nothing left due",
        f"{v['doses_pending']:,} / {v['outbox_new']:,} / {b['reminders']:,}, {v['still_due']} due",
        complete,
    )
    for r in limited:
        share = r.steady_rate / r.rate
        row(
            f"sender {r.label}, over {r.seconds:.0f} s (steady)",
            f"≥ {0.95 * r.rate:.1f}/s (95%)",
            f"{r.steady_rate:.1f}/s ({share:.0%}); overall incl. first claim "
            f"{r.overall_rate:.1f}/s",
            share >= 0.95,
        )
    for r in stale:
        first = f"{r.first_send_after:.1f} s" if r.first_send_after is not None else "never"
        row(
            "sender meets the burst before autovacuum re-analyses the outbox (no stated goal)",
            "(not a stated goal) first send < 2 s, ≥ 90% of the limit",
            f"first send after {first}; {r.fake_ok} sent in {r.seconds:.0f} s; "
            f"{r.worker.get('stderr_failures', 0)} drains failed "
            f"(statement_timeout {opts.claim_timeout:.0f} s)",
            r.first_send_after is not None
            and r.first_send_after < 2.0
            and r.fake_ok >= 0.9 * r.rate * r.seconds,
        )
    for r in results["sender"]:
        lost = r.sent_db != r.fake_ok or r.pending_leased_after or r.pending_tried_after
        row(
            f"sender {r.label}: nothing lost, nothing doubled",
            "rows sent = messages received, 0 duplicates, 0 left leased",
            f"{r.sent_db:,} rows / {r.fake_ok:,} received, {r.duplicates} duplicates, "
            f"{r.pending_leased_after} leased, {r.failed_delta} failed",
            not lost and r.duplicates == 0 and r.failed_delta == 0,
        )
    for r in unlimited:
        row(
            "sender ceiling, limits off (no target)",
            "-",
            f"{r.steady_rate:.0f} messages/s",
            True,
        )
    memory_aps = [a for a in aps if a["store"] == "memory"]
    if memory_aps:
        big = memory_aps[-1]
        row(
            f"reference: APScheduler, {fmt_n(big['n'])} in-memory jobs",
            "(issue: 10^5 ≈ 11 s, 320 MB)",
            f"{big['add_seconds']:.1f} s, +{big['rss_delta_mb']:.0f} MB",
            True,
        )
    out.append("")
    if results.get("next_due_mismatches"):
        out.append(
            f"Warning: {results['next_due_mismatches']} of 500 loaded schedules disagree with "
            "next_due(); the SQL population is off.\n"
        )
    return "\n".join(out)


# ---------------------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="reduced run for smoke checks (< 1 min)")
    p.add_argument("--admin-dsn", default=os.environ.get("BENCH_ADMIN_DSN", ADMIN_DSN_DEFAULT))
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None)
    p.add_argument("--runs", type=int, default=20, help="tick runs per size")
    p.add_argument("--burst", type=int, default=None, help="schedules due in the burst")
    p.add_argument("--sender-seconds", type=float, default=None)
    p.add_argument("--unlimited-seconds", type=float, default=None)
    p.add_argument("--rate-limit", type=float, default=30.0)
    p.add_argument(
        "--stale-seconds",
        type=float,
        default=None,
        help="sender run right after the burst, before the outbox is re-analysed (0: skip)",
    )
    p.add_argument(
        "--claim-timeout",
        type=float,
        default=30.0,
        help="statement_timeout (s) on the scratch database during that run",
    )
    p.add_argument(
        "--latency", type=float, default=None, help="extra runs with this fake API latency (s)"
    )
    p.add_argument("--aps-sizes", type=lambda s: [int(x) for x in s.split(",") if x], default=None)
    p.add_argument("--sqla-sizes", type=lambda s: [int(x) for x in s.split(",") if x], default=None)
    p.add_argument("--profile", action="store_true", help="also run a burst under cProfile")
    p.add_argument("--profile-out", default=None, help="write the burst's pstats here")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--json", default=None, help="also write raw results as JSON here")
    p.add_argument("--output", default=None, help="also write the Markdown report here")
    # internal: worker processes
    p.add_argument(
        "--worker", choices=["burst", "sender", "fakeapi", "aps"], help=argparse.SUPPRESS
    )
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, default=1000, help=argparse.SUPPRESS)
    p.add_argument("--base-url", help=argparse.SUPPRESS)
    p.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    p.add_argument("--per-chat", type=float, help=argparse.SUPPRESS)
    p.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--store", default="memory", help=argparse.SUPPRESS)
    p.add_argument("--sqlite-path", help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    if opts.worker:
        return opts
    quick = opts.quick
    if opts.sizes is None:
        opts.sizes = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    if opts.burst is None:
        opts.burst = 5_000 if quick else 100_000
    if opts.sender_seconds is None:
        opts.sender_seconds = 5.0 if quick else 20.0
    if opts.stale_seconds is None:
        opts.stale_seconds = 5.0 if quick else 30.0
    if opts.unlimited_seconds is None:
        opts.unlimited_seconds = 3.0 if quick else 10.0
    if opts.latency is None:
        opts.latency = 0.0 if quick else 0.1
    if opts.aps_sizes is None:
        opts.aps_sizes = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    if opts.sqla_sizes is None:
        opts.sqla_sizes = [] if quick else [10**3, 10**4]
    if quick:
        opts.runs = min(opts.runs, 10)
    if opts.burst > opts.sizes[-1]:
        p.error("--burst cannot exceed the largest size")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if opts.worker == "burst":
        print(json.dumps(asyncio.run(worker_burst(opts))))
        return 0
    if opts.worker == "sender":
        print(json.dumps(asyncio.run(worker_sender(opts))))
        return 0
    if opts.worker == "fakeapi":
        asyncio.run(worker_fakeapi(opts))
        return 0
    if opts.worker == "aps":
        print(json.dumps(asyncio.run(worker_aps(opts))))
        return 0

    import logging

    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    results = run_benchmark(opts)
    text = report(results, opts)
    elapsed = time.perf_counter() - started
    command = "/work/main/.venv/bin/python bench/bench_scheduling.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    header = [f"## Scheduling benchmark ({'quick' if opts.quick else 'full'})", ""]
    for key, value in results["info"].items():
        header.append(f"- {key}: {value}")
    header.append(f"- command: `{command.strip()}`")
    header.append(f"- wall time: {elapsed:.0f} s")
    header.append("")
    full = "\n".join(header) + "\n" + text
    if "profile" in results:
        full += (
            "\n### cProfile of a second burst (tottime, top 25)\n\n```\n"
            + results["profile"]["profile_tottime"].strip()
            + "\n```\n"
        )
    full += "\n### EXPLAIN ANALYZE of the tick's claim at the largest size\n\n```\n"
    full += results["explain"] + "\n```\n"
    print(full)
    if opts.output:
        Path(opts.output).write_text(full, encoding="utf-8")
    if opts.json:

        def default(o: Any) -> Any:
            if hasattr(o, "__dataclass_fields__"):
                return o.__dict__
            return str(o)

        Path(opts.json).write_text(json.dumps(results, default=default, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Staff dashboard benchmark: the patients page and a patient page at 1,000 and 10,000 patients.

    .venv/bin/python bench/bench_dashboard.py                      # 1,000 and 10,000 patients
    .venv/bin/python bench/bench_dashboard.py --sizes 1000 --requests 50

A scratch Postgres database per size gets one clinic whose patients each have a daily plan, 90
days of doses (80% taken, 13% missed, 4% skipped, 3% never reminded, answered within minutes)
and a weekly check-in with a craving, loaded with INSERT ... SELECT generate_series. The real
FastAPI app (bot.dashboard.app.create_app) is called in this process through httpx's ASGI
transport with a signed-in staff cookie, so the timings are the app's own: routing, the SQL, the
Jinja rendering. SQL statements are counted per request with SQLAlchemy's cursor events.

Measured, each --requests times after a warm-up request:
* the patients page (GET /patients, first page of 50, by name), the same sorted by 7-day
  days covered, and filtered to "needs attention";
* the query behind it alone (bot.services.clinic_summary.clinic_patients + clinic_counts);
* a patient page (GET /patients/{id}), for patients picked across the clinic;
* the first patients page after every patient's stats went stale (what a page costs right after
  local midnight, before the stats job has caught up: it recomputes at most 1,000 of them);
* the stats job computing everyone's figures, which runs before the pages are measured, as it
  would have in production.

Goals (issue 6): patients page p95 < 150 ms, patient page p95 < 50 ms, statements per page
constant as the clinic grows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import bench_scheduling as sched  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)


async def load(dsn: str, patients: int) -> float:
    started = time.perf_counter()
    await sched.populate(dsn, 1, patients, NOW)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "UPDATE patients SET clinic_id = 1, created_at = $1", NOW - timedelta(days=95)
        )
        await conn.execute(sched.NINETY_DAYS_OF_DOSES)
        await conn.execute(
            """INSERT INTO check_ins (patient_id, created_at, due_at, status, answered_at,
                   craving, mood, substance_use)
               SELECT p.id, $1::timestamptz - (k * 7 || ' days')::interval,
                      $1::timestamptz - (k * 7 || ' days')::interval,
                      CASE WHEN random() < 0.7 THEN 'answered' ELSE 'expired' END, NULL,
                      (random() * 10)::int, 3, 'no'
               FROM patients AS p, generate_series(1, 13) AS k""",
            NOW,
        )
        await conn.execute(
            "UPDATE check_ins SET answered_at = CASE WHEN status = 'answered' THEN created_at END,"
            " craving = CASE WHEN status = 'answered' THEN craving END"
        )
        await conn.execute(
            """INSERT INTO alerts (clinic_id, patient_id, kind, severity, status, summary,
                   created_at, occurrences)
               SELECT 1, p.id, 'missed_doses', 'normal',
                      CASE WHEN p.id % 40 = 0 THEN 'open' ELSE 'resolved' END,
                      p.display_name || ' has missed 2 doses in a row.', $1, 1
               FROM patients AS p WHERE p.id % 20 = 0""",
            NOW,
        )
        await conn.execute(
            "INSERT INTO staff (id, telegram_user_id, name, role, timezone, clinic_id, active,"
            " created_at) VALUES (1, 42, 'Bench Nurse', 'admin', 'America/New_York', 1, true, $1)",
            NOW,
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


@dataclass
class Timing:
    label: str
    samples: list[float]
    statements: list[int]

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def row(self) -> str:
        med, p95, worst = statistics.median(self.samples), self.pct(0.95), max(self.samples)
        counts = sorted(set(self.statements))
        shown = ", ".join(str(c) for c in counts)
        return (
            f"| {self.label} | {len(self.samples)} | {med * 1000:.1f} ms | {p95 * 1000:.1f} ms | "
            f"{worst * 1000:.1f} ms | {shown} |"
        )


async def measure(url: str, patients: int, requests: int) -> list[Timing]:
    import httpx
    from sqlalchemy import event, update

    from bot.clock import FakeClock
    from bot.dashboard.app import create_app
    from bot.db.models import Patient
    from bot.runtime import app_context
    from bot.services.clinic_summary import Listing, clinic_counts, clinic_patients
    from bot.services.staff_auth import create_login_link
    from jobs.stats import refresh_stale_stats

    settings = sched._settings(url, log_level="WARNING")
    async with app_context(settings, FakeClock(NOW)) as ctx:
        statements: list[str] = []
        engine = ctx.sessions.kw["bind"].sync_engine

        def count(*args: Any) -> None:
            statements.append(args[2])

        # As in production, the stats job has computed everyone's figures before staff look.
        started = time.perf_counter()
        refreshed = await refresh_stale_stats(ctx)
        job = Timing(
            f"stats job, all {refreshed:,} patients (batches of 1,000)",
            [time.perf_counter() - started],
            [0],
        )
        event.listen(engine, "before_cursor_execute", count)
        link = await create_login_link(ctx, 1, via="operator")
        transport = httpx.ASGITransport(app=create_app(ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://dash") as client:
            signed_in = await client.get(link.replace(settings.public_url, ""))
            assert signed_in.status_code in (200, 303), signed_in.status_code

            async def timed(label: str, path: str, n: int = requests) -> Timing:
                await client.get(path)  # warm-up (and the first page computes the stats)
                samples, counts = [], []
                for _ in range(n):
                    statements.clear()
                    started = time.perf_counter()
                    response = await client.get(path)
                    samples.append(time.perf_counter() - started)
                    counts.append(len(statements))
                    assert response.status_code == 200, (path, response.status_code)
                return Timing(label, samples, counts)

            results = [
                await timed("patients page, by name", "/patients"),
                await timed("patients page, by 7-day days covered", "/patients?sort=pdc7&dir=asc"),
                await timed("patients page, needs attention", "/patients?attention=1"),
            ]
            samples, counts = [], []
            for k in range(requests):
                patient_id = 1 + (k * 7919) % patients
                statements.clear()
                started = time.perf_counter()
                response = await client.get(f"/patients/{patient_id}")
                samples.append(time.perf_counter() - started)
                counts.append(len(statements))
                assert response.status_code == 200, response.status_code
            results.append(Timing("patient page", samples, counts))

            query_samples, query_counts = [], []
            for _ in range(requests):
                statements.clear()
                started = time.perf_counter()
                async with ctx.sessions.begin() as session:
                    await clinic_patients(session, 1, NOW, listing=Listing(limit=50))
                    await clinic_counts(session, 1, NOW, refresh=False)
                query_samples.append(time.perf_counter() - started)
                query_counts.append(len(statements))
            results.append(
                Timing("its query alone (first 50 + totals)", query_samples, query_counts)
            )

            cold = []
            for _ in range(3):
                async with ctx.sessions.begin() as session:
                    await session.execute(
                        update(Patient).values(stats_version=Patient.stats_version + 1)
                    )
                statements.clear()
                started = time.perf_counter()
                response = await client.get("/patients")
                cold.append(time.perf_counter() - started)
                assert response.status_code == 200
            label = "patients page right after all stats went stale (recomputes <= 1,000)"
            results.append(Timing(label, cold, [len(statements)]))
            results.append(job)
        event.remove(engine, "before_cursor_execute", count)
    return results


async def main(opts: argparse.Namespace) -> int:
    print("## Staff dashboard benchmark\n")
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    command = f"bench/bench_dashboard.py --sizes {opts.sizes} --requests {opts.requests}"
    print(f"- command: `.venv/bin/python {command}`")
    print(f"- machine: {os.cpu_count()} cores; Postgres on 127.0.0.1 (the app turns JIT off)\n")
    for size in [int(s) for s in opts.sizes.split(",")]:
        name = f"bench_dash_{os.getpid()}_{size}"
        url = await sched.create_database(opts.admin_dsn, name)
        try:
            seconds = await load(sched._db_url(opts.admin_dsn, name), size)
            results = await measure(url, size, opts.requests)
        finally:
            await sched.drop_database(opts.admin_dsn, name)
        print(f"### {size:,} patients, {size * 90:,} doses, {size * 13:,} check-ins")
        print(f"(loaded in {seconds:.0f} s)\n")
        print("| request | n | median | p95 | max | SQL statements per request |")
        print("|---|---:|---:|---:|---:|---|")
        for timing in results:
            print(timing.row())
        print()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--admin-dsn", default=os.environ.get("BENCH_ADMIN_DSN", sched.ADMIN_DSN_DEFAULT)
    )
    sys.exit(asyncio.run(main(parser.parse_args())))

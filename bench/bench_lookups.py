"""Finding things by key (issue 18, item 2): an alert's staff cards among 1,000,000 outbox rows,
and the sender's claim after a burst, before and after the change, on Postgres.

    /work/main/.venv/bin/python bench/bench_lookups.py            # under a minute
    /work/main/.venv/bin/python bench/bench_lookups.py --rows 100000 --runs 5   # quicker

1. Cards. The lookup ``refresh_cards`` runs on every Take, Resolve or repeat of an alert: before,
   ``dedupe_key LIKE 'alert:N:staff:%'`` (the query as it was in bot/services/alerts.py at
   3fdfd0a, copied here since the code no longer has it); after, ``alerts.cards_query`` (the
   outbox's ``alert_id``, migration 0012). Median and max of ``--runs`` timed runs after two
   warm-ups, each on the same connection, plus the plan's shape from ``EXPLAIN (ANALYZE,
   BUFFERS)``.
2. Claim. One connection polls an empty outbox ten times (an idle sender), then a burst of
   ``--burst`` pending messages arrives and is claimed before autovacuum re-analyses the table
   (autovacuum is off for the scratch outbox, so that moment lasts the whole measurement): the
   head-of-line query as it was (jobs/sender.py at 3fdfd0a: status bound as a parameter, no
   settings) and as it is (``jobs.sender.claim_head_query`` after ``CLAIM_SETTINGS``). Each
   claim is rolled back, so every run claims the same head. Reported with how many generic and
   custom plans Postgres made for each (pg_prepared_statements).

Runs in a scratch database ``bench_lookups_<pid>`` that is dropped at the end (``--keep-db``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import Select, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection  # noqa: E402

from bot.clock import FakeClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.engine import create_engine  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.db.models import OutboxMessage, OutboxStatus, Staff  # noqa: E402
from bot.runtime import app_context  # noqa: E402
from bot.services import alerts  # noqa: E402
from bot.services.clinics import add_clinic, add_staff  # noqa: E402
from jobs.sender import CLAIM_SETTINGS, claim_head_query  # noqa: E402

ADMIN_DSN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
STAFF_CHAT = 7000
HEAD = 800  # the sender's default claim head: batch 200 x HEAD_FACTOR 4


def cards_before(alert_id: int) -> Select[*tuple[Any, ...]]:
    """refresh_cards' lookup before migration 0012 (bot/services/alerts.py at 3fdfd0a)."""
    return (
        select(OutboxMessage.id, OutboxMessage.chat_id, Staff.timezone)
        .join(Staff, Staff.telegram_user_id == OutboxMessage.chat_id)
        .where(
            Staff.active.is_(True),
            OutboxMessage.kind == alerts.CARD_KIND,
            OutboxMessage.dedupe_key.like(f"alert:{alert_id}:staff:%"),
            OutboxMessage.status != OutboxStatus.FAILED,
        )
    )


def claim_before(now: datetime) -> Select[*tuple[Any, ...]]:
    """The sender's head-of-line query before this change (jobs/sender.py at 3fdfd0a)."""
    return (
        select(OutboxMessage.id, OutboxMessage.chat_id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(HEAD)
        .with_for_update(skip_locked=True)
    )


async def claim_before_run(conn: AsyncConnection, now: datetime) -> int:
    rows = (await conn.execute(claim_before(now))).all()
    await conn.rollback()
    return len(rows)


async def claim_after_run(conn: AsyncConnection, now: datetime) -> int:
    await conn.execute(text(CLAIM_SETTINGS))
    rows = (await conn.execute(claim_head_query(now, HEAD, lock=True))).all()
    await conn.rollback()
    return len(rows)


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(2):
        await call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def shape(plan: dict[str, Any]) -> str:
    """Node types, outermost first, with actual rows; index names where there are some."""
    parts = []
    node: dict[str, Any] | None = plan
    while node is not None:
        label = node["Node Type"]
        if "Index Name" in node:
            label += f" {node['Index Name']}"
        elif "Relation Name" in node:
            label += f" {node['Relation Name']}"
        parts.append(f"{label} ({node.get('Actual Rows', '?')} rows)")
        children = node.get("Plans", [])
        # The outbox side of a join is the interesting one.
        node = next((c for c in children if "outbox" in json.dumps(c)), None)
    return " → ".join(parts)


async def explain(
    conn: AsyncConnection, statement: Select[*tuple[Any, ...]]
) -> tuple[str, float, int]:
    compiled = statement.compile(
        dialect=conn.dialect,
        compile_kwargs={"render_postcompile": True, "literal_binds": True},
    )
    raw = await conn.scalar(text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {compiled}"))
    await conn.rollback()
    document = json.loads(raw) if isinstance(raw, str) else raw
    plan = document[0]["Plan"]
    buffers = int(plan.get("Shared Hit Blocks", 0)) + int(plan.get("Shared Read Blocks", 0))
    return shape(plan), float(document[0]["Execution Time"]), buffers


def ms(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ms (max {max(values):.2f})"


async def main(args: argparse.Namespace) -> None:
    name = f"bench_lookups_{os.getpid()}"
    admin = await asyncpg.connect(args.admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = args.admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    lines: list[str] = []
    try:
        await upgrade(url)
        settings = Settings(database_url=url, telegram_bot_token=None, secret_key="bench")
        engine = create_engine(url)
        async with app_context(settings, FakeClock(NOW)) as ctx:
            clinic = await add_clinic(ctx.sessions, ctx.clock, "Northside Clinic")
            for n in range(3):
                await add_staff(
                    ctx.sessions,
                    ctx.clock,
                    telegram_user_id=STAFF_CHAT + n,
                    name=f"Nurse {n}",
                    clinic_code=clinic.invite_code,
                )
            async with engine.begin() as conn:
                await conn.execute(text("ALTER TABLE outbox SET (autovacuum_enabled = false)"))

            # 2, first half: an idle sender polls an empty outbox.
            poller = await engine.connect()
            for _ in range(10):
                await claim_before_run(poller, NOW)
                await claim_after_run(poller, NOW)

            # 2, second half: a burst into it, claimed before the table is analysed again.
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO outbox (chat_id, kind, payload, dedupe_key, status,"
                        " attempts, next_attempt_at, created_at)"
                        " SELECT 200000 + g, 'reminder', '{\"text\": \"x\"}', 'burst:' || g,"
                        " 'pending', 0, CAST(:now AS timestamptz) - interval '20 seconds',"
                        " CAST(:now AS timestamptz) - interval '20 seconds'"
                        f" FROM generate_series(1, {args.burst}) g"
                    ),
                    {"now": NOW},
                )
            claims_before = await timed(args.runs, lambda: claim_before_run(poller, NOW))
            claims_after = await timed(args.runs, lambda: claim_after_run(poller, NOW))
            assert await claim_before_run(poller, NOW) == await claim_after_run(poller, NOW)
            plans = (
                await poller.execute(
                    text(
                        "SELECT statement LIKE '%''pending''%', generic_plans, custom_plans"
                        " FROM pg_prepared_statements WHERE statement LIKE '%SKIP LOCKED%'"
                        " AND statement NOT LIKE '%pg_prepared_statements%'"
                    )
                )
            ).all()
            await poller.close()

            # 1. Cards: a month of sent reminders, earlier alerts and their cards.
            started = time.perf_counter()
            params = {"clinic": clinic.id, "now": NOW}
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO alerts (clinic_id, kind, severity, status, summary,"
                        " created_at, occurrences, last_seen_at)"
                        " SELECT CAST(:clinic AS integer), 'high_craving', 'normal', 'resolved',"
                        " 'earlier', CAST(:now AS timestamptz) - g * interval '1 hour', 1,"
                        " CAST(:now AS timestamptz) - g * interval '1 hour'"
                        f" FROM generate_series(1, {args.alerts}) g"
                    ),
                    params,
                )
                # A month of sent reminders.
                await conn.execute(
                    text(
                        "INSERT INTO outbox (chat_id, kind, payload, dedupe_key, status,"
                        " attempts, next_attempt_at, created_at, sent_at)"
                        " SELECT 100000 + g % 100000, 'reminder', '{\"text\": \"x\"}',"
                        " 'reminder:' || g, 'sent', 1,"
                        f" CAST(:now AS timestamptz) - ({args.rows} - g) * interval '2 seconds',"
                        f" CAST(:now AS timestamptz) - ({args.rows} - g) * interval '2 seconds',"
                        f" CAST(:now AS timestamptz) - ({args.rows} - g) * interval '2 seconds'"
                        f" FROM generate_series(1, {args.rows}) g"
                    ),
                    params,
                )
                await conn.execute(
                    text(
                        "INSERT INTO outbox (chat_id, kind, payload, dedupe_key, status,"
                        " attempts, next_attempt_at, created_at, alert_id)"
                        " SELECT s.telegram_user_id, 'staff_alert', '{\"text\": \"x\"}',"
                        " 'alert:' || a.id || ':staff:' || s.id, 'sent', 1, a.created_at,"
                        " a.created_at, a.id FROM alerts a CROSS JOIN staff s"
                    )
                )
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE outbox"))
                await autocommit.execute(text("VACUUM ANALYZE alerts"))
                await autocommit.execute(text("VACUUM ANALYZE staff"))
            loaded = time.perf_counter() - started
            async with engine.connect() as conn:
                total = await conn.scalar(text("SELECT count(*) FROM outbox"))
                alert_id = await conn.scalar(text("SELECT max(id) FROM alerts"))

            async with engine.connect() as conn:

                async def lookup(statement: Select[*tuple[Any, ...]]) -> None:
                    rows = (await conn.execute(statement)).all()
                    assert len(rows) == 3, rows
                    await conn.rollback()

                before = await timed(args.runs, lambda: lookup(cards_before(alert_id)))
                after = await timed(args.runs, lambda: lookup(alerts.cards_query(alert_id)))
                plan_before = await explain(conn, cards_before(alert_id))
                plan_after = await explain(conn, alerts.cards_query(alert_id))

        await engine.dispose()

        counts = {bool(after): (generic, custom) for after, generic, custom in plans}
        lines += [
            f"Machine: {platform.platform()}, {os.cpu_count()} CPUs; Postgres at"
            f" {args.admin_dsn.rsplit('@', 1)[-1]}; outbox {total:,} rows ({args.rows:,} sent"
            f" reminders, {args.alerts:,} alerts x 3 staff cards, the burst of {args.burst:,}"
            " still pending), loaded and analysed in"
            f" {loaded:.0f} s; {args.runs} timed runs after 2 warm-ups.",
            "",
            "| lookup | before | after |",
            "|---|---|---|",
            f"| refresh_cards' cards of one alert | {ms(before)} | {ms(after)} |",
            f"| its plan (EXPLAIN ANALYZE) | {plan_before[0]}; {plan_before[1]:.1f} ms,"
            f" {plan_before[2]:,} buffers | {plan_after[0]}; {plan_after[1]:.2f} ms,"
            f" {plan_after[2]:,} buffers |",
            f"| sender's claim of {HEAD} after a burst of {args.burst:,}, polled empty before"
            f" | {ms(claims_before)} | {ms(claims_after)} |",
            f"| its plans (generic, custom) | {counts.get(False)} | {counts.get(True)} |",
        ]
        print("\n".join(lines))
    finally:
        if not args.keep_db:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-dsn", default=os.environ.get("BENCH_ADMIN_DSN", ADMIN_DSN_DEFAULT))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=1_000)
    parser.add_argument("--burst", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep-db", action="store_true")
    asyncio.run(main(parser.parse_args()))

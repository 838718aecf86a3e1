"""The stats job costs what changed (issue 18, item 3), on both databases.

* With nothing stale, a run is one statement, answered from indexes.
* Five stale patients among a thousand: the run finds them through the patients' indexes and
  recomputes them from their own rows only. Every statement it sends is EXPLAINed: none scans a
  whole table of patients, stats, doses or check-ins (the old job compared every patient with
  their stats row on each batch). On Postgres the rows it actually read are counted too.
* On random small histories, recomputing a random subset the job's way gives the same figures as
  the full recomputation the pages use, and touches nobody else.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert, select, text, update

from bot.clock import FakeClock
from bot.db.models import CheckIn, DoseEvent, Patient, PatientStats, Schedule
from bot.services.clinic_summary import (
    _STAT_COLUMNS,
    STANDARD_WINDOWS,
    _zones,
    figures,
    refresh_patients,
)
from bot.services.context import AppContext
from jobs.stats import refresh_stale_stats
from tests.integration.test_clinic_summary import NOW, _seed
from tests.support import new_clinic

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Auckland"]
DOSES_EACH = 6
CHECK_INS_EACH = 3
_EXAMPLES = itertools.count(1)
WHOLE_TABLES = ("patients", "patient_stats", "dose_events", "check_ins")


def _engine(ctx: AppContext) -> Any:
    return ctx.sessions.kw["bind"]


@contextmanager
def _statements(ctx: AppContext) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        seen.append((statement, params))

    engine = _engine(ctx).sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _thousand(ctx: AppContext, count: int = 1000) -> list[int]:
    """``count`` patients with a daily plan, DOSES_EACH doses and CHECK_INS_EACH check-ins each,
    their figures all current."""
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.set(NOW)
    clinic = await new_clinic(ctx)
    async with ctx.sessions.begin() as session:
        await session.execute(
            insert(Patient),
            [
                {
                    "chat_id": 10_000 + n,
                    "code": f"T{n}",
                    "clinic_id": clinic.id,
                    "display_name": f"P{n}",
                    "timezone": ZONES[n % len(ZONES)],
                    "consent_version": "v",
                    "consented_at": NOW,
                    "created_at": NOW - timedelta(days=30),
                    "updated_at": NOW,
                }
                for n in range(count)
            ],
        )
        ids = list(await session.scalars(select(Patient.id).order_by(Patient.id)))
        await session.execute(
            insert(Schedule),
            [
                {
                    "patient_id": pid,
                    "kind": "daily",
                    "timezone": ZONES[n % len(ZONES)],
                    "dose_times": ["08:00"],
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n, pid in enumerate(ids)
            ],
        )
        schedules = dict((await session.execute(select(Schedule.patient_id, Schedule.id))).all())
        today = 20_000  # local day numbers: any will do, the figures are compared, not checked
        await session.execute(
            insert(DoseEvent),
            [
                {
                    "schedule_id": schedules[pid],
                    "patient_id": pid,
                    "due_at": NOW - timedelta(days=back + 1),
                    "local_day": today - back,
                    "status": "taken" if (pid + back) % 4 else "missed",
                    "window_ends_at": NOW - timedelta(days=back + 1) + timedelta(hours=4),
                    "reminded_at": NOW - timedelta(days=back + 1),
                    "answered_at": NOW - timedelta(days=back + 1) if (pid + back) % 4 else None,
                    "created_at": NOW - timedelta(days=back + 1),
                }
                for pid in ids
                for back in range(DOSES_EACH)
            ],
        )
        await session.execute(
            insert(CheckIn),
            [
                {
                    "patient_id": pid,
                    "created_at": NOW - timedelta(days=7 * back + 1),
                    "due_at": NOW - timedelta(days=7 * back + 1),
                    "status": "answered",
                    "answered_at": NOW - timedelta(days=7 * back + 1),
                    "craving": (pid + back) % 10,
                }
                for pid in ids
                for back in range(CHECK_INS_EACH)
            ],
        )
    assert await refresh_stale_stats(ctx) == count
    # Statistics and the visibility map as autovacuum keeps them after the refresh rewrote
    # every patient row (with ANALYZE alone, where the lanes happened to put the new row
    # versions could tip the planner of a 1,000-row table from the partial index to a scan).
    async with _engine(ctx).connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    return ids


async def _plans(ctx: AppContext, statements: list[tuple[str, Any]]) -> list[str]:
    """EXPLAIN each data statement as it was sent, with its parameters."""
    postgres = _engine(ctx).dialect.name == "postgresql"
    plans = []
    async with _engine(ctx).connect() as conn:
        for statement, params in statements:
            if not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)", statement, re.I):
                continue
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            result = await conn.exec_driver_sql(prefix + statement, params)
            rows = result.all()
            plans.append("\n".join(str(row[-1]) for row in rows))
        await conn.rollback()
    return plans


def _full_scans(plan: str) -> list[str]:
    found = []
    for table in WHOLE_TABLES:
        # Postgres: "Seq Scan on dose_events"; SQLite: "SCAN dose_events" (SEARCH: by index).
        # Scanning the partial index of stale patients reads only those.
        partial = " USING (COVERING )?INDEX ix_patients_stats_stale"
        pattern = rf"(Seq Scan on {table}\b|^SCAN {table}\b(?!{partial}))"
        if re.search(pattern, plan, re.M):
            found.append(table)
    return found


async def test_an_idle_refresh_is_one_indexed_statement(ctx: AppContext) -> None:
    await _thousand(ctx)
    with _statements(ctx) as sent:
        assert await refresh_stale_stats(ctx) == 0
    data = [s for s in sent if not s[0].lstrip().upper().startswith(("BEGIN", "COMMIT"))]
    assert len(data) == 1
    [plan] = await _plans(ctx, data)
    assert _full_scans(plan) == [], plan


async def test_five_stale_among_a_thousand_read_only_their_rows(ctx: AppContext) -> None:
    ids = await _thousand(ctx)
    chosen = random.Random(18).sample(ids, 5)
    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient)
            .where(Patient.id.in_(chosen))
            .values(stats_version=Patient.stats_version + 1)
        )
    with _statements(ctx) as sent:
        assert await refresh_stale_stats(ctx) == 5
    data = [s for s in sent if not s[0].lstrip().upper().startswith(("BEGIN", "COMMIT"))]
    assert len(data) <= 5  # find, zones, mark (which locks), upsert; then nothing stale remains
    for plan in await _plans(ctx, data):
        assert _full_scans(plan) == [], plan
    async with ctx.sessions() as session:
        versions = dict(
            (
                await session.execute(
                    select(PatientStats.patient_id, PatientStats.version).where(
                        PatientStats.patient_id.in_(chosen)
                    )
                )
            ).all()
        )
    assert versions == {pid: 1 for pid in chosen}
    with _statements(ctx) as sent:
        assert await refresh_stale_stats(ctx) == 0


async def test_postgres_reads_only_the_batch_dose_rows(ctx: AppContext) -> None:
    """Counted by Postgres itself (this transaction's table statistics): no sequential read of
    dose_events, and only a few passes over the batch's own DOSES_EACH rows per patient."""
    if _engine(ctx).dialect.name != "postgresql":
        # Said as a skip, not a pass: SQLite keeps no per-table read counts to check.
        pytest.skip("Postgres's own table statistics; SQLite has none")
    ids = await _thousand(ctx)
    chosen = ids[100:105]
    # A new server process: counts of scans not yet flushed from earlier transactions on a
    # pooled connection (the thousand's first refresh) would show in pg_stat_xact_* too.
    await _engine(ctx).dispose()
    async with ctx.sessions.begin() as session:
        await refresh_patients(session, chosen, ctx.clock.now())
        seq_scans, fetched, seq_read = (
            await session.execute(
                text(
                    "SELECT seq_scan, coalesce(idx_tup_fetch, 0), seq_tup_read"
                    " FROM pg_stat_xact_user_tables WHERE relname = 'dose_events'"
                )
            )
        ).one()
    assert seq_scans == 0 and seq_read == 0
    assert fetched <= 6 * len(chosen) * DOSES_EACH  # the whole table is 6,000 rows


async def _upserts_draining_300(ctx: AppContext) -> int:
    """Drain a backlog of 300 stale patients in batches of 40 over two lanes; how many
    upserts of figures that took."""
    upserted: list[int] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT INTO PATIENT_STATS", "WITH")):
            upserted.append(1)

    engine = _engine(ctx).sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert await refresh_stale_stats(ctx, batch=40, lanes=2) == 300
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(upserted)


async def test_a_backlog_is_drained_in_one_run_each_patient_once(ctx: AppContext) -> None:
    """Batches of 40 over 300 stale patients (in two lanes on Postgres, each after the last id
    it did): everyone recomputed exactly once, to the version they are at, nobody left over."""
    ids = await _thousand(ctx, 300)
    async with ctx.sessions.begin() as session:
        await session.execute(update(Patient).values(stats_version=Patient.stats_version + 1))
    assert 300 / 40 <= await _upserts_draining_300(ctx) <= 300 / 40 + 3  # batches; none twice
    async with ctx.sessions() as session:
        versions = set(
            (await session.execute(select(PatientStats.patient_id, PatientStats.version))).all()
        )
        left = (
            await session.execute(
                select(Patient.id).where(Patient.stats_seen_version != Patient.stats_version)
            )
        ).all()
    assert versions == {(pid, 1) for pid in ids}
    assert left == []
    assert await refresh_stale_stats(ctx) == 0


async def test_a_midnight_backlog_is_drained_in_one_run_each_patient_once(
    ctx: AppContext,
) -> None:
    """A day later every patient's day has ended (no history moved): batches of 40 over 300,
    each lane's probe starting after the last (stats_fresh_until, id) it did, recompute
    everyone exactly once, for their new local day, and leave nobody ended."""
    ids = await _thousand(ctx, 300)
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(timedelta(days=1))
    now = ctx.clock.now()
    assert 300 / 40 <= await _upserts_draining_300(ctx) <= 300 / 40 + 3  # batches; none twice
    async with ctx.sessions() as session:
        todays = await _zones(session, Patient.id.in_(ids), now)
        # One pair per patient, not per zone: a patient left on yesterday would add a pair.
        days = (
            await session.execute(
                select(Patient.timezone, PatientStats.as_of_day).join(
                    PatientStats, PatientStats.patient_id == Patient.id
                )
            )
        ).all()
        ended = (
            await session.execute(select(Patient.id).where(Patient.stats_fresh_until <= now))
        ).all()
    assert len(days) == len(ids)
    assert set(days) == set(todays.items())
    assert ended == []
    assert await refresh_stale_stats(ctx) == 0


async def test_a_patient_being_written_is_left_for_the_next_run(ctx: AppContext) -> None:
    """On Postgres the batch's marking skips a patient whose row another transaction holds (an
    answer being written): the run neither waits for it nor recomputes it, and the next run
    does."""
    if _engine(ctx).dialect.name != "postgresql":
        pytest.skip("row locks are Postgres's; SQLite has one writer at a time")
    ids = await _thousand(ctx, 30)
    held = ids[7]
    async with ctx.sessions.begin() as session:
        await session.execute(update(Patient).values(stats_version=Patient.stats_version + 1))
    async with _engine(ctx).connect() as other:
        transaction = await other.begin()
        await other.execute(select(Patient.id).where(Patient.id == held).with_for_update())
        # A run that waited for the lock would never end while it is held: bounded, not timed.
        done = await asyncio.wait_for(refresh_stale_stats(ctx), timeout=120)
        await transaction.rollback()
    assert done == len(ids) - 1
    async with ctx.sessions() as session:
        versions = dict(
            (await session.execute(select(PatientStats.patient_id, PatientStats.version))).all()
        )
    assert versions[held] == 0 and {versions[pid] for pid in ids if pid != held} == {1}
    assert await refresh_stale_stats(ctx) == 1
    async with ctx.sessions() as session:
        assert (
            await session.scalar(
                select(PatientStats.version).where(PatientStats.patient_id == held)
            )
            == 1
        )


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 6), picks=st.data())
async def test_the_batch_recomputation_agrees_with_a_full_one(
    ctx: AppContext, seed: int, count: int, picks: st.DataObject
) -> None:
    # Each example adds a clinic to the same database: its patients' chat ids must be new.
    clinic_id, _ = await _seed(ctx, seed + 10_001 * next(_EXAMPLES), count)
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        ids = list(
            await session.scalars(
                select(Patient.id).where(Patient.clinic_id == clinic_id).order_by(Patient.id)
            )
        )
    chosen = picks.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True), label="chosen")
    async with ctx.sessions.begin() as session:
        await refresh_patients(session, chosen, now)
    async with ctx.sessions() as session:
        in_clinic = Patient.clinic_id == clinic_id
        todays = await _zones(session, in_clinic, now)
        full = {
            row.patient_id: tuple(getattr(row, c) for c in _STAT_COLUMNS)
            for row in await session.execute(
                figures(in_clinic, todays, list(STANDARD_WINDOWS), now)
            )
        }
        stored = {
            row.patient_id: tuple(getattr(row, c) for c in _STAT_COLUMNS)
            for row in await session.execute(
                select(PatientStats).where(PatientStats.patient_id.in_(ids))
            )
            for row in [row[0]]
        }
        marks = {
            pid: (version, seen, until)
            for pid, version, seen, until in await session.execute(
                select(
                    Patient.id,
                    Patient.stats_version,
                    Patient.stats_seen_version,
                    Patient.stats_fresh_until,
                ).where(Patient.id.in_(ids))
            )
        }
    assert stored == {pid: full[pid] for pid in chosen}  # the batch, and nobody else
    for pid in ids:
        version, seen, until = marks[pid]
        if pid in chosen:
            assert seen == version and until is not None and until > now.astimezone(UTC)
            assert until - now <= timedelta(hours=25)
        else:
            assert seen == -1 and until is None


def test_a_day_ends_at_the_next_local_midnight() -> None:
    from bot.domain.schedules import day_number
    from bot.services.clinic_summary import day_ends

    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # Berlin moves its clocks on this night
    zones = ["Europe/Berlin", "America/Santiago", "Asia/Kolkata", "Pacific/Auckland"]
    todays = {zone: day_number(at, __import__("zoneinfo").ZoneInfo(zone)) for zone in zones}
    for zone, end in day_ends(todays).items():
        tz = __import__("zoneinfo").ZoneInfo(zone)
        assert end > at
        assert day_number(end, tz) == todays[zone] + 1
        assert day_number(end - timedelta(seconds=1), tz) == todays[zone]

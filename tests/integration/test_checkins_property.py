"""The set-based check-in job agrees with the row-by-row one it replaced (issue 18, item 4).

Hypothesis builds small random states: patients active, paused or stopped, with the current
consent or an old one, daily, weekly or no check-ins in several zones, due on time, a little late
or later than a check-in lasts, sometimes with that check-in already written; open check-ins
answered in part or not at all, run out or not, scheduled or started on request; histories of
missed and taken doses and of answered and expired check-ins, so that some patients reach the
"not answering" alert and some already have one open. The same state is built in two fresh
databases; ``tests/checkins_reference.py`` (the old job) runs on one and ``jobs.checkins`` on
the other with the same clock (twice at the same instant, then a day later), and everything a
patient or a nurse would see must be the same: check-ins, next check-in times, figures'
versions, queued messages and alerts.

Always on SQLite; on Postgres with fewer examples.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.db.migrate import upgrade
from bot.db.models import Alert, CheckIn, DoseEvent, OutboxMessage, Patient
from bot.domain import checkins
from bot.domain.checkins import Answers
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.outbox import payload_for
from jobs.checkins import check_in_tick
from tests.checkins_reference import reference_check_in_tick
from tests.conftest import START, _pg_admin, _pg_url, make_settings
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "UTC", (time(9, 0),))
ZONES = ("America/Chicago", "Europe/Madrid", "Asia/Kolkata", "UTC", "Australia/Lord_Howe")
# Minutes late when the job runs (negative: not yet due); 1440 is exactly a check-in's lifetime.
LATENESS = (0, 1, 180, 1439, 1440, 1800, -60)
OPEN_KINDS = (None, "fresh", "expired", "part_fresh", "part_expired")
HISTORY = ("dose_missed", "dose_taken", "checkin_expired", "checkin_answered")


@dataclass(frozen=True)
class PatientSpec:
    status: str
    consent_current: bool
    frequency: str
    weekday: int
    at: str | None
    zone: str
    late_minutes: int | None
    same_due_exists: bool
    open_kind: str | None
    open_scheduled: bool
    history: tuple[str, ...]
    alert_open: bool


patients_strategy = st.builds(
    PatientSpec,
    status=st.sampled_from(("active", "active", "active", "paused", "stopped")),
    consent_current=st.sampled_from((True, True, True, False)),
    frequency=st.sampled_from(("daily", "weekly", "off")),
    weekday=st.integers(1, 7),
    at=st.sampled_from(("08:00", "18:30", "02:30", None)),
    zone=st.sampled_from(ZONES),
    late_minutes=st.sampled_from((*LATENESS, None)),
    same_due_exists=st.booleans(),
    open_kind=st.sampled_from(OPEN_KINDS),
    open_scheduled=st.booleans(),
    # Misses weigh more, so runs of three unanswered prompts come up often.
    history=st.lists(
        st.sampled_from(("dose_missed", "dose_missed", "checkin_expired", *HISTORY)), max_size=5
    ).map(tuple),
    alert_open=st.booleans(),
)
states = st.lists(patients_strategy, min_size=1, max_size=6)


async def _build(ctx: AppContext, specs: list[PatientSpec]) -> None:
    """The same state whatever the database: every id comes out the same in both copies."""
    now = ctx.clock.now()
    clinic = await new_clinic(ctx, "Care")
    await add_staff(
        ctx.sessions, ctx.clock, telegram_user_id=9000, name="Nurse", clinic_code=clinic.invite_code
    )
    made: list[tuple[int, int]] = []
    for n, _spec in enumerate(specs):
        made.append(await make_patient(ctx, PLAN, chat_id=5000 + n, clinic_id=clinic.id))
    async with ctx.sessions.begin() as session:
        for n, (spec, (patient_id, schedule_id)) in enumerate(zip(specs, made, strict=True)):
            due = None if spec.late_minutes is None else now - timedelta(minutes=spec.late_minutes)
            await session.execute(
                update(Patient)
                .where(Patient.id == patient_id)
                .values(
                    status=spec.status,
                    consent_version=ctx.consent.version if spec.consent_current else "0-old",
                    checkin_frequency=spec.frequency,
                    checkin_weekday=spec.weekday if spec.frequency == "weekly" else None,
                    checkin_time=spec.at,
                    timezone=spec.zone,
                    next_checkin_at=due,
                    stats_version=n,
                )
            )
            # Distinct instants for every prompt of a patient: which of two prompts at the
            # same moment counts as newer is not what this test is about.
            offset = timedelta(minutes=13 * n + 3)
            for i, kind in enumerate(spec.history):
                at = now - timedelta(hours=7 * (i + 1)) - offset
                if kind.startswith("dose"):
                    session.add(
                        DoseEvent(
                            schedule_id=schedule_id,
                            patient_id=patient_id,
                            due_at=at,
                            local_day=i,
                            status="missed" if kind == "dose_missed" else "taken",
                            window_ends_at=at + timedelta(hours=2),
                            reminded_at=at,
                            created_at=at,
                        )
                    )
                else:
                    session.add(
                        CheckIn(
                            patient_id=patient_id,
                            created_at=at,
                            due_at=at,
                            status="expired" if kind == "checkin_expired" else "answered",
                            answered_at=None if kind == "checkin_expired" else at,
                            expires_at=at + timedelta(hours=24),
                        )
                    )
            if due is not None and spec.same_due_exists:
                session.add(
                    CheckIn(
                        patient_id=patient_id,
                        created_at=due,
                        due_at=due,
                        status="answered",
                        answered_at=due,
                        craving=2,
                        expires_at=due + timedelta(hours=24),
                    )
                )
            if spec.open_kind is not None:
                fresh = spec.open_kind in ("fresh", "part_fresh")
                created = now - (timedelta(hours=2) if fresh else timedelta(hours=30)) - offset
                part = spec.open_kind.startswith("part")
                session.add(
                    CheckIn(
                        patient_id=patient_id,
                        created_at=created,
                        due_at=created if spec.open_scheduled else None,
                        status="open",
                        answered_at=created + timedelta(minutes=5) if part else None,
                        craving=4 if part else None,
                        expires_at=created + timedelta(hours=24),
                    )
                )
            if spec.alert_open:
                session.add(
                    Alert(
                        clinic_id=clinic.id,
                        patient_id=patient_id,
                        kind="unresponsive",
                        status="open",
                        summary="earlier",
                        created_at=now - timedelta(days=2),
                        occurrences=1,
                        last_seen_at=now - timedelta(days=2),
                    )
                )


async def _snapshot(ctx: AppContext) -> dict[str, Any]:
    """What patients and staff would see. Check-ins are named by their place in the order they
    were written rather than by id: on Postgres a repeat that the unique rule turns into a no-op
    still uses up a sequence number, so the ids of later ones may differ from the reference's."""
    async with ctx.sessions() as session:
        rows = (
            await session.execute(
                select(
                    CheckIn.id,
                    CheckIn.patient_id,
                    CheckIn.due_at,
                    CheckIn.status,
                    CheckIn.created_at,
                    CheckIn.expires_at,
                    CheckIn.answered_at,
                ).order_by(CheckIn.id)
            )
        ).all()
        place = {row.id: n for n, row in enumerate(rows)}
        check_ins = [(place[row.id], *row[1:]) for row in rows]
        by_due = {
            (row.patient_id, int(row.due_at.timestamp())): row.id
            for row in rows
            if row.due_at is not None
        }
        patients = [
            tuple(row)
            for row in await session.execute(
                select(Patient.id, Patient.next_checkin_at, Patient.stats_version).order_by(
                    Patient.id
                )
            )
        ]
        outbox = []
        for row in await session.execute(
            select(
                OutboxMessage.kind,
                OutboxMessage.chat_id,
                OutboxMessage.patient_id,
                OutboxMessage.dedupe_key,
                OutboxMessage.payload,
            )
        ):
            payload = repr(row.payload)
            if row.kind == "checkin":
                _, patient_id, due = row.dedupe_key.split(":")
                check_in_id = by_due[(int(patient_id), int(due))]
                # The message is the first question of that very check-in, for that patient.
                reply = checkins.question_reply(check_in_id, Answers(), patient_id=row.patient_id)
                assert row.payload == payload_for(reply)
                payload = f"first question of check-in #{place[check_in_id]}"
            outbox.append((row.kind, row.chat_id, row.patient_id, row.dedupe_key or "", payload))
        outbox.sort()
        alerts = [
            tuple(row)
            for row in await session.execute(
                select(
                    Alert.id,
                    Alert.patient_id,
                    Alert.kind,
                    Alert.status,
                    Alert.occurrences,
                    Alert.summary,
                    Alert.created_at,
                    Alert.last_seen_at,
                ).order_by(Alert.id)
            )
        ]
    return {"check_ins": check_ins, "patients": patients, "outbox": outbox, "alerts": alerts}


Tick = Callable[[AppContext], Awaitable[Any]]


async def _run(url: str, specs: list[PatientSpec], job: Tick) -> list[Any]:
    clock = FakeClock(START)
    seen: list[Any] = []
    async with app_context(make_settings(url), clock) as ctx:
        await _build(ctx, specs)
        for step in (timedelta(0), timedelta(0), timedelta(hours=25)):
            clock.advance(step)
            result = await job(ctx)
            seen.append((result.sent, result.skipped, result.expired, result.alerts))
            seen.append(await _snapshot(ctx))
    return seen


async def _compare(make_db: Callable[[], Any], specs: list[PatientSpec]) -> None:
    async with make_db() as reference_url, make_db() as wave_url:
        expected = await _run(reference_url, specs, reference_check_in_tick)
        actual = await _run(wave_url, specs, check_in_tick)
    for before, after in zip(expected, actual, strict=True):
        assert after == before
    # What the examples covered (pytest --hypothesis-show-statistics).
    counts = [step for step in expected if isinstance(step, tuple)]
    event(f"sent: {any(c[0] for c in counts)}")
    event(f"skipped: {any(c[1] for c in counts)}")
    event(f"expired: {any(c[2] for c in counts)}")
    event(f"alerts raised: {any(c[3] for c in counts)}")


# SQLite: one migrated file, copied for each database -----------------------------------------


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("checkins_property") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=states)
def test_set_based_check_ins_agree_with_the_reference_on_sqlite(
    sqlite_template: Path, specs: list[PatientSpec]
) -> None:
    @asynccontextmanager
    async def copy() -> AsyncIterator[str]:
        path = sqlite_template.with_name(f"{uuid.uuid4().hex[:10]}.db")
        shutil.copyfile(sqlite_template, path)
        try:
            yield f"sqlite+aiosqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)

    asyncio.run(_compare(copy, specs))


@pytest.mark.postgres
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=states)
def test_set_based_check_ins_agree_with_the_reference_on_postgres(
    pg_template: str | None, specs: list[PatientSpec]
) -> None:
    if pg_template is None:
        pytest.skip("PostgreSQL is not reachable")

    @asynccontextmanager
    async def clone() -> AsyncIterator[str]:
        name = f"rb_prop_{uuid.uuid4().hex[:10]}"
        await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
        try:
            yield _pg_url(name)
        finally:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    asyncio.run(_compare(clone, specs))

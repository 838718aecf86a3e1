"""Two runs of the same periodic work at once (two `jobs` workers, or a job and its direct call)
act on each row once, on both databases: no miss counted twice, no check-in sent twice.

On Postgres the claims lock rows (SKIP LOCKED); SQLite has no row locks, so there the claiming
transaction takes the write lock before it reads (bot.db.engine.claiming)."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

from sqlalchemy import func, select, update

from bot.db.models import Alert, CheckIn, DoseEvent, OutboxMessage, Patient
from bot.domain.schedules import Plan, PlanKind
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from jobs.checkins import check_in_tick
from jobs.followups import follow_up
from jobs.tick import tick
from tests.integration.test_doses import DUE
from tests.integration.test_tick import fake
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
PATIENTS = 12
ROUNDS = 4


async def _count(ctx: AppContext, statement: object) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]


async def test_two_follow_ups_at_once_count_each_miss_once(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx, "Care")
    await add_staff(
        ctx.sessions, ctx.clock, telegram_user_id=500, name="Nurse", clinic_code=clinic.invite_code
    )
    for n in range(PATIENTS):
        await make_patient(ctx, PLAN, chat_id=3000 + n, clinic_id=clinic.id, name=f"P{n}")
    for day in range(ROUNDS):
        fake(ctx).set(DUE + timedelta(days=day))
        await asyncio.gather(tick(ctx), tick(ctx))
        async with ctx.sessions.begin() as session:
            await session.execute(
                update(DoseEvent).where(DoseEvent.reminded_at.is_(None)).values(reminded_at=DUE)
            )
        fake(ctx).advance(timedelta(minutes=31))
        nudges = await asyncio.gather(follow_up(ctx), follow_up(ctx))
        assert sum(r.nudged for r in nudges) == PATIENTS
        fake(ctx).advance(timedelta(hours=4))
        closed = await asyncio.gather(follow_up(ctx), follow_up(ctx), follow_up(ctx))
        assert sum(r.missed for r in closed) == PATIENTS, [r.missed for r in closed]

    assert await _count(ctx, select(func.count()).select_from(DoseEvent)) == PATIENTS * ROUNDS
    reminders = select(func.count()).where(OutboxMessage.kind == "reminder")
    assert await _count(ctx, reminders) == PATIENTS * ROUNDS
    async with ctx.sessions() as session:
        alerts = list(await session.scalars(select(Alert).order_by(Alert.patient_id, Alert.id)))
    # Per patient, as with one worker: four misses in a row are one "missed doses" episode
    # counted three times (from the second miss) and one "not answering" counted twice.
    by_patient: dict[int, list[tuple[str, int]]] = {}
    for alert in alerts:
        by_patient.setdefault(alert.patient_id or 0, []).append((alert.kind, alert.occurrences))
    assert len(by_patient) == PATIENTS
    assert set(map(tuple, by_patient.values())) == {(("missed_doses", 3), ("unresponsive", 2))}


async def test_two_check_in_ticks_at_once_send_one_check_in_each(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx, "Care")
    ids = [
        (await make_patient(ctx, PLAN, chat_id=4000 + n, clinic_id=clinic.id, name=f"P{n}"))[0]
        for n in range(PATIENTS)
    ]
    now = fake(ctx).now()
    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient).where(Patient.id.in_(ids)).values(next_checkin_at=now)
        )
    results = await asyncio.gather(check_in_tick(ctx), check_in_tick(ctx))
    assert sum(r.sent for r in results) == PATIENTS
    assert await _count(ctx, select(func.count()).select_from(CheckIn)) == PATIENTS
    sent = select(func.count()).where(OutboxMessage.kind == "checkin")
    assert await _count(ctx, sent) == PATIENTS

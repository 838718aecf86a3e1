"""Check-ins in waves (issue 18): a backlog bigger than a batch is sent, or closed, in one run,
and the rules of one check-in at a time still hold for everyone in it.

Small batches stand in for big waves: what matters is that a run does not stop at the first
batch, not how big a batch is.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.clock import FakeClock
from bot.db.models import Alert, CheckIn, OutboxMessage, Patient
from bot.domain.schedules import Plan, PlanKind
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from jobs.checkins import check_in_tick
from tests.support import make_patient, new_clinic, statements_during

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(9, 0),))
PATIENTS = 23
BATCH = 5


async def _patients(ctx: AppContext, count: int = PATIENTS) -> list[int]:
    clinic = await new_clinic(ctx, "Care")
    await add_staff(
        ctx.sessions, ctx.clock, telegram_user_id=9100, name="Nurse", clinic_code=clinic.invite_code
    )
    ids = []
    for n in range(count):
        patient_id, _ = await make_patient(
            ctx, PLAN, chat_id=6000 + n, clinic_id=clinic.id, name=f"P{n}"
        )
        ids.append(patient_id)
    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient)
            .where(Patient.id.in_(ids))
            .values(checkin_frequency="daily", checkin_time="18:00", next_checkin_at=None)
        )
    return ids


async def test_a_wave_bigger_than_a_batch_is_sent_in_one_run_once(ctx: AppContext) -> None:
    ids = await _patients(ctx)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient).where(Patient.id.in_(ids)).values(next_checkin_at=now)
        )

    first = await check_in_tick(ctx, batch_size=BATCH)
    again = await check_in_tick(ctx, batch_size=BATCH)

    assert (first.sent, again.sent) == (PATIENTS, 0)
    per_patient = select(CheckIn.patient_id, func.count()).group_by(CheckIn.patient_id)
    async with ctx.sessions() as session:
        counts = dict((await session.execute(per_patient)).all())
        chats = list(
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.kind == "checkin")
            )
        )
        later = set(await session.scalars(select(Patient.next_checkin_at)))
    assert counts == {patient_id: 1 for patient_id in ids}
    assert sorted(chats) == [6000 + n for n in range(PATIENTS)]
    # Everyone moves on to tomorrow's 18:00 in Chicago.
    assert len(later) == 1 and all(when is not None and when > now for when in later)


async def test_a_backlog_of_run_out_check_ins_is_closed_in_one_run(ctx: AppContext) -> None:
    ids = await _patients(ctx)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        for n, patient_id in enumerate(ids):
            created = now - timedelta(hours=30, minutes=n)
            session.add(
                CheckIn(
                    patient_id=patient_id,
                    created_at=created,
                    due_at=created,
                    status="open",
                    # Every third one got a first answer in: that counts as answered.
                    answered_at=created + timedelta(minutes=1) if n % 3 == 0 else None,
                    craving=3 if n % 3 == 0 else None,
                    expires_at=created + timedelta(hours=24),
                )
            )

    result = await check_in_tick(ctx, batch_size=BATCH)

    part_answered = len(range(0, PATIENTS, 3))
    assert result.expired == PATIENTS - part_answered
    async with ctx.sessions() as session:
        statuses = dict(
            (
                await session.execute(select(CheckIn.status, func.count()).group_by(CheckIn.status))
            ).all()
        )
    assert statuses == {"expired": PATIENTS - part_answered, "answered": part_answered}


async def test_nobody_inactive_unconsented_or_long_past_is_asked(ctx: AppContext) -> None:
    ids = await _patients(ctx, 5)
    now = ctx.clock.now()
    paused, stopped, old_consent, too_late, fine = ids
    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient).where(Patient.id.in_(ids)).values(next_checkin_at=now)
        )
        await session.execute(update(Patient).where(Patient.id == paused).values(status="paused"))
        await session.execute(update(Patient).where(Patient.id == stopped).values(status="stopped"))
        await session.execute(
            update(Patient).where(Patient.id == old_consent).values(consent_version="0-old")
        )
        await session.execute(
            update(Patient)
            .where(Patient.id == too_late)
            .values(next_checkin_at=now - timedelta(hours=24))
        )

    result = await check_in_tick(ctx, batch_size=2)

    assert (result.sent, result.skipped) == (1, 4)
    async with ctx.sessions() as session:
        asked = list(await session.scalars(select(CheckIn.patient_id)))
        moved = list(await session.scalars(select(Patient.next_checkin_at)))
    assert asked == [fine]
    # Their schedules move on all the same: no pile of late questions when they come back.
    assert all(when is not None and when > now for when in moved)


async def test_a_new_check_in_closes_the_open_one_and_a_repeat_sends_nothing(
    ctx: AppContext,
) -> None:
    ids = await _patients(ctx, 3)
    now = ctx.clock.now()
    part, silent, repeat = ids
    earlier = now - timedelta(hours=3)
    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient).where(Patient.id.in_(ids)).values(next_checkin_at=now)
        )
        session.add(
            CheckIn(
                patient_id=part,
                created_at=earlier,
                status="open",
                answered_at=earlier,
                craving=2,
                expires_at=earlier + timedelta(hours=24),
            )
        )
        session.add(
            CheckIn(
                patient_id=silent,
                created_at=earlier,
                due_at=earlier,
                status="open",
                expires_at=earlier + timedelta(hours=24),
            )
        )
        # Already written for this very due time (a run that died after writing it).
        session.add(
            CheckIn(
                patient_id=repeat,
                created_at=now,
                due_at=now,
                status="open",
                expires_at=now + timedelta(hours=24),
            )
        )

    result = await check_in_tick(ctx)

    assert result.sent == 2
    async with ctx.sessions() as session:
        rows = (
            await session.execute(
                select(CheckIn.patient_id, CheckIn.created_at, CheckIn.status).order_by(
                    CheckIn.patient_id, CheckIn.id
                )
            )
        ).all()
        messages = await session.scalar(select(func.count()).where(OutboxMessage.kind == "checkin"))
    assert [tuple(row) for row in rows] == [
        (part, earlier, "answered"),
        (part, now, "open"),
        (silent, earlier, "expired"),
        (silent, now, "open"),
        (repeat, now, "open"),
    ]
    assert messages == 2


async def test_an_unanswered_run_ending_in_expired_check_ins_alerts_staff_once(
    ctx: AppContext,
) -> None:
    ids = await _patients(ctx, 7)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        for n, patient_id in enumerate(ids):
            # Two earlier check-ins unanswered (even patients) or answered (odd ones).
            for days in (3, 2):
                at = now - timedelta(days=days, minutes=n)
                session.add(
                    CheckIn(
                        patient_id=patient_id,
                        created_at=at,
                        due_at=at,
                        status="expired" if n % 2 == 0 else "answered",
                        answered_at=None if n % 2 == 0 else at,
                        expires_at=at + timedelta(hours=24),
                    )
                )
            created = now - timedelta(hours=25, minutes=n)
            session.add(
                CheckIn(
                    patient_id=patient_id,
                    created_at=created,
                    due_at=created,
                    status="open",
                    expires_at=created + timedelta(hours=24),
                )
            )

    result = await check_in_tick(ctx, batch_size=2)
    again = await check_in_tick(ctx, batch_size=2)

    silent = [patient_id for n, patient_id in enumerate(ids) if n % 2 == 0]
    assert (result.expired, result.alerts, again.alerts) == (7, len(silent), 0)
    async with ctx.sessions() as session:
        alerted = sorted(
            await session.scalars(
                select(Patient.id)
                .join(Alert, Alert.patient_id == Patient.id)
                .where(Alert.kind == "unresponsive")
            )
        )
        cards = await session.scalar(select(func.count()).where(OutboxMessage.chat_id == 9100))
    assert alerted == silent
    assert cards == len(silent)


async def _one_wave(ctx: AppContext, spanish: set[int], ids: list[int]) -> tuple[int, list[Any]]:
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient).where(Patient.id.in_(ids)).values(next_checkin_at=now, language="en")
        )
        if spanish:
            await session.execute(
                update(Patient).where(Patient.id.in_(spanish)).values(language="es")
            )
    with statements_during(ctx) as seen:
        result = await check_in_tick(ctx, batch_size=len(ids) + 1)
    assert result.sent == len(ids)
    async with ctx.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.patient_id, OutboxMessage.payload)
                .where(OutboxMessage.kind == "checkin", OutboxMessage.patient_id.in_(ids))
                .order_by(OutboxMessage.id.desc())
                .limit(len(ids))
            )
        ).all()
    return len(seen), rows


async def test_a_wave_asks_each_patient_in_their_own_language_in_as_many_statements(
    ctx: AppContext,
) -> None:
    ids = await _patients(ctx, 8)
    spanish = set(ids[::2])

    english_only, _ = await _one_wave(ctx, set(), ids)
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(timedelta(hours=2))  # the first wave's check-ins are still open
    mixed, rows = await _one_wave(ctx, spanish, ids)

    # Languages ride along in the claim: no statement per patient, or per language.
    assert mixed == english_only
    assert len(rows) == len(ids)
    for patient_id, payload in rows:
        text = payload["text"]
        labels = [b["label"] for row in payload["buttons"] for b in row]
        assert labels == [str(n) for n in range(11)]
        if patient_id in spanish:
            assert text.startswith("Preguntas rápidas") and "antojos" in text
        else:
            assert text.startswith("Quick check-in") and "cravings" in text

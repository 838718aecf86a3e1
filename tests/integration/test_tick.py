"""The tick on a real database: reminders written once, schedules moved on, downtime handled."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.db.models import DoseEvent, OutboxMessage, Schedule
from bot.domain.schedules import Plan, PlanKind, WeeklyRegimen
from bot.services.context import AppContext
from jobs.tick import tick
from tests.support import make_patient, new_clinic

CHICAGO_8AM = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))


def fake(ctx: AppContext) -> FakeClock:
    assert isinstance(ctx.clock, FakeClock)
    return ctx.clock


async def doses(ctx: AppContext) -> list[DoseEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(DoseEvent).order_by(DoseEvent.due_at)))


async def outbox(ctx: AppContext) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_due_dose_gets_one_reminder_and_the_schedule_moves_on(ctx: AppContext) -> None:
    _, schedule_id = await make_patient(ctx, CHICAGO_8AM, chat_id=11)
    # Enrolled Wed 25 Nov 09:00 Chicago; next dose Thu 26 Nov 08:00 CST = 14:00 UTC.
    fake(ctx).set(datetime(2026, 11, 26, 14, 0, 5, tzinfo=UTC))
    result = await tick(ctx)
    assert (result.schedules, result.reminders, result.missed_not_reminded) == (1, 1, 0)
    [dose] = await doses(ctx)
    assert dose.due_at == datetime(2026, 11, 26, 14, 0, tzinfo=UTC) and dose.status == "pending"
    assert dose.window_ends_at == dose.due_at + timedelta(hours=4)
    [message] = await outbox(ctx)
    assert message.chat_id == 11 and message.kind == "reminder"
    text = message.payload["text"]
    assert "08:00" in text and "naltrexone" not in text.lower()  # discreet by default
    labels = [b["label"] for row in message.payload["buttons"] for b in row]
    assert labels == ["✅ Taken", "⏰ Snooze", "Skip"]
    async with ctx.sessions() as session:
        schedule = await session.get(Schedule, schedule_id)
    assert schedule is not None
    assert schedule.next_due_at == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    # A second tick at the same moment finds nothing to do and writes nothing.
    assert (await tick(ctx)).schedules == 0
    assert len(await doses(ctx)) == 1 and len(await outbox(ctx)) == 1


async def test_plain_wording_names_the_medicine_and_weekly_doses_carry_mg(ctx: AppContext) -> None:
    plan = Plan(
        PlanKind.WEEKLY,
        "Europe/Berlin",
        (time(9, 0),),
        regimen=WeeklyRegimen(((1, 100), (3, 100), (5, 150))),
    )
    await make_patient(ctx, plan, chat_id=12, plain=True)
    fake(ctx).set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))  # Fri 09:00 Berlin
    await tick(ctx)
    [dose] = await doses(ctx)
    assert dose.dose_mg == 150
    [message] = await outbox(ctx)
    assert "naltrexone (150 mg)" in message.payload["text"]


async def test_after_downtime_only_the_latest_live_dose_is_reminded(ctx: AppContext) -> None:
    plan = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0), time(20, 0)))
    await make_patient(ctx, plan, chat_id=13)
    # Enrolled Wed 09:00 Chicago, then down until Fri 21:00 (Sat 03:00 UTC): Wed 20:00,
    # Thu 08:00 and 20:00, Fri 08:00 are past their windows; Fri 20:00 is inside its 4 h window.
    fake(ctx).set(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))
    result = await tick(ctx)
    assert result.reminders == 1 and result.missed_not_reminded == 4
    statuses = [d.status for d in await doses(ctx)]
    assert statuses == ["missed_not_reminded"] * 4 + ["pending"]
    [message] = await outbox(ctx)
    assert "20:00" in message.payload["text"]


async def test_paused_patients_get_nothing_until_their_pause_ends(ctx: AppContext) -> None:
    from bot.db.models import Patient

    patient_id, _ = await make_patient(ctx, CHICAGO_8AM, chat_id=14, status="paused")
    async with ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        patient.paused_until = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    fake(ctx).set(datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
    assert (await tick(ctx)).reminders == 0
    fake(ctx).set(datetime(2026, 11, 28, 14, 0, tzinfo=UTC))  # Sat 08:00, pause over
    assert (await tick(ctx)).reminders == 1
    assert [d.due_at.day for d in await doses(ctx)] == [28]


async def test_injection_eve_and_day_reminders(ctx: AppContext) -> None:
    plan = Plan(
        PlanKind.MONTHLY_INJECTION,
        "America/New_York",
        (time(10, 0),),
        injection_date=date(2026, 12, 3),
    )
    await make_patient(ctx, plan, chat_id=15)
    fake(ctx).set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # Wed 2 Dec 10:00 New York
    await tick(ctx)
    assert await doses(ctx) == []
    [eve] = await outbox(ctx)
    assert eve.kind == "injection_eve" and "tomorrow" in eve.payload["text"]
    fake(ctx).set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    await tick(ctx)
    [dose] = await doses(ctx)
    assert dose.window_ends_at == dose.due_at + timedelta(days=3)
    day = (await outbox(ctx))[-1]
    assert "appointment" in day.payload["text"]
    assert [b["label"] for b in day.payload["buttons"][0]] == ["✅ Yes, done", "Not yet"]


async def _daily_reminders_between(
    ctx: AppContext, plan: Plan, start: datetime, end: datetime, step: timedelta
) -> list[datetime]:
    """Run the tick every ``step`` from ``start`` to ``end``; the due times it reminded."""
    from tests.support import make_patient

    fake(ctx).set(start)
    await make_patient(ctx, plan, chat_id=77)
    now = start
    while now <= end:
        fake(ctx).set(now)
        await tick(ctx)
        now += step
    return [d.due_at for d in await doses(ctx) if d.status == "pending"]


async def test_spring_forward_0230_fires_once_at_0300(ctx: AppContext) -> None:
    plan = Plan(PlanKind.DAILY, "America/New_York", (time(2, 30),))
    due = await _daily_reminders_between(
        ctx,
        plan,
        datetime(2026, 3, 7, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 12, 0, tzinfo=UTC),
        timedelta(minutes=10),
    )
    # Sun 8 Mar 2026: 02:30 does not exist in New York; it fires once at 03:00 EDT (07:00 UTC).
    assert due == [datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 9, 6, 30, tzinfo=UTC)]


async def test_fall_back_0130_fires_once(ctx: AppContext) -> None:
    plan = Plan(PlanKind.DAILY, "America/New_York", (time(1, 30),))
    due = await _daily_reminders_between(
        ctx,
        plan,
        datetime(2026, 10, 31, 12, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 12, 0, tzinfo=UTC),
        timedelta(minutes=10),
    )
    # Sun 1 Nov 2026: 01:30 happens twice; the reminder fires at the first (EDT, 05:30 UTC).
    assert due == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),
    ]


async def test_lord_howe_half_hour_shift(ctx: AppContext) -> None:
    plan = Plan(PlanKind.DAILY, "Australia/Lord_Howe", (time(2, 15),))
    due = await _daily_reminders_between(
        ctx,
        plan,
        datetime(2026, 10, 2, 12, 0, tzinfo=UTC),
        datetime(2026, 10, 5, 12, 0, tzinfo=UTC),
        timedelta(minutes=15),
    )
    local = [d.astimezone(plan.tz).strftime("%d %H:%M") for d in due]
    # 4 Oct 2026: clocks jump 02:00 -> 02:30, so 02:15 fires once at 02:30.
    assert local == ["03 02:15", "04 02:30", "05 02:15"]


async def test_a_backlog_of_many_batches_is_written_exactly_once(ctx: AppContext) -> None:
    """Several batches, drained by parallel lanes on Postgres: every due schedule gets one dose
    row and one reminder, every schedule moves on, and nothing is left due."""
    clinic = await new_clinic(ctx)
    for chat in range(1, 58):
        await make_patient(ctx, CHICAGO_8AM, chat_id=chat, clinic_id=clinic.id)
    fake(ctx).set(datetime(2026, 11, 26, 14, 0, 5, tzinfo=UTC))
    result = await tick(ctx, batch_size=5, lanes=3)
    assert (result.schedules, result.reminders) == (57, 57)
    written = await doses(ctx)
    assert len(written) == 57 and len({d.schedule_id for d in written}) == 57
    messages = await outbox(ctx)
    assert sorted(m.chat_id for m in messages) == list(range(1, 58))
    async with ctx.sessions() as session:
        moved = set(await session.scalars(select(Schedule.next_due_at)))
    assert moved == {datetime(2026, 11, 27, 14, 0, tzinfo=UTC)}
    assert (await tick(ctx, batch_size=5, lanes=3)).schedules == 0


async def speaks(ctx: AppContext, patient_id: int, language: str) -> None:
    from bot.db.models import Patient

    async with ctx.sessions.begin() as session:
        await session.execute(
            update(Patient).where(Patient.id == patient_id).values(language=language)
        )


async def test_each_patient_is_reminded_in_their_own_language(ctx: AppContext) -> None:
    """One tick, one batch: the Spanish patient's reminder is in Spanish, the English one's is
    today's English, word for word."""
    clinic = await new_clinic(ctx)
    await make_patient(ctx, CHICAGO_8AM, chat_id=41, clinic_id=clinic.id)  # English
    spanish, _ = await make_patient(ctx, CHICAGO_8AM, chat_id=42, clinic_id=clinic.id)
    plain, _ = await make_patient(ctx, CHICAGO_8AM, chat_id=43, clinic_id=clinic.id, plain=True)
    await speaks(ctx, spanish, "es")
    await speaks(ctx, plain, "es")
    fake(ctx).set(datetime(2026, 11, 26, 14, 0, 5, tzinfo=UTC))
    assert (await tick(ctx)).reminders == 3
    by_chat = {m.chat_id: m.payload for m in await outbox(ctx)}

    def labels(payload: dict[str, Any]) -> list[str]:
        return [b["label"] for row in payload["buttons"] for b in row]

    assert by_chat[41]["text"] == "⏰ 08:00: time for your routine. Tap below when it's done."
    assert labels(by_chat[41]) == ["✅ Taken", "⏰ Snooze", "Skip"]
    assert (
        by_chat[42]["text"] == "⏰ 08:00: es hora de su rutina. Toque abajo cuando la haya hecho."
    )
    assert labels(by_chat[42]) == ["✅ Tomada", "⏰ Posponer", "Omitir"]
    assert by_chat[43]["text"].startswith("Es hora de su naltrexona, 08:00.")


async def test_injection_reminders_in_spanish(ctx: AppContext) -> None:
    plan = Plan(
        PlanKind.MONTHLY_INJECTION,
        "America/New_York",
        (time(10, 0),),
        injection_date=date(2026, 12, 3),
    )
    patient_id, _ = await make_patient(ctx, plan, chat_id=44)
    await speaks(ctx, patient_id, "es")
    fake(ctx).set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await tick(ctx)
    [eve] = await outbox(ctx)
    assert eve.payload["text"] == "Recordatorio: mañana tiene una cita."
    fake(ctx).set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    await tick(ctx)
    day = (await outbox(ctx))[-1]
    assert day.payload["text"] == "¿Pudo ir a su cita?"
    assert [b["label"] for b in day.payload["buttons"][0]] == ["✅ Sí, listo", "Todavía no"]

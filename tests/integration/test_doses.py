"""Answers to reminders, nudges, misses and their consequences, on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update

from bot.db.models import Alert, DoseEvent, OutboxMessage, Patient, Schedule
from bot.domain.reminders import tap_data
from bot.domain.schedules import Plan, PlanKind
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from jobs.followups import follow_up
from jobs.tick import tick
from tests.integration.test_tick import fake
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
DUE = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # Thu 08:00 Chicago
PAT = Sender(21, "Pat")


async def remind(ctx: AppContext) -> int:
    """Enrol PAT, run the tick at the dose time and pretend the sender delivered it."""
    _, schedule_id = await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    fake(ctx).set(DUE)
    await tick(ctx)
    async with ctx.sessions.begin() as session:
        await session.execute(update(DoseEvent).values(reminded_at=DUE))
    return schedule_id


async def the_dose(ctx: AppContext) -> DoseEvent:
    async with ctx.sessions() as session:
        [dose] = list(await session.scalars(select(DoseEvent)))
        return dose


async def kinds(ctx: AppContext) -> list[str]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))


async def test_taken_is_recorded_and_shown_with_the_time(ctx: AppContext) -> None:
    schedule_id = await remind(ctx)
    fake(ctx).advance(timedelta(minutes=5))
    result = await Inbox(ctx).tap(PAT, tap_data(schedule_id, DUE, "t"))
    assert result.chosen == "Taken at 08:05"
    dose = await the_dose(ctx)
    assert dose.status == "taken" and dose.answered_at == DUE + timedelta(minutes=5)
    again = await Inbox(ctx).tap(PAT, tap_data(schedule_id, DUE, "t"))
    assert again.chosen is None and "Already recorded" in (again.notice or "")


async def test_a_late_tap_still_counts(ctx: AppContext) -> None:
    schedule_id = await remind(ctx)
    fake(ctx).advance(timedelta(hours=5))
    await follow_up(ctx)
    assert (await the_dose(ctx)).status == "missed"
    result = await Inbox(ctx).tap(PAT, tap_data(schedule_id, DUE, "t"))
    assert result.chosen == "Taken at 13:00 (late, still counts)"
    assert (await the_dose(ctx)).status == "taken"


async def test_snooze_re_sends_once(ctx: AppContext) -> None:
    schedule_id = await remind(ctx)
    inbox = Inbox(ctx)
    menu = await inbox.tap(PAT, tap_data(schedule_id, DUE, "z"))
    assert menu.buttons is not None
    assert [b.label for b in menu.buttons[0]] == ["15 min", "30 min", "1 hour"]
    result = await inbox.tap(PAT, tap_data(schedule_id, DUE, "z15"))
    assert result.chosen == "Snoozed until 08:15"
    fake(ctx).advance(timedelta(minutes=14))
    assert (await follow_up(ctx)).resent == 0
    fake(ctx).advance(timedelta(minutes=1))
    assert (await follow_up(ctx)).resent == 1
    fake(ctx).advance(timedelta(minutes=10))
    assert (await follow_up(ctx)).resent == 0
    assert (await kinds(ctx)).count("reminder") == 2


async def test_skip_with_an_optional_reason(ctx: AppContext) -> None:
    schedule_id = await remind(ctx)
    inbox = Inbox(ctx)
    result = await inbox.tap(PAT, tap_data(schedule_id, DUE, "s"))
    assert result.chosen is not None and "Skipped at 08:00" in result.chosen
    assert result.buttons is not None
    reason = await inbox.tap(PAT, tap_data(schedule_id, DUE, "r:side"))
    assert reason.chosen == "Skipped (side effects)"
    dose = await the_dose(ctx)
    assert dose.status == "skipped" and dose.skip_reason == "side"


async def test_other_patients_stale_and_forged_taps_change_nothing(ctx: AppContext) -> None:
    schedule_id = await remind(ctx)
    inbox = Inbox(ctx)
    stranger = Sender(99, "Not Pat")
    for sender, data in [
        (stranger, tap_data(schedule_id, DUE, "t")),
        (PAT, tap_data(schedule_id, DUE + timedelta(days=3), "t")),
        (PAT, tap_data(schedule_id + 1, DUE, "t")),
        (PAT, "d:1:2"),
        (PAT, "d:x:y:t"),
        (PAT, f"d:{schedule_id}:{int(DUE.timestamp())}:boom"),
        (PAT, f"d:{schedule_id}:99999999999999999999:t"),
        (PAT, tap_data(schedule_id, DUE, "r:side")),  # a reason for a dose never skipped
    ]:
        result = await inbox.tap(sender, data)
        assert result.chosen is None and result.notice, data
    assert (await the_dose(ctx)).status == "pending"


async def test_nudge_once_then_missed_with_one_safety_message_per_episode(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx, "Care")
    await add_staff(
        ctx.sessions, ctx.clock, telegram_user_id=500, name="Nurse", clinic_code=clinic.invite_code
    )
    patient_id, _ = await make_patient(ctx, PLAN, chat_id=PAT.chat_id, clinic_id=clinic.id)
    for day in range(3):
        fake(ctx).set(DUE + timedelta(days=day))
        await tick(ctx)
        async with ctx.sessions.begin() as session:
            await session.execute(
                update(DoseEvent).where(DoseEvent.reminded_at.is_(None)).values(reminded_at=DUE)
            )
        fake(ctx).advance(timedelta(minutes=31))
        assert (await follow_up(ctx)).nudged == 1
        assert (await follow_up(ctx)).nudged == 0
        fake(ctx).advance(timedelta(hours=4))
        await follow_up(ctx)
    sent = await kinds(ctx)
    assert sent.count("reminder") == 3 and sent.count("nudge") == 3
    assert sent.count("safety") == 1  # once per episode, not once per missed dose
    async with ctx.sessions() as session:
        alerts = list(await session.scalars(select(Alert)))
        staff_messages = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff_alert"))
        )
    # Two in a row open one episode; the third counts in it rather than alerting again. Three
    # unanswered reminders in a row is its own rule (the patient has gone quiet).
    assert [a.kind for a in alerts] == ["missed_doses", "unresponsive"]
    assert [a.occurrences for a in alerts] == [2, 1]
    assert [m.chat_id for m in staff_messages] == [500, 500]
    assert alerts[0].patient_id == patient_id


async def test_injection_confirmed_moves_the_next_cycle(ctx: AppContext) -> None:
    plan = Plan(
        PlanKind.MONTHLY_INJECTION,
        "America/New_York",
        (time(10, 0),),
        injection_date=date(2026, 12, 3),
    )
    _, schedule_id = await make_patient(ctx, plan, chat_id=PAT.chat_id)
    due = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    fake(ctx).set(due)
    await tick(ctx)
    result = await Inbox(ctx).tap(PAT, tap_data(schedule_id, due, "y"))
    assert result.chosen == "Done at 10:00"
    async with ctx.sessions() as session:
        schedule = await session.get(Schedule, schedule_id)
    assert schedule is not None and schedule.injection_date == date(2026, 12, 31)
    # Next: the eve reminder on 30 Dec at 10:00 New York.
    assert schedule.next_due_at == datetime(2026, 12, 30, 15, 0, tzinfo=UTC)


async def test_an_unconfirmed_injection_alerts_staff_when_overdue(ctx: AppContext) -> None:
    plan = Plan(
        PlanKind.MONTHLY_INJECTION,
        "America/New_York",
        (time(10, 0),),
        injection_date=date(2026, 12, 3),
    )
    await make_patient(ctx, plan, chat_id=PAT.chat_id)
    fake(ctx).set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    await tick(ctx)
    async with ctx.sessions.begin() as session:
        await session.execute(update(DoseEvent).values(reminded_at=ctx.clock.now()))
    fake(ctx).advance(timedelta(days=3))
    await follow_up(ctx)
    async with ctx.sessions() as session:
        assert [a.kind for a in await session.scalars(select(Alert))] == ["injection_overdue"]


async def test_after_stop_or_pause_a_closing_window_records_the_miss_but_sends_them_nothing(
    ctx: AppContext,
) -> None:
    """/stop promises nothing more; /pause asks for quiet. A dose reminded before either still
    closes as missed (and counts for staff), but no safety note goes to the patient."""
    clinic = await new_clinic(ctx, "Care")
    people = {"active": 31, "stopped": 32, "paused": 33}
    for chat_id in people.values():
        await make_patient(ctx, PLAN, chat_id=chat_id, clinic_id=clinic.id)
    fake(ctx).set(DUE)
    await tick(ctx)
    async with ctx.sessions.begin() as session:
        await session.execute(update(DoseEvent).values(reminded_at=DUE))
        for status, chat_id in people.items():
            await session.execute(
                update(Patient).where(Patient.chat_id == chat_id).values(status=status)
            )
    fake(ctx).advance(timedelta(hours=5))
    result = await follow_up(ctx)
    assert result.missed == 3 and result.safety_messages == 1
    async with ctx.sessions() as session:
        statuses = set(await session.scalars(select(DoseEvent.status)))
        safety_to = list(
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.kind == "safety")
            )
        )
    assert statuses == {"missed"}
    assert safety_to == [people["active"]]


async def test_a_spanish_patient_gets_every_answer_in_spanish(ctx: AppContext) -> None:
    """Taken, already recorded, the snooze menu, snoozed, skipped and its reasons: in Spanish."""
    schedule_id = await remind(ctx)
    async with ctx.sessions.begin() as session:
        await session.execute(update(Patient).values(language="es"))
    inbox = Inbox(ctx)
    menu = await inbox.tap(PAT, tap_data(schedule_id, DUE, "z"))
    assert menu.buttons is not None
    assert [b.label for b in menu.buttons[0]] == ["15 min", "30 min", "1 hora"]
    snoozed = await inbox.tap(PAT, tap_data(schedule_id, DUE, "z15"))
    assert snoozed.chosen == "Pospuesta hasta las 08:15"
    assert snoozed.notice == "De acuerdo, se lo recordaré otra vez."
    fake(ctx).advance(timedelta(minutes=15))
    assert (await follow_up(ctx)).resent == 1
    async with ctx.sessions() as session:
        again = (
            await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        ).first()
    assert again is not None and again.payload["text"].startswith("⏰ 08:00: es hora de su rutina")
    skipped = await inbox.tap(PAT, tap_data(schedule_id, DUE, "s"))
    assert skipped.chosen == "Omitida a las 08:15. ¿Quiere decir por qué? (opcional)"
    assert skipped.buttons is not None
    assert [b.label for row in skipped.buttons for b in row] == [
        "Se me acabó",
        "Efectos secundarios",
        "Me sentía mal",
        "Otro motivo",
    ]
    reason = await inbox.tap(PAT, tap_data(schedule_id, DUE, "r:side"))
    assert reason.chosen == "Omitida (efectos secundarios)"
    taken = await inbox.tap(PAT, tap_data(schedule_id, DUE, "t"))
    assert taken.notice == "Ya quedó anotada (omitida a las 08:15)."


async def test_a_spanish_tap_on_time_and_late(ctx: AppContext) -> None:
    schedule_id = await remind(ctx)
    async with ctx.sessions.begin() as session:
        await session.execute(update(Patient).values(language="es"))
    fake(ctx).advance(timedelta(hours=5))
    await follow_up(ctx)
    result = await Inbox(ctx).tap(PAT, tap_data(schedule_id, DUE, "t"))
    assert result.chosen == "Tomada a las 13:00 (tarde, pero cuenta)"
    assert result.notice == "Anotado. ¡Muy bien!"

"""/schedule, /pause and /resume through the inbox, on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import DoseEvent, Patient, Schedule
from bot.domain.clock_times import ParseError
from bot.domain.replies import Reply
from bot.domain.schedules import Plan, PlanKind
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from bot.services.patient_settings import fold, read_date
from jobs.tick import tick
from tests.integration.test_tick import fake
from tests.support import make_patient

PAT = Sender(31, "Pat")
PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))


def data_of(replies: list[Reply], label: str) -> str:
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                if button.label == label:
                    return button.data
    raise AssertionError(label)


async def schedule_of(ctx: AppContext) -> Schedule:
    async with ctx.sessions() as session:
        [schedule] = list(await session.scalars(select(Schedule)))
        return schedule


async def patient_of(ctx: AppContext) -> Patient:
    async with ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
        return patient


async def test_changing_the_time_after_todays_reminder_never_doubles_the_day(
    ctx: AppContext,
) -> None:
    await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    fake(ctx).set(datetime(2026, 11, 26, 14, 0, tzinfo=UTC))  # Thu 08:00 Chicago
    await tick(ctx)
    inbox = Inbox(ctx)
    overview = await inbox.command(PAT, "schedule", [])
    assert "Daily" in overview[0].text and "discreet" in overview[0].text
    started = await inbox.tap(PAT, data_of(overview, "Change time"))
    assert "What time" in started.replies[0].text
    bad = await inbox.text(PAT, "25:99")
    assert "08:00" in bad[0].text  # an example, and the question again
    done = await inbox.text(PAT, "8pm")
    assert "20:00" in done[0].text
    schedule = await schedule_of(ctx)
    # Today's 08:00 reminder already went out: the first 20:00 reminder is tomorrow's.
    assert schedule.next_due_at == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


async def test_changing_zone_moves_the_next_reminder_to_the_new_local_time(
    ctx: AppContext,
) -> None:
    await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    inbox = Inbox(ctx)
    overview = await inbox.command(PAT, "schedule", [])
    await inbox.tap(PAT, data_of(overview, "Change time zone"))
    replies = await inbox.location(PAT, 40.71, -74.0)  # New York
    assert "America/New_York" in replies[0].text
    schedule = await schedule_of(ctx)
    assert schedule.timezone == "America/New_York"
    assert schedule.next_due_at == datetime(2026, 11, 26, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert (await patient_of(ctx)).timezone == "America/New_York"


async def test_wording_toggle(ctx: AppContext) -> None:
    await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    inbox = Inbox(ctx)
    result = await inbox.tap(
        PAT, data_of(await inbox.command(PAT, "schedule", []), "Use plain wording")
    )
    assert result.chosen == "Reminder wording: plain"
    assert (await patient_of(ctx)).plain_wording is True


async def test_pause_until_a_date_then_resume_without_a_backlog(ctx: AppContext) -> None:
    await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    inbox = Inbox(ctx)
    prompt = await inbox.command(PAT, "pause", [])
    assert "until when" in prompt[0].text
    assert "pick a day after today" in (await inbox.text(PAT, "today"))[0].text
    assert "3 Dec" in (await inbox.text(PAT, "whenever"))[0].text
    paused = await inbox.text(PAT, "Dec 10")
    assert "paused until Thu 10 Dec" in paused[0].text
    patient = await patient_of(ctx)
    assert patient.status == "paused"
    assert patient.paused_until == datetime(2026, 12, 10, 6, 0, tzinfo=UTC)
    fake(ctx).set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    assert (await tick(ctx)).reminders == 0
    resumed = await inbox.command(PAT, "resume", [])
    assert "back on" in resumed[0].text.lower() or "on again" in resumed[0].text
    assert (await patient_of(ctx)).status == "active"
    fake(ctx).advance(timedelta(days=1))
    assert (await tick(ctx)).reminders == 1
    async with ctx.sessions() as session:
        assert len(list(await session.scalars(select(DoseEvent)))) == 1  # nothing from the pause


async def test_pause_button_and_settings_need_enrolment(ctx: AppContext) -> None:
    await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    inbox = Inbox(ctx)
    prompt = await inbox.command(PAT, "pause", [])
    result = await inbox.tap(PAT, data_of(prompt, "Until I resume"))
    assert result.chosen == "Until I resume"
    assert (await patient_of(ctx)).paused_until is None
    # A second tap on the same old button is stale.
    assert (await inbox.tap(PAT, data_of(prompt, "1 week"))).chosen is None
    stranger = Sender(77)
    assert "not set up" in (await inbox.command(stranger, "schedule", []))[0].text
    assert "not set up" in (await inbox.command(stranger, "pause", []))[0].text


async def test_a_patient_who_unblocks_the_bot_gets_reminders_again(ctx: AppContext) -> None:
    from bot.services.reachability import mark_unreachable

    patient_id, _ = await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    async with ctx.sessions.begin() as session:
        assert await mark_unreachable(session, patient_id, ctx.clock.now())
    fake(ctx).set(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert (await tick(ctx)).reminders == 0
    replies = await Inbox(ctx).command(PAT, "start", [])
    assert "Welcome back" in replies[0].text
    assert (await patient_of(ctx)).status == "active"
    schedule = await schedule_of(ctx)
    assert schedule.active and schedule.next_due_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


# In Spanish ------------------------------------------------------------------------------------


async def spanish_patient(ctx: AppContext) -> Inbox:
    patient_id, _ = await make_patient(ctx, PLAN, chat_id=PAT.chat_id)
    async with ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        patient.language = "es"
    return Inbox(ctx)


async def test_schedule_in_spanish(ctx: AppContext) -> None:
    inbox = await spanish_patient(ctx)
    [overview] = await inbox.command(PAT, "schedule", [])
    assert overview.text.startswith("Su plan:\nUna tableta al día, a las 08:00")
    assert "\nPreguntas de seguimiento: " in overview.text
    assert "Texto de los recordatorios: discreto." in overview.text
    assert "Daily" not in overview.text and "Check-ins" not in overview.text
    labels = [button.label for row in overview.buttons for button in row]
    assert labels == [
        "Cambiar la hora",
        "Cambiar la zona horaria",
        "Cambiar las preguntas de seguimiento",
        "Usar texto directo",
    ]
    toggled = await inbox.tap(PAT, data_of([overview], "Usar texto directo"))
    assert toggled.chosen == "Texto de los recordatorios: directo"
    [overview] = await inbox.command(PAT, "schedule", [])
    assert "Texto de los recordatorios: directo (nombra su medicamento)." in overview.text
    assert overview.buttons[-1][0].label == "Usar texto discreto"
    started = await inbox.tap(PAT, data_of([overview], "Cambiar la hora"))
    assert started.replies[0].text.startswith("¿A qué hora quiere que le recuerde?")
    done = await inbox.text(PAT, "8 de la mañana y 8 de la noche")
    assert done[0].text == "Listo. Una tableta al día, a las 08:00 y 20:00 (America/Chicago)"
    schedule = await schedule_of(ctx)
    assert schedule.dose_times == ["08:00", "20:00"]


async def test_pause_until_a_spanish_date_then_resume(ctx: AppContext) -> None:
    inbox = await spanish_patient(ctx)  # today is Wed 25 Nov in Chicago
    [prompt] = await inbox.command(PAT, "pause", [])
    assert prompt.text.startswith("¿Hasta cuándo quiere pausar los recordatorios?")
    assert [b.label for b in prompt.buttons[0]] == [
        "1 semana",
        "2 semanas",
        "Hasta que los reactive",
    ]
    assert (await inbox.text(PAT, "hoy"))[0].text.startswith("Elija un día después de hoy")
    confused = await inbox.text(PAT, "cuando pueda")
    assert confused[0].text.startswith("No pude entender “cuando pueda” como una fecha.")
    paused = await inbox.text(PAT, "Hasta el 10 de diciembre")
    assert paused[0].text.startswith("Los recordatorios están en pausa hasta el jue 10 dic.")
    patient = await patient_of(ctx)
    assert patient.status == "paused"
    assert patient.paused_until == datetime(2026, 12, 10, 6, 0, tzinfo=UTC)
    [overview] = await inbox.command(PAT, "schedule", [])
    assert "en pausa hasta el jue 10 dic. Envíe /resume" in overview.text
    resumed = await inbox.command(PAT, "resume", [])
    assert resumed[0].text.startswith("¡Qué bueno tenerle de vuelta!")
    again = await inbox.command(PAT, "resume", [])
    assert again[0].text.startswith("Sus recordatorios ya están activados.")


@pytest.mark.parametrize(
    ("answer", "until"),
    [
        ("15 de enero", datetime(2027, 1, 15, 6, 0, tzinfo=UTC)),
        ("hasta el lunes", datetime(2026, 11, 30, 6, 0, tzinfo=UTC)),
        ("mañana", datetime(2026, 11, 26, 6, 0, tzinfo=UTC)),
        ("MANANA", datetime(2026, 11, 26, 6, 0, tzinfo=UTC)),
        ("una semana", datetime(2026, 12, 2, 6, 0, tzinfo=UTC)),
        ("Indefinidamente", None),
    ],
)
async def test_spanish_pause_answers(ctx: AppContext, answer: str, until: datetime | None) -> None:
    inbox = await spanish_patient(ctx)
    await inbox.command(PAT, "pause", [])
    replies = await inbox.text(PAT, answer)
    assert replies[0].text.startswith("Los recordatorios están en pausa hasta")
    assert (await patient_of(ctx)).paused_until == until


async def test_check_in_settings_in_spanish(ctx: AppContext) -> None:
    inbox = await spanish_patient(ctx)
    [overview] = await inbox.command(PAT, "schedule", [])
    started = await inbox.tap(PAT, data_of([overview], "Cambiar las preguntas de seguimiento"))
    assert started.replies[0].text.startswith("¿Con qué frecuencia")
    wrong = await inbox.text(PAT, "a veces")
    assert wrong[0].text.startswith("Elija una de las opciones, o escriba semanal")
    asked = await inbox.text(PAT, "Semanal")
    assert "19:00" in [b.label for row in asked[0].buttons for b in row]
    [day] = await inbox.text(PAT, "7 de la noche")
    assert day.text == "¿Qué día de la semana?"
    assert [b.label for b in day.buttons[0]] == ["Lun", "Mar", "Mié", "Jue"]
    done = await inbox.text(PAT, "el miércoles")
    assert done[0].text == "Listo. Preguntas de seguimiento: cada miércoles a las 19:00."
    patient = await patient_of(ctx)
    assert (patient.checkin_frequency, patient.checkin_weekday, patient.checkin_time) == (
        "weekly",
        3,
        "19:00",
    )
    [overview] = await inbox.command(PAT, "schedule", [])
    await inbox.tap(PAT, data_of([overview], "Cambiar las preguntas de seguimiento"))
    off = await inbox.text(PAT, "no")
    assert "Puede responder las preguntas cuando quiera con /checkin" in off[0].text
    assert (await patient_of(ctx)).checkin_frequency == "off"


async def test_a_spanish_patient_who_unblocks_the_bot_is_welcomed_in_spanish(
    ctx: AppContext,
) -> None:
    from bot.services.reachability import mark_unreachable

    inbox = await spanish_patient(ctx)
    patient = await patient_of(ctx)
    async with ctx.sessions.begin() as session:
        assert await mark_unreachable(session, patient.id, ctx.clock.now())
    replies = await inbox.command(PAT, "start", [])
    assert "recordatorios" in replies[0].text and "Envíe /schedule" in replies[0].text


def test_typed_answers_are_folded() -> None:
    assert fold("  ¡Sí! ") == fold("si") == fold("SI") == "si"
    assert fold("Miércoles.") == "miercoles"
    today = date(2026, 11, 25)
    assert read_date("hasta el 15 de enero de 2027", today, "es") == date(2027, 1, 15)
    assert read_date("Hasta el lunes", today, "es") == date(2026, 11, 30)
    assert read_date("until Dec 10", today) == date(2026, 12, 10)
    with pytest.raises(ParseError, match="dos días distintos"):
        read_date("hasta el próximo viernes", today, "es")  # like "next Friday": two readings


async def test_zone_change_in_spanish(ctx: AppContext) -> None:
    inbox = await spanish_patient(ctx)
    [overview] = await inbox.command(PAT, "schedule", [])
    started = await inbox.tap(PAT, data_of([overview], "Cambiar la zona horaria"))
    prompt = started.replies[0]
    assert prompt.text.startswith("¿En qué zona horaria está?") and prompt.ask_location
    labels = [button.label for row in prompt.buttons for button in row]
    assert "US Eastern" not in labels
    replies = await inbox.location(PAT, 40.71, -74.0)  # New York
    assert replies[0].text.startswith("Entendido:")
    assert "Una tableta al día, a las 08:00 (America/New_York)" in replies[0].text

"""Reminders end to end: tick, outbox, sender, real python-telegram-bot, taps, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, update

from bot.clock import FakeClock
from bot.db.models import DoseEvent, OutboxMessage, Patient
from bot.domain import reminders
from bot.domain.schedules import Plan, PlanKind
from tests.e2e.conftest import LiveBot
from tests.support import make_patient

CHAT = 5150
PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
DUE = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # Thu 08:00 Chicago


async def dose_status(bot: LiveBot) -> str:
    async with bot.ctx.sessions() as session:
        [dose] = list(await session.scalars(select(DoseEvent)))
        return dose.status


async def settled(bot: LiveBot) -> None:
    """Wait until the sender has recorded the delivery, so moving the clock cannot race it."""
    for _ in range(200):
        async with bot.ctx.sessions() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            )
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain")


async def reminder_arrives(bot: LiveBot) -> None:
    await make_patient(bot.ctx, PLAN, chat_id=CHAT)
    mark = bot.api.mark(CHAT)
    assert isinstance(bot.ctx.clock, FakeClock)
    bot.ctx.clock.set(DUE)
    [message] = await bot.api.wait_for_new(CHAT, mark, count=1)
    assert "08:00" in message.plain_text
    assert message.buttons == [["✅ Taken", "⏰ Snooze", "Skip"]]
    await settled(bot)


async def test_reminder_arrives_and_taken_is_recorded(live_bot: LiveBot) -> None:
    await reminder_arrives(live_bot)
    await live_bot.api.tap(CHAT, "✅ Taken")
    await live_bot.api.wait_for_call("editMessageText")
    edited = live_bot.api.last(CHAT)
    assert edited is not None and "✓ Taken at 08:00" in edited.plain_text
    assert not edited.inline_keyboard
    assert await dose_status(live_bot) == "taken"


async def test_snooze_sends_the_reminder_again_once(live_bot: LiveBot) -> None:
    await reminder_arrives(live_bot)
    await live_bot.api.tap(CHAT, "⏰ Snooze")
    await live_bot.api.wait_for_call("editMessageReplyMarkup")
    await live_bot.api.tap(CHAT, "15 min")
    await live_bot.api.wait_for_call("editMessageText")
    await settled(live_bot)
    mark = live_bot.api.mark(CHAT)
    assert isinstance(live_bot.ctx.clock, FakeClock)
    live_bot.ctx.clock.advance(timedelta(minutes=15))
    [again] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert "08:00" in again.plain_text and again.buttons
    await live_bot.api.wait_idle(quiet=1.0)
    assert len(live_bot.api.sent(CHAT)) == 2  # the original and one re-send, nothing more


async def test_no_answer_gets_one_nudge_then_a_missed_dose_safety_note(live_bot: LiveBot) -> None:
    await reminder_arrives(live_bot)
    assert isinstance(live_bot.ctx.clock, FakeClock)
    mark = live_bot.api.mark(CHAT)
    live_bot.ctx.clock.advance(timedelta(minutes=31))
    [nudge] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert "Just checking in" in nudge.plain_text
    await settled(live_bot)
    mark = live_bot.api.mark(CHAT)
    live_bot.ctx.clock.advance(timedelta(hours=4))
    [note] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert "naloxone" in note.plain_text and "overdose" in note.plain_text
    assert await dose_status(live_bot) == "missed"


async def spanish_reminder_arrives(bot: LiveBot) -> None:
    patient_id, _ = await make_patient(bot.ctx, PLAN, chat_id=CHAT)
    async with bot.ctx.sessions.begin() as session:
        await session.execute(update(Patient).where(Patient.id == patient_id).values(language="es"))
    mark = bot.api.mark(CHAT)
    assert isinstance(bot.ctx.clock, FakeClock)
    bot.ctx.clock.set(DUE)
    [message] = await bot.api.wait_for_new(CHAT, mark, count=1)
    assert message.plain_text == "⏰ 08:00: es hora de su rutina. Toque abajo cuando la haya hecho."
    assert message.buttons == [["✅ Tomada", "⏰ Posponer", "Omitir"]]
    await settled(bot)


async def test_a_spanish_patient_is_reminded_and_answered_in_spanish(live_bot: LiveBot) -> None:
    await spanish_reminder_arrives(live_bot)
    await live_bot.api.tap(CHAT, "⏰ Posponer")
    await live_bot.api.wait_for_call("editMessageReplyMarkup")
    await live_bot.api.tap(CHAT, "15 min")
    await live_bot.api.wait_for_call("editMessageText")
    edited = live_bot.api.last(CHAT)
    assert edited is not None and "Pospuesta hasta las 08:15" in edited.plain_text
    await settled(live_bot)
    mark = live_bot.api.mark(CHAT)
    assert isinstance(live_bot.ctx.clock, FakeClock)
    live_bot.ctx.clock.advance(timedelta(minutes=15))
    [again] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert again.plain_text.startswith("⏰ 08:00: es hora de su rutina")
    await settled(live_bot)
    await live_bot.api.tap(CHAT, "✅ Tomada", again)
    shown = ""
    for _ in range(200):
        last = live_bot.api.last(CHAT)
        shown = last.plain_text if last is not None else ""
        if "✓ Tomada a las 08:15" in shown:
            break
        await asyncio.sleep(0.05)
    assert "✓ Tomada a las 08:15" in shown
    assert await dose_status(live_bot) == "taken"


async def test_a_spanish_patient_gets_the_nudge_and_the_missed_dose_note_in_spanish(
    live_bot: LiveBot,
) -> None:
    await spanish_reminder_arrives(live_bot)
    assert isinstance(live_bot.ctx.clock, FakeClock)
    mark = live_bot.api.mark(CHAT)
    live_bot.ctx.clock.advance(timedelta(minutes=31))
    [nudge] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert nudge.plain_text.startswith("Una pregunta rápida: ¿pudo hacer su rutina de las 08:00?")
    assert nudge.buttons == [["✅ Tomada", "⏰ Posponer", "Omitir"]]
    await settled(live_bot)
    mark = live_bot.api.mark(CHAT)
    live_bot.ctx.clock.advance(timedelta(hours=4))
    [note] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert note.plain_text == reminders.missed_dose_safety("daily", "es")
    assert "naloxona" in note.plain_text and "sobredosis" in note.plain_text
    assert await dose_status(live_bot) == "missed"

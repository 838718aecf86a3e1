"""Reminders end to end: tick, outbox, sender, real python-telegram-bot, taps, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.models import DoseEvent, OutboxMessage
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
    [message] = await bot.api.wait_for_new(CHAT, mark, count=1, timeout=10)
    assert "08:00" in message.plain_text
    assert message.buttons == [["✅ Taken", "⏰ Snooze", "Skip"]]
    await settled(bot)


async def test_reminder_arrives_and_taken_is_recorded(live_bot: LiveBot) -> None:
    await reminder_arrives(live_bot)
    await live_bot.api.tap(CHAT, "✅ Taken")
    await live_bot.api.wait_for_call("editMessageText", timeout=10)
    edited = live_bot.api.last(CHAT)
    assert edited is not None and "✓ Taken at 08:00" in edited.plain_text
    assert not edited.inline_keyboard
    assert await dose_status(live_bot) == "taken"


async def test_snooze_sends_the_reminder_again_once(live_bot: LiveBot) -> None:
    await reminder_arrives(live_bot)
    await live_bot.api.tap(CHAT, "⏰ Snooze")
    await live_bot.api.wait_for_call("editMessageReplyMarkup", timeout=10)
    await live_bot.api.tap(CHAT, "15 min")
    await live_bot.api.wait_for_call("editMessageText", timeout=10)
    await settled(live_bot)
    mark = live_bot.api.mark(CHAT)
    assert isinstance(live_bot.ctx.clock, FakeClock)
    live_bot.ctx.clock.advance(timedelta(minutes=15))
    [again] = await live_bot.api.wait_for_new(CHAT, mark, count=1, timeout=10)
    assert "08:00" in again.plain_text and again.buttons
    await live_bot.api.wait_idle(quiet=1.0)
    assert len(live_bot.api.sent(CHAT)) == 2  # the original and one re-send, nothing more


async def test_no_answer_gets_one_nudge_then_a_missed_dose_safety_note(live_bot: LiveBot) -> None:
    await reminder_arrives(live_bot)
    assert isinstance(live_bot.ctx.clock, FakeClock)
    mark = live_bot.api.mark(CHAT)
    live_bot.ctx.clock.advance(timedelta(minutes=31))
    [nudge] = await live_bot.api.wait_for_new(CHAT, mark, count=1, timeout=10)
    assert "Just checking in" in nudge.plain_text
    await settled(live_bot)
    mark = live_bot.api.mark(CHAT)
    live_bot.ctx.clock.advance(timedelta(hours=4))
    [note] = await live_bot.api.wait_for_new(CHAT, mark, count=1, timeout=10)
    assert "naloxone" in note.plain_text and "overdose" in note.plain_text
    assert await dose_status(live_bot) == "missed"

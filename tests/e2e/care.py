"""Helpers for the care end-to-end tests: people, clocks and waiting for what Telegram shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time

from sqlalchemy import func, select, update

from bot.clock import FakeClock
from bot.db.models import Alert, OutboxMessage, Patient
from bot.domain.schedules import Plan, PlanKind
from bot.services.clinics import add_staff
from tests.e2e.conftest import LiveBot
from tests.fakes.bot_api import SentMessage
from tests.support import make_patient, new_clinic

DAILY_8AM = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))


def clock(bot: LiveBot) -> FakeClock:
    assert isinstance(bot.ctx.clock, FakeClock)
    return bot.ctx.clock


async def eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def drained(bot: LiveBot) -> None:
    """Until the periodic work has seen the clock's new time and the outbox has nothing left
    to send, so the next move of the clock cannot race either.

    The JobQueue's own runs are awaited until each clock job has had one that began after this
    call (a run that began earlier may still be working with the old time), however late a
    loaded machine starts it.
    """
    await bot.job_runs.wait_after(bot.job_runs.now())
    for _ in range(300):
        async with bot.ctx.sessions() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            )
        if not pending:
            await bot.api.wait_idle(quiet=0.3)
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain")


async def say(bot: LiveBot, chat: int, text: str, expect: int = 1) -> list[SentMessage]:
    mark = bot.api.mark(chat)
    await bot.api.send_text(chat, text)
    return await bot.api.wait_for_new(chat, mark, count=expect)


async def tap_and_wait_edit(bot: LiveBot, chat: int, label: str, message: SentMessage) -> str:
    """Tap a button on ``message`` and wait until that message shows something new."""
    before = len(message.history)
    await bot.api.tap(chat, label, message)
    await eventually(lambda: len(bot.api.message(chat, message.message_id).history) > before, label)
    return bot.api.message(chat, message.message_id).plain_text or ""


class Clinic:
    """A clinic with staff, and a way to enrol patients in it."""

    def __init__(self, bot: LiveBot, clinic_id: int, code: str) -> None:
        self.bot, self.id, self.code = bot, clinic_id, code

    @classmethod
    async def make(cls, bot: LiveBot, name: str = "Northside Clinic") -> Clinic:
        clinic = await new_clinic(bot.ctx, name)
        return cls(bot, clinic.id, clinic.invite_code)

    async def staff(self, telegram_id: int, name: str) -> int:
        made = await add_staff(
            self.bot.ctx.sessions,
            self.bot.ctx.clock,
            telegram_user_id=telegram_id,
            name=name,
            clinic_code=self.code,
        )
        return made.id

    async def patient(
        self, chat: int, name: str, plan: Plan = DAILY_8AM, **patient_fields: object
    ) -> tuple[int, int]:
        ids = await make_patient(self.bot.ctx, plan, chat_id=chat, clinic_id=self.id, name=name)
        if patient_fields:
            async with self.bot.ctx.sessions.begin() as session:
                await session.execute(
                    update(Patient).where(Patient.id == ids[0]).values(**patient_fields)
                )
        return ids


async def alerts(bot: LiveBot) -> list[Alert]:
    async with bot.ctx.sessions() as session:
        return list(await session.scalars(select(Alert).order_by(Alert.id)))


def first_text(message: SentMessage) -> str:
    """What a message said when it arrived, before any edits."""
    return (message.history[0].text if message.history else message.plain_text) or ""


def cards(bot: LiveBot, staff_chat: int) -> list[SentMessage]:
    """Alert cards a staff member has received, oldest first."""
    return [m for m in bot.api.sent(staff_chat) if "Open since" in first_text(m)]


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)

"""Through the real inbox, both databases (issue 14, item 10): the terminal chat records the
craving that was typed, and the crisis log line says an alert was raised only when one was."""

from __future__ import annotations

import logging
from datetime import time

import pytest
from sqlalchemy import select

from bot.chat_cli import TerminalChat
from bot.db.models import Alert, CheckIn
from bot.domain.schedules import Plan, PlanKind
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from tests.support import make_patient

CHAT = 4242
PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))


@pytest.mark.parametrize("typed", [0, 1, 8, 9, 10])
async def test_terminal_chat_records_the_craving_typed(ctx: AppContext, typed: int) -> None:
    await make_patient(ctx, PLAN, chat_id=CHAT)
    said: list[str] = []
    chat = TerminalChat(Inbox(ctx), Sender(CHAT, "Pat"), said.append)
    await chat.handle("/checkin")
    assert "How strong are your cravings" in "\n".join(said)
    said.clear()
    await chat.handle(str(typed))
    assert f"Craving {typed}/10" in "\n".join(said)
    async with ctx.sessions() as session:
        [check_in] = list(await session.scalars(select(CheckIn)))
    assert check_in.craving == typed


async def test_terminal_chat_still_taps_other_buttons_by_position(ctx: AppContext) -> None:
    await make_patient(ctx, PLAN, chat_id=CHAT)
    said: list[str] = []
    chat = TerminalChat(Inbox(ctx), Sender(CHAT, "Pat"), said.append)
    await chat.handle("/checkin")
    await chat.handle("9")
    assert "[1] 😞 Very low" in "\n".join(said)  # the mood buttons are numbered from 1
    await chat.handle("4")
    async with ctx.sessions() as session:
        [check_in] = list(await session.scalars(select(CheckIn)))
    assert (check_in.craving, check_in.mood) == (9, 4)


async def test_crisis_log_says_alert_raised_only_when_one_was_opened(
    ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    await make_patient(ctx, PLAN, chat_id=CHAT)
    inbox = Inbox(ctx)
    caplog.set_level(logging.INFO, logger="bot")
    await inbox.text(Sender(CHAT), "i want to kill myself")
    first = [r.getMessage() for r in caplog.records if r.name == "bot.services.inbox"]
    caplog.clear()
    await inbox.text(Sender(CHAT), "i want to kill myself")
    second = [r.getMessage() for r in caplog.records if r.name == "bot.services.inbox"]
    async with ctx.sessions() as session:
        [alert] = list(await session.scalars(select(Alert)))
    assert alert.occurrences == 2  # one alert, counted twice
    assert first == ["crisis alert raised"]
    assert second and not any("alert raised" in line for line in second), second
    assert any("open" in line for line in second), second

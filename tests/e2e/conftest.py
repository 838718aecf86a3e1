"""A running bot: the real python-telegram-bot Application, polling the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.clock import FakeClock
from bot.runtime import app_context
from bot.services.context import AppContext
from bot.telegram.app import build_application, serve
from bot.telegram.handlers import SORRY
from jobs.sender import OutboxSender, sender_bot
from tests.conftest import TEST_TOKEN, make_settings
from tests.fakes.bot_api import FakeBotApi


@dataclass
class LiveBot:
    ctx: AppContext
    api: FakeBotApi


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def live_bot(db_url: str, clock: FakeClock, fake_api: FakeBotApi) -> AsyncIterator[LiveBot]:
    settings = make_settings(
        db_url,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base_url=fake_api.base_url,
        tick_seconds=0.2,
    )
    # The same pieces `recovery-bot run` starts: the application (with its jobs) and the sender.
    async with app_context(settings, clock) as ctx, sender_bot(settings) as bot:
        application = build_application(ctx)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(application, stop))
        sending = asyncio.create_task(OutboxSender(ctx, bot).run(stop))
        await fake_api.wait_for_call("getUpdates", timeout=10)
        try:
            yield LiveBot(ctx, fake_api)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(task, sending), timeout=15)
    fake_api.assert_no_unknown_calls()
    for call in fake_api.calls_to("sendMessage"):
        assert call.params.get("text") != SORRY, "a handler failed during the test"

"""Fixtures for the sender's tests: the fake Bot API server and senders talking to it."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import telegram
from telegram.request import HTTPXRequest

from bot.services.context import AppContext
from jobs.sender import OutboxSender
from tests.conftest import TEST_TOKEN
from tests.fakes.bot_api import FakeBotApi


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


SenderFactory = Callable[..., OutboxSender]


@pytest.fixture
async def make_sender(ctx: AppContext, api: FakeBotApi) -> AsyncIterator[SenderFactory]:
    """``make_sender(per_second=..., per_chat=..., read_timeout=..., **OutboxSender kwargs)``."""
    bots: list[telegram.Bot] = []

    def factory(
        *,
        per_second: float = 500.0,
        per_chat: float = 200.0,
        # A send that outlives this is retried, and sent twice if the fake did receive it: on a
        # busy 2-core machine a 100 ms call can take seconds, so only tests of timeouts go short.
        read_timeout: float = 30.0,
        **kwargs: Any,
    ) -> OutboxSender:
        settings = ctx.settings.model_copy(
            update={
                "send_rate_per_second": per_second,
                "send_rate_per_chat_per_second": per_chat,
            }
        )
        bot = telegram.Bot(
            TEST_TOKEN,
            base_url=api.base_url,
            request=HTTPXRequest(read_timeout=read_timeout, connection_pool_size=64),
        )
        bots.append(bot)
        kwargs.setdefault("rng", random.Random(7))
        return OutboxSender(dataclasses.replace(ctx, settings=settings), bot, **kwargs)

    yield factory
    for bot in bots:
        await bot.shutdown()

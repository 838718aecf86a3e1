"""What the SMS webhook tests share: Twilio's side of the webhook app, and logs at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest

from bot.logs import THIRD_PARTY_FLOORS
from bot.services.context import AppContext
from bot.sms.webhook import create_app


@asynccontextmanager
async def webhook_client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    """The webhook app through httpx's ASGI transport. The address the requests arrive at is
    not the public one (SMS_PUBLIC_URL): only the latter is signed, as behind a proxy."""
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5:8082") as http:
        yield http


@contextmanager
def logging_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything logged at DEBUG, as `run` logs with LOG_LEVEL=DEBUG: the libraries that log
    SQL parameters or request bodies below a floor stay at that floor (bot.logs)."""
    saved = {name: logging.getLogger(name).level for name in THIRD_PARTY_FLOORS}
    for name, floor in THIRD_PARTY_FLOORS.items():
        logging.getLogger(name).setLevel(floor)
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)

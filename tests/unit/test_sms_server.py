"""`run` listens for Twilio only when SMS is configured (issue 16, step 3), and the listener
serves the signed webhooks over real HTTP until told to stop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.cli import _sms_listener
from bot.clock import FakeClock
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.runtime import app_context
from bot.services.clinics import OperatorError
from bot.services.context import AppContext
from bot.sms.server import SmsListener, listen_address
from bot.sms.webhook import STATUS_PATH
from tests.conftest import START, make_settings

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "fedcba9876543210" * 2  # the shape of an Auth Token; not a real one
PUBLIC = "https://bot.example-clinic.org"
SMS = {
    "twilio_account_sid": SID,
    "twilio_auth_token": TOKEN,
    "twilio_from_number": "+14155550100",
    "sms_public_url": PUBLIC,
}


def _settings(tmp_path: Path, **values: object) -> Settings:
    return make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", **values)


@pytest.fixture
async def sms_ctx(tmp_path: Path) -> AsyncIterator[AppContext]:
    # Port 0: any free port (model_copy skips the validation that refuses 0 from an operator).
    settings = _settings(tmp_path, **SMS).model_copy(
        update={"webhook_listen": "127.0.0.1", "sms_webhook_port": 0}
    )
    # A receipt is looked up in the outbox (step 4), so the database has the schema.
    await upgrade(settings.database_url)
    async with app_context(settings, FakeClock(START)) as ctx:
        yield ctx


def test_no_listener_without_sms(tmp_path: Path) -> None:
    assert listen_address(_settings(tmp_path)) is None


def test_the_listener_address_with_sms(tmp_path: Path) -> None:
    settings = _settings(tmp_path, **SMS, sms_webhook_port=9090, webhook_listen="127.0.0.1")
    assert listen_address(settings) == ("127.0.0.1", 9090)
    assert listen_address(_settings(tmp_path, **SMS)) == ("0.0.0.0", 8082)


async def test_run_opens_nothing_when_sms_is_off(tmp_path: Path) -> None:
    async with app_context(_settings(tmp_path), FakeClock(START)) as ctx:
        assert _sms_listener(ctx) is None


async def test_run_serves_twilio_when_sms_is_on(sms_ctx: AppContext) -> None:
    listener = _sms_listener(sms_ctx)
    assert listener is not None
    host, port = listener.sock.getsockname()[:2]
    stop = asyncio.Event()
    serving = asyncio.create_task(listener.serve(stop))
    # The socket listens already: a request made now waits in its backlog, never refused.
    receipt = {"MessageSid": "SM" + "4" * 32, "MessageStatus": "delivered"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + STATUS_PATH, receipt)
    try:
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as http:
            signed = await http.post(
                STATUS_PATH, data=receipt, headers={"X-Twilio-Signature": signature}
            )
            forged = await http.post(
                STATUS_PATH, data=receipt, headers={"X-Twilio-Signature": "forged"}
            )
    finally:
        stop.set()
        await serving
    assert (signed.status_code, forged.status_code) == (204, 403)
    assert listener.sock.fileno() == -1  # closed once stopped


async def test_a_port_in_use_stops_run_with_one_line(sms_ctx: AppContext) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        with pytest.raises(OperatorError, match="SMS_WEBHOOK_PORT"):
            SmsListener.bind(sms_ctx, "127.0.0.1", port)
    finally:
        taken.close()

"""What the SMS dispatch and enrolment tests share (issue 16): the fake Twilio and Bot API,
an app context with SMS on, the outbox sender with a real gateway, the signed webhook, and the
helpers that read what happened. Its fixtures are registered for every test (tests/conftest.py,
``pytest_plugins``); a module's own fixture of the same name wins.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import telegram
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.clock import FakeClock
from bot.config import Settings
from bot.db.models import (
    DoseEvent,
    OutboxMessage,
    Patient,
    SmsContact,
)
from bot.domain.replies import Button, Reply
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.services import outbox, sms_contacts
from bot.services.context import AppContext
from bot.sms.gateway import TwilioGateway
from bot.sms.webhook import INBOUND_PATH, STATUS_PATH
from jobs.sender import OutboxSender
from tests.conftest import TEST_TOKEN, make_settings
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.integration.sms_support import logging_at_debug, webhook_client
from tests.support import make_patient

PUBLIC = "https://bot.example-clinic.org"
PHONE = "+14155552671"
OTHER_PHONE = "+12125550187"
PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
INJECTION = Plan(
    PlanKind.MONTHLY_INJECTION, "America/Chicago", (time(9, 0),), injection_date=date(2026, 11, 27)
)
DUE = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # Thu 08:00 in Chicago
CHAT = 7_300_001
REMINDER = "08:00: time for your routine.\nReply 1 taken, 2 snooze 30 min, 3 skip"


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as fake:
        yield fake


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def sms_settings(db_url: str, twilio: FakeTwilioApi, **overrides: Any) -> Settings:
    """Settings with SMS on through the fake Twilio (50 texts a second unless overridden)."""
    values: dict[str, Any] = {
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_from_number": twilio.from_number,
        "twilio_api_base_url": twilio.base_url,
        "sms_public_url": PUBLIC,
        "sms_rate_per_number_per_second": 50.0,
    }
    return make_settings(db_url, **{**values, **overrides})


@pytest.fixture
async def sms_ctx(
    db_url: str, clock: FakeClock, twilio: FakeTwilioApi
) -> AsyncIterator[AppContext]:
    async with app_context(sms_settings(db_url, twilio), clock) as context:
        yield context


@pytest.fixture
async def gateway(sms_ctx: AppContext) -> AsyncIterator[TwilioGateway]:
    async with TwilioGateway.from_settings(sms_ctx.settings) as made:
        yield made


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    made = telegram.Bot(TEST_TOKEN, base_url=api.base_url)
    yield made
    await made.shutdown()


@pytest.fixture
def sender(sms_ctx: AppContext, bot: telegram.Bot, gateway: TwilioGateway) -> OutboxSender:
    return OutboxSender(sms_ctx, bot, sms=gateway, rng=random.Random(7))


@pytest.fixture
async def client(sms_ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    async with webhook_client(sms_ctx) as http:
        yield http


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with logging_at_debug(caplog) as logs:
        yield logs


# ------------------------------------------------------------------------------ helpers


def clock_of(ctx: AppContext) -> FakeClock:
    assert isinstance(ctx.clock, FakeClock)
    return ctx.clock


async def texting_patient(
    ctx: AppContext,
    phone: str = PHONE,
    *,
    chat_id: int = CHAT,
    lang: str = "en",
    plan: Plan = PLAN,
    clinic_id: int | None = None,
) -> int:
    """An enrolled patient who gave ``phone`` and prefers texts; returns their id."""
    patient_id, _ = await make_patient(ctx, plan, chat_id=chat_id, clinic_id=clinic_id)
    async with ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        patient.language = lang
        await sms_contacts.set_phone(session, patient, phone, ctx.clock.now())
    return patient_id


async def queue(
    ctx: AppContext,
    chat_id: int,
    text: str,
    buttons: tuple[tuple[Button, ...], ...] = (),
    **extra: object,
) -> int:
    async with ctx.sessions.begin() as session:
        message = outbox.enqueue(
            session,
            chat_id=chat_id,
            kind="test",
            payload=outbox.payload_for(Reply(text, buttons), **extra),
            now=ctx.clock.now(),
        )
        await session.flush()
        return message.id


async def row(ctx: AppContext, outbox_id: int) -> OutboxMessage:
    async with ctx.sessions() as session:
        found = await session.get(OutboxMessage, outbox_id)
        assert found is not None
        return found


async def rows(ctx: AppContext) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def the_dose(ctx: AppContext) -> DoseEvent:
    async with ctx.sessions() as session:
        [dose] = list(await session.scalars(select(DoseEvent)))
        return dose


async def the_patient(ctx: AppContext, patient_id: int) -> Patient:
    async with ctx.sessions() as session:
        found = await session.get(Patient, patient_id)
        assert found is not None
        return found


async def the_contact(ctx: AppContext, phone: str = PHONE) -> SmsContact | None:
    async with ctx.sessions() as session:
        found: SmsContact | None = await session.scalar(
            select(SmsContact).where(SmsContact.phone == phone)
        )
        return found


async def remind(ctx: AppContext, sender: OutboxSender) -> OutboxMessage:
    """Run the tick at the dose time and the sender once: the reminder, sent."""
    from jobs.tick import tick

    clock_of(ctx).set(DUE)
    await tick(ctx)
    assert await sender.drain_once() == 1
    [reminder] = [m for m in await rows(ctx) if m.kind == "reminder"]
    return reminder


def signed(sms_ctx: AppContext, path: str, form: dict[str, str]) -> dict[str, str]:
    token = sms_ctx.settings.twilio_auth_token
    assert token is not None
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(PUBLIC + path, form)}


async def text_in(
    sms_ctx: AppContext, client: httpx.AsyncClient, body: str, from_: str = PHONE
) -> list[str]:
    """An inbound text, as Twilio posts it; the texts of the TwiML answer."""
    form = {"AccountSid": "AC" + "0" * 32, "Body": body, "From": from_, "To": "+14155550100"}
    answer = await client.post(INBOUND_PATH, data=form, headers=signed(sms_ctx, INBOUND_PATH, form))
    assert answer.status_code == 200, answer.text
    return [child.text or "" for child in ElementTree.fromstring(answer.content)]


async def receipt(
    sms_ctx: AppContext,
    client: httpx.AsyncClient,
    sid: str,
    status: str,
    error_code: int | None = None,
) -> int:
    form = {"MessageSid": sid, "MessageStatus": status, "SmsSid": sid, "SmsStatus": status}
    if error_code is not None:
        form["ErrorCode"] = str(error_code)
    answer = await client.post(STATUS_PATH, data=form, headers=signed(sms_ctx, STATUS_PATH, form))
    return answer.status_code

"""Inbound texts through Twilio's webhook (issue 16, step 3), on both databases.

Every request goes through the ASGI app as Twilio sends it: a urlencoded form signed with
``X-Twilio-Signature`` by the ``twilio`` library's own ``RequestValidator``, for the public URL
(SMS_PUBLIC_URL + path), not the URL the test client calls. What is checked is what a patient
and a compliance review see: the TwiML that comes back, and what is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.clock import FakeClock
from bot.db.models import SmsContact
from bot.domain.triage import CrisisKind, crisis_reply
from bot.i18n import t
from bot.runtime import app_context
from bot.safety import texts as safety_texts
from bot.services import sms_inbound
from bot.services.context import AppContext
from bot.sms.webhook import INBOUND_PATH, STATUS_PATH, create_app
from tests.conftest import make_settings
from tests.integration.sms_support import logging_at_debug, webhook_client
from tests.support import new_clinic, table_counts

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "fedcba9876543210" * 2  # the shape of an Auth Token; not a real one
PUBLIC = "https://bot.example-clinic.org"
OUR_NUMBER = "+14155550100"
PATIENT = "+14155552671"
OTHER = "+12125550187"


@pytest.fixture
async def sms_ctx(db_url: str, clock: FakeClock) -> AsyncIterator[AppContext]:
    settings = make_settings(
        db_url,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=OUR_NUMBER,
        sms_public_url=PUBLIC,
    )
    async with app_context(settings, clock) as context:
        yield context


@pytest.fixture
async def client(sms_ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    async with webhook_client(sms_ctx) as http:
        yield http


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with logging_at_debug(caplog) as logs:
        yield logs


def inbound_form(from_: str, body: str) -> dict[str, str]:
    return {
        "AccountSid": SID,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": from_,
        "MessageSid": "SM" + "1" * 32,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "To": OUR_NUMBER,
    }


def signed(path: str, form: dict[str, str], *, url: str | None = None) -> dict[str, str]:
    signature = RequestValidator(TOKEN).compute_signature(url or PUBLIC + path, form)
    return {"X-Twilio-Signature": signature}


async def text(client: httpx.AsyncClient, body: str, from_: str = PATIENT) -> list[str]:
    """Send ``body`` as an inbound text; the texts of the TwiML answer."""
    form = inbound_form(from_, body)
    answer = await client.post(INBOUND_PATH, data=form, headers=signed(INBOUND_PATH, form))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(answer.content)
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)
    return [child.text or "" for child in root]


async def contact(ctx: AppContext, phone: str = PATIENT) -> SmsContact | None:
    async with ctx.sessions() as session:
        found: SmsContact | None = await session.scalar(
            select(SmsContact).where(SmsContact.phone == phone)
        )
        return found


# Refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "forged"},
        # Signed, but for the address it arrived at rather than the public one.
        "local-url",
        # Signed with another account's token.
        "other-token",
    ],
)
async def test_a_missing_or_invalid_signature_is_refused_and_changes_nothing(
    sms_ctx: AppContext, client: httpx.AsyncClient, headers: dict[str, str] | str
) -> None:
    before = await table_counts(sms_ctx)
    for body in ("STOP", "I want to die", "HELP"):
        form = inbound_form(PATIENT, body)
        if headers == "local-url":
            sent = signed(INBOUND_PATH, form, url="http://10.0.0.5:8082" + INBOUND_PATH)
        elif headers == "other-token":
            sent = {
                "X-Twilio-Signature": RequestValidator("0" * 32).compute_signature(
                    PUBLIC + INBOUND_PATH, form
                )
            }
        else:
            assert isinstance(headers, dict)
            sent = headers
        answer = await client.post(INBOUND_PATH, data=form, headers=sent)
        assert answer.status_code == 403
        assert answer.content == b""  # no TwiML: nothing is sent to anyone
    receipt = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    answer = await client.post(STATUS_PATH, data=receipt, headers={"X-Twilio-Signature": "x"})
    assert answer.status_code == 403
    assert await table_counts(sms_ctx) == before


async def test_a_signed_form_altered_on_the_way_is_refused(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    form = inbound_form(PATIENT, "HELP")
    headers = signed(INBOUND_PATH, form)
    answer = await client.post(INBOUND_PATH, data={**form, "Body": "STOP"}, headers=headers)
    assert answer.status_code == 403
    assert await contact(sms_ctx) is None


@pytest.mark.parametrize("from_", ["", "not a number", "12345", "+1 555 01"])
async def test_a_sender_that_is_not_a_phone_number_is_refused(
    sms_ctx: AppContext, client: httpx.AsyncClient, from_: str
) -> None:
    before = await table_counts(sms_ctx)
    form = inbound_form(from_, "STOP")
    answer = await client.post(INBOUND_PATH, data=form, headers=signed(INBOUND_PATH, form))
    assert answer.status_code == 400
    assert await table_counts(sms_ctx) == before


# STOP, START, HELP -------------------------------------------------------------------------


@pytest.mark.parametrize("stop", ["STOP", "stop", "Unsubscribe.", "PARAR"])
async def test_stop_records_the_opt_out_and_answers_nothing(
    sms_ctx: AppContext, client: httpx.AsyncClient, stop: str
) -> None:
    assert await text(client, stop) == []
    found = await contact(sms_ctx)
    assert found is not None
    assert found.opted_out_at == sms_ctx.clock.now()
    assert found.language == ("es" if stop == "PARAR" else "en")
    # Nothing more, whatever they send, until START; a second STOP changes nothing either.
    for body in ("HELP", "hello", "2", "STOP"):
        assert await text(client, body) == []
    async with sms_ctx.sessions() as session:
        assert len(list(await session.scalars(select(SmsContact)))) == 1


async def test_start_clears_the_opt_out_and_confirms_in_one_text(
    sms_ctx: AppContext, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    assert await text(client, "STOP") == []
    clock.advance(timedelta(days=2))
    assert await text(client, "Start") == [t("en", sms_inbound.OPTED_IN)]
    found = await contact(sms_ctx)
    assert found is not None
    assert found.opted_out_at is None and found.opted_in_at == clock.now()
    assert await text(client, "hello") == [t("en", sms_inbound.INVITATION)]


async def test_start_answers_in_spanish_to_a_number_that_stopped_in_spanish(
    client: httpx.AsyncClient,
) -> None:
    assert await text(client, "¡PARAR!") == []
    [confirmation] = await text(client, "START")
    assert confirmation == t("es", sms_inbound.OPTED_IN)
    assert "PARAR" in confirmation


async def test_start_from_a_number_we_never_heard_from(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    assert await text(client, "UNSTOP", from_=OTHER) == [t("en", sms_inbound.OPTED_IN)]
    found = await contact(sms_ctx, OTHER)
    assert found is not None and found.opted_out_at is None


@pytest.mark.parametrize(
    ("keyword", "lang", "how_to_stop"),
    [
        ("HELP", "en", "Reply STOP to stop"),
        ("info", "en", "Reply STOP to stop"),
        ("¡Ayuda!", "es", "Responda PARAR para dejar de recibir mensajes"),
    ],
)
async def test_help_says_who_we_are_how_to_stop_and_988(
    sms_ctx: AppContext, client: httpx.AsyncClient, keyword: str, lang: str, how_to_stop: str
) -> None:
    [reply] = await text(client, keyword)
    assert reply == t(lang, sms_inbound.HELP)
    assert how_to_stop in reply and "988" in reply
    assert await contact(sms_ctx) is None  # asking for help stores nothing


async def test_help_names_the_clinic_of_a_number_linked_to_one(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    clinic = await new_clinic(sms_ctx, "Northside Clinic")
    now = sms_ctx.clock.now()
    async with sms_ctx.sessions.begin() as session:
        session.add(
            SmsContact(
                phone=PATIENT, clinic_id=clinic.id, language="es", created_at=now, updated_at=now
            )
        )
    [reply] = await text(client, "HELP")
    assert reply.startswith("Northside Clinic: ")
    assert reply == t("es", sms_inbound.HELP_FOR_CLINIC, clinic="Northside Clinic")
    assert "PARAR" in reply and "988" in reply


# Free text and numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ("me quiero morir", "es"),
        ("ya no aguanto, me quiero morir", "es"),
        ("I want to die", "en"),
    ],
)
async def test_a_crisis_gets_the_crisis_reply_in_its_language_at_once(
    client: httpx.AsyncClient, body: str, lang: str
) -> None:
    [reply] = await text(client, body)
    assert reply == crisis_reply(CrisisKind.SUICIDE_SELF_HARM, care_team_told=False, lang=lang)
    assert "988" in reply and "911" in reply
    # Nobody is linked to staff yet: the reply must not promise a call that is not coming.
    assert t(lang, "Your care team has been told and will reach out to you.") not in reply
    if lang == "es":
        assert "Por favor llame" in reply


async def test_a_crisis_from_a_spanish_contact_written_without_words_to_go_by(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    now = sms_ctx.clock.now()
    async with sms_ctx.sessions.begin() as session:
        session.add(SmsContact(phone=PATIENT, language="es", created_at=now, updated_at=now))
    [reply] = await text(client, "SUICIDIO")
    assert reply == crisis_reply(CrisisKind.SUICIDE_SELF_HARM, care_team_told=False, lang="es")


async def test_an_ambiguous_message_gets_the_safety_question(client: httpx.AsyncClient) -> None:
    [reply] = await text(client, "I feel kind of hopeless lately")
    assert reply == t("en", safety_texts.PROMPT)
    assert "988" in reply and "911" in reply


async def test_anything_else_gets_the_invitation_text(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    assert await text(client, "hello") == [t("en", sms_inbound.INVITATION)]
    assert await text(client, "hola, quiero apuntarme") == [t("es", sms_inbound.INVITATION)]
    assert await text(client, "") == [t("en", sms_inbound.INVITATION)]  # a picture, say
    assert await contact(sms_ctx) is None


@pytest.mark.parametrize("body", ["2", "#2", " 2. "])
async def test_a_number_with_no_question_open(client: httpx.AsyncClient, body: str) -> None:
    [reply] = await text(client, body)
    assert reply == t("en", sms_inbound.NO_OPEN_QUESTION)
    assert "question open" in reply and "988" in reply


async def test_replies_are_escaped_as_xml(sms_ctx: AppContext, client: httpx.AsyncClient) -> None:
    clinic = await new_clinic(sms_ctx, "Smith & Jones <Recovery>")
    now = sms_ctx.clock.now()
    async with sms_ctx.sessions.begin() as session:
        session.add(SmsContact(phone=PATIENT, clinic_id=clinic.id, created_at=now, updated_at=now))
    form = inbound_form(PATIENT, "HELP")
    answer = await client.post(INBOUND_PATH, data=form, headers=signed(INBOUND_PATH, form))
    assert b"Smith &amp; Jones &lt;Recovery&gt;" in answer.content
    assert await text(client, "HELP") == [t("en", sms_inbound.HELP_FOR_CLINIC, clinic=clinic.name)]


# Receipts ----------------------------------------------------------------------------------


async def test_a_signed_receipt_is_acknowledged_and_logged_by_status_only(
    sms_ctx: AppContext, client: httpx.AsyncClient, debug_logs: pytest.LogCaptureFixture
) -> None:
    before = await table_counts(sms_ctx)
    receipt = {
        "AccountSid": SID,
        "From": OUR_NUMBER,
        "MessageSid": "SM" + "3" * 32,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "To": PATIENT,
    }
    answer = await client.post(STATUS_PATH, data=receipt, headers=signed(STATUS_PATH, receipt))
    assert answer.status_code == 204
    assert "undelivered" in debug_logs.text and "30003" in debug_logs.text
    assert PATIENT not in debug_logs.text and receipt["MessageSid"] not in debug_logs.text
    assert await table_counts(sms_ctx) == before


# Logs --------------------------------------------------------------------------------------


async def test_no_number_and_no_words_reach_the_logs(
    client: httpx.AsyncClient, debug_logs: pytest.LogCaptureFixture
) -> None:
    bodies = ["STOP", "START", "HELP", "AYUDA", "2", "hello", "me quiero morir", "I want to die"]
    for body in bodies:
        await text(client, body)
    form = inbound_form(OTHER, "STOP")
    await client.post(INBOUND_PATH, data=form, headers={"X-Twilio-Signature": "forged"})
    logged = debug_logs.text
    assert "opt-out" in logged and "help" in logged  # the log says what happened...
    for number in (PATIENT, OTHER):
        digits = number.lstrip("+")
        assert digits not in logged and digits[1:] not in logged  # ...never to whom
    for words in ("quiero morir", "want to die", "hello"):
        assert words not in logged


async def test_a_crisis_is_answered_when_the_contacts_cannot_be_read(
    tmp_path: Path, clock: FakeClock, debug_logs: pytest.LogCaptureFixture
) -> None:
    # A database without the table: every read of a contact fails.
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=OUR_NUMBER,
        sms_public_url=PUBLIC,
    )
    async with app_context(settings, clock) as ctx:
        transport = httpx.ASGITransport(app=create_app(ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://sms") as http:
            [reply] = await text(http, "me quiero morir")
            assert reply == crisis_reply(
                CrisisKind.SUICIDE_SELF_HARM, care_team_told=False, lang="es"
            )
            # STOP cannot be recorded: a 500, so Twilio logs the failure (and its own
            # opt-out handling still stops texts to the number).
            form = inbound_form(PATIENT, "STOP")
            answer = await http.post(INBOUND_PATH, data=form, headers=signed(INBOUND_PATH, form))
            assert answer.status_code == 500 and answer.content == b""
    assert "contact unreadable (OperationalError)" in debug_logs.text
    assert PATIENT.lstrip("+") not in debug_logs.text

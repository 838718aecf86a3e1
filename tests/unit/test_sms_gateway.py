"""The Twilio gateway against the fake Twilio REST API, over real HTTP on 127.0.0.1.

Nothing of ``twilio`` or of HTTP is mocked: the official library builds each request, our
transport sends it to the fake, and the answer comes back through the library's parsing. What
is checked is what the sender will act on: the exception class, ``retry_after``, the code.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.sms.gateway import (
    TWILIO_API,
    SentMessage,
    SmsAccountProblem,
    SmsError,
    SmsOptedOut,
    SmsRejected,
    SmsTransient,
    TwilioGateway,
    classify,
    retry_after_seconds,
)
from tests.fakes.twilio_api import FakeTwilioApi

NUMBER = "+14155552671"
DIGITS = "4155552671"
BODY = "Time for your naltrexone. Reply 1 taken, 2 snooze 30 min, 3 skip"
CALLBACK = "https://bot.example.org/sms/twilio/status"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as fake:
        yield fake


def make_gateway(twilio: FakeTwilioApi, **overrides: object) -> TwilioGateway:
    options: dict[str, object] = {
        "from_number": twilio.from_number,
        "api_base_url": twilio.base_url,
        "timeout": 10.0,
    }
    options.update(overrides)
    return TwilioGateway(twilio.account_sid, twilio.auth_token, **options)  # type: ignore[arg-type]


@pytest.fixture
async def gateway(twilio: FakeTwilioApi) -> AsyncIterator[TwilioGateway]:
    async with make_gateway(twilio) as gw:
        yield gw


# ---------------------------------------------------------------------------- sending


async def test_a_send_is_recorded_as_twilio_would(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    sent = await gateway.send(NUMBER, BODY, status_callback=CALLBACK)

    [message] = twilio.messages
    assert sent == SentMessage(sid=message.sid, status="queued", segments=1)
    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert (message.to, message.from_, message.body) == (NUMBER, twilio.from_number, BODY)
    assert message.status_callback == CALLBACK
    assert message.messaging_service_sid is None
    [request] = twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.auth == (twilio.account_sid, twilio.auth_token)
    assert request.form == {
        "To": NUMBER,
        "From": twilio.from_number,
        "Body": BODY,
        "StatusCallback": CALLBACK,
    }


async def test_without_a_status_callback_none_is_sent(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    await gateway.send(NUMBER, BODY)
    assert "StatusCallback" not in twilio.requests[0].form
    assert twilio.messages[0].status_callback is None


async def test_segments_are_twilios_count(twilio: FakeTwilioApi, gateway: TwilioGateway) -> None:
    long_gsm = "Recuerda tu dosis de hoy. " * 8  # 208 GSM-7 characters: two parts
    spanish = "¿Tomaste tu dosis? Responde 1 sí, 2 más tarde, 3 hoy no, gracias por decírnoslo"
    assert (await gateway.send(NUMBER, long_gsm)).segments == 2
    assert (await gateway.send(NUMBER, spanish)).segments == 2  # í makes it UCS-2: 70 a part
    assert [m.num_segments for m in twilio.messages] == [2, 2]


async def test_through_a_messaging_service(twilio: FakeTwilioApi) -> None:
    async with make_gateway(
        twilio, from_number=None, messaging_service_sid=twilio.messaging_service_sid
    ) as gateway:
        sent = await gateway.send(NUMBER, "Recuerda tu dosis de hoy. " * 8)
    [request] = twilio.requests
    assert request.form["MessagingServiceSid"] == twilio.messaging_service_sid
    assert "From" not in request.form
    # Twilio answers "accepted" and 0 segments until the service picks a sender: ours count.
    assert sent.status == "accepted"
    assert sent.segments == 2


async def test_concurrent_sends_share_the_gateway(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    numbers = [f"+1415555{n:04d}" for n in range(2670, 2678)]
    sent = await asyncio.gather(*(gateway.send(n, f"Hello {i}") for i, n in enumerate(numbers)))
    assert len({s.sid for s in sent}) == len(numbers)
    assert sorted(m.to for m in twilio.messages) == numbers


async def test_the_base_url_may_end_with_a_slash(twilio: FakeTwilioApi) -> None:
    async with make_gateway(twilio, api_base_url=twilio.base_url + "/") as gateway:
        await gateway.send(NUMBER, BODY)
    assert len(twilio.messages) == 1


async def test_twilio_region_and_edge_in_the_environment_do_not_move_requests(
    twilio: FakeTwilioApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The library reads these from os.environ by default and rewrites the host with them.
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    async with make_gateway(twilio) as gateway:
        await gateway.send(NUMBER, BODY)
    assert len(twilio.messages) == 1


async def test_the_gateway_works_again_in_a_new_event_loop_after_close(
    twilio: FakeTwilioApi,
) -> None:
    gateway = make_gateway(twilio)
    await gateway.send(NUMBER, BODY)
    await gateway.close()
    await gateway.send(NUMBER, BODY)  # a closed gateway opens a new connection pool
    await gateway.close()
    assert len(twilio.messages) == 2


# ---------------------------------------------------------------------------- transient faults


async def test_a_500_is_transient_and_the_next_attempt_goes_through(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    twilio.fail_next(500)
    with pytest.raises(SmsTransient) as caught:
        await gateway.send(NUMBER, BODY)
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (500, 20500, None)
    assert twilio.messages == []

    sent = await gateway.send(NUMBER, BODY)
    [message] = twilio.messages
    assert sent.sid == message.sid
    assert [r.status for r in twilio.requests] == [500, 201]


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_other_5xx_are_transient(
    twilio: FakeTwilioApi, gateway: TwilioGateway, status: int
) -> None:
    twilio.fail_next(status, times=2)
    for _ in range(2):
        with pytest.raises(SmsTransient) as caught:
            await gateway.send(NUMBER, BODY)
        assert caught.value.status == status
    await gateway.send(NUMBER, BODY)
    assert len(twilio.messages) == 1


async def test_a_429_carries_retry_after(twilio: FakeTwilioApi, gateway: TwilioGateway) -> None:
    twilio.fail_next(429, retry_after=3)
    with pytest.raises(SmsTransient) as caught:
        await gateway.send(NUMBER, BODY)
    assert caught.value.retry_after == 3.0
    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert twilio.messages == []


async def test_a_429_without_retry_after_leaves_the_backoff_to_the_sender(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    twilio.fail_next(429)
    with pytest.raises(SmsTransient) as caught:
        await gateway.send(NUMBER, BODY)
    assert caught.value.retry_after is None


async def test_a_503_with_retry_after_as_an_http_date(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    twilio.fail_next(503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")  # long past
    with pytest.raises(SmsTransient) as caught:
        await gateway.send(NUMBER, BODY)
    assert caught.value.retry_after == 0.0


async def test_a_dropped_connection_is_transient(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    twilio.drop_next()
    with pytest.raises(SmsTransient) as caught:
        await gateway.send(NUMBER, BODY)
    assert caught.value.status is None and caught.value.retry_after is None
    assert twilio.messages == []
    await gateway.send(NUMBER, BODY)
    assert len(twilio.messages) == 1


async def test_a_lost_answer_is_transient_although_twilio_took_the_text(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    # The documented price of never losing a text: the retry will deliver it twice.
    twilio.drop_next(after_accepting=True)
    with pytest.raises(SmsTransient):
        await gateway.send(NUMBER, BODY)
    assert [m.body for m in twilio.messages] == [BODY]


async def test_a_timeout_is_transient(twilio: FakeTwilioApi) -> None:
    twilio.hang_next()
    async with make_gateway(twilio, timeout=0.5) as gateway:
        with pytest.raises(SmsTransient, match="timed out"):
            await gateway.send(NUMBER, BODY)
        assert twilio.messages == []
        # On a very busy machine the client may give up before the fake saw the request.
        twilio.clear_faults()
        await gateway.send(NUMBER, BODY)
    assert len(twilio.messages) == 1


async def test_a_refused_connection_is_transient(twilio: FakeTwilioApi) -> None:
    gateway = make_gateway(twilio)
    await twilio.stop()
    try:
        with pytest.raises(SmsTransient, match="connection failed"):
            await gateway.send(NUMBER, BODY)
    finally:
        await gateway.close()


# ---------------------------------------------------------------------------- refusals


async def test_21610_means_the_number_opted_out(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    twilio.reject_next(21610)
    with pytest.raises(SmsOptedOut) as caught:
        await gateway.send(NUMBER, BODY)
    assert (caught.value.status, caught.value.code) == (400, 21610)
    assert not isinstance(caught.value, SmsRejected | SmsTransient)


async def test_a_number_that_replied_stop_to_the_carrier_stays_opted_out_until_start(
    twilio: FakeTwilioApi, gateway: TwilioGateway
) -> None:
    twilio.opt_out(NUMBER)
    for _ in range(2):
        with pytest.raises(SmsOptedOut):
            await gateway.send(NUMBER, BODY)
    await gateway.send("+14155552672", BODY)  # others are unaffected
    twilio.opt_in(NUMBER)
    await gateway.send(NUMBER, BODY)
    assert [m.to for m in twilio.messages] == ["+14155552672", NUMBER]


@pytest.mark.parametrize(
    ("to", "error", "code", "number_problem"),
    [
        # Twilio's magic test numbers.
        ("+15005550001", SmsRejected, 21211, True),
        ("+15005550002", SmsRejected, 21612, True),
        ("+15005550003", SmsRejected, 21408, False),
        ("+15005550004", SmsOptedOut, 21610, None),
        ("+15005550009", SmsRejected, 21614, True),
        ("4155552671", SmsRejected, 21211, True),  # not E.164
    ],
)
async def test_refusals_by_number(
    gateway: TwilioGateway, to: str, error: type[SmsError], code: int, number_problem: bool | None
) -> None:
    with pytest.raises(error) as caught:
        await gateway.send(to, BODY)
    assert caught.value.code == code and caught.value.status == 400
    if number_problem is not None:
        assert isinstance(caught.value, SmsRejected)
        assert caught.value.number_problem is number_problem


@pytest.mark.parametrize("code", [21211, 21408, 21614])
async def test_scripted_rejections_are_not_transient(
    twilio: FakeTwilioApi, gateway: TwilioGateway, code: int
) -> None:
    twilio.reject_next(code)
    with pytest.raises(SmsRejected) as caught:
        await gateway.send(NUMBER, BODY)
    assert caught.value.code == code
    assert not isinstance(caught.value, SmsTransient)


async def test_an_empty_body_is_rejected(gateway: TwilioGateway) -> None:
    with pytest.raises(SmsRejected) as caught:
        await gateway.send(NUMBER, "")
    assert caught.value.code == 21602


async def test_a_wrong_auth_token_is_an_account_problem(twilio: FakeTwilioApi) -> None:
    async with TwilioGateway(
        twilio.account_sid,
        "0" * 32,
        from_number=twilio.from_number,
        api_base_url=twilio.base_url,
    ) as gateway:
        with pytest.raises(SmsAccountProblem) as caught:
            await gateway.send(NUMBER, BODY)
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert twilio.messages == []


async def test_an_unknown_account_sid_is_an_account_problem(twilio: FakeTwilioApi) -> None:
    async with TwilioGateway(
        "AC" + "1" * 32, twilio.auth_token, from_number=NUMBER, api_base_url=twilio.base_url
    ) as gateway:
        with pytest.raises(SmsAccountProblem) as caught:
            await gateway.send(NUMBER, BODY)
    assert caught.value.code == 20003


# ---------------------------------------------------------------------------- privacy


async def test_no_token_body_or_full_number_in_logs_or_errors(
    twilio: FakeTwilioApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the library's and aiohttp's included
    secret_words = "my cravings are bad tonight"
    errors: list[SmsError] = []
    async with make_gateway(twilio) as gateway:
        await gateway.send(NUMBER, secret_words, status_callback=CALLBACK)
        twilio.fail_next(429, retry_after=2)
        twilio.reject_next(21211)  # Twilio's message for this one quotes the number
        twilio.reject_next(21610)
        twilio.drop_next()
        for _ in range(4):
            with pytest.raises(SmsError) as caught:
                await gateway.send(NUMBER, secret_words)
            errors.append(caught.value)
        assert "+1 ••• ••• ••71" in caplog.text  # masked numbers are what is logged
        shown = caplog.text + "".join(f"{e!s}{e!r}" for e in errors) + repr(gateway)

    credentials = f"{twilio.account_sid}:{twilio.auth_token}".encode()
    for secret in (twilio.auth_token, base64.b64encode(credentials).decode()):
        assert secret not in shown
    assert secret_words not in shown
    assert DIGITS not in shown and NUMBER not in shown
    assert "HTTP 400, Twilio error 21211: invalid 'To' number" in str(errors[1])


# ---------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    "options",
    [
        {"from_number": "+15005550006", "messaging_service_sid": "MG" + "0" * 32},
        {"from_number": None, "messaging_service_sid": None},
        {"from_number": "", "messaging_service_sid": ""},
    ],
)
def test_a_from_number_or_a_messaging_service_not_both(options: dict[str, str | None]) -> None:
    with pytest.raises(ValueError, match="not both or neither"):
        TwilioGateway("AC" + "0" * 32, "0" * 32, **options)


@pytest.mark.parametrize(
    ("sid", "token", "options"),
    [
        ("", "0" * 32, {}),
        ("AC" + "0" * 32, "", {}),
        ("AC" + "0" * 32, "0" * 32, {"api_base_url": "api.twilio.com"}),
        ("AC" + "0" * 32, "0" * 32, {"timeout": 0}),
    ],
)
def test_other_construction_mistakes(sid: str, token: str, options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TwilioGateway(sid, token, from_number="+15005550006", **options)  # type: ignore[arg-type]


def test_from_settings() -> None:
    settings = Settings(
        twilio_account_sid="AC" + "ab" * 16,
        twilio_auth_token="cd" * 16,
        twilio_messaging_service_sid="MG" + "ef" * 16,
        twilio_api_base_url="http://127.0.0.1:9/",
        sms_public_url="https://bot.example-clinic.org",
    )
    gateway = TwilioGateway.from_settings(settings)
    assert gateway.account_sid == "AC" + "ab" * 16
    assert gateway.messaging_service_sid == "MG" + "ef" * 16 and gateway.from_number is None
    assert gateway.api_base_url == "http://127.0.0.1:9"
    assert "cd" * 16 not in repr(gateway)
    assert (
        TwilioGateway.from_settings(
            settings.model_copy(
                update={"twilio_messaging_service_sid": None, "twilio_from_number": "+15005550006"}
            )
        ).api_base_url
        == "http://127.0.0.1:9"
    )
    with pytest.raises(ValueError, match="not configured"):
        TwilioGateway.from_settings(Settings(twilio_account_sid=None))


def test_the_default_base_url_is_twilios() -> None:
    gateway = TwilioGateway("AC" + "0" * 32, "0" * 32, from_number="+15005550006")
    assert gateway.api_base_url == TWILIO_API == "https://api.twilio.com"


# ---------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (500, 20500, SmsTransient),
        (503, None, SmsTransient),
        (429, 20429, SmsTransient),
        (400, 21610, SmsOptedOut),
        (400, 21211, SmsRejected),
        (400, None, SmsRejected),
        (403, 21408, SmsRejected),
        (401, 20003, SmsAccountProblem),
        (401, None, SmsAccountProblem),
        (404, 20404, SmsAccountProblem),
        (400, 21212, SmsAccountProblem),
    ],
)
def test_classify(status: int, code: int | None, error: type[SmsError]) -> None:
    classified = classify(status, code)
    assert type(classified) is error
    assert (classified.status, classified.code) == (status, code)


NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("Wed, 25 Nov 2026 15:00:30 GMT", 30.0),
        ("Wed, 25 Nov 2026 14:00:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds

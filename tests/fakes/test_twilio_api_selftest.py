"""Self-test of the fake Twilio REST API: the official ``twilio`` library must work against it.

If these fail, the gateway's tests (and the end-to-end SMS tests to come) can't be trusted, so
they use the library's own transports (``TwilioHttpClient`` on requests, ``AsyncTwilioHttpClient``
on aiohttp), not our gateway, and raw HTTP for the wire format and error shapes. The webhook
half is checked with the library's ``RequestValidator`` on a small receiving server.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.twilio_api import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    MAGIC_NUMBERS,
    FakeTwilioApi,
)

NUMBER = "+14155552671"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as fake:
        yield fake


def messages_url(twilio: FakeTwilioApi, account: str | None = None) -> str:
    return f"{twilio.base_url}/2010-04-01/Accounts/{account or twilio.account_sid}/Messages.json"


def auth_header(user: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


async def post(
    twilio: FakeTwilioApi,
    form: dict[str, str],
    *,
    auth: tuple[str, str] | None = None,
    url: str | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    user, password = auth or (twilio.account_sid, twilio.auth_token)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url or messages_url(twilio), data=form, headers=auth_header(user, password)
        ) as response,
    ):
        return response.status, json.loads(await response.text()), dict(response.headers)


def a_text(**extra: str) -> dict[str, str]:
    return {"To": NUMBER, "From": "+15005550006", "Body": "Hello", **extra}


# ---------------------------------------------------------------------------- the library


def test_the_official_library_sends_through_it_with_its_default_transport() -> None:
    async def scenario() -> None:
        async with FakeTwilioApi() as twilio:
            client = Client(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
            client.api.base_url = twilio.base_url
            # The default transport is synchronous (requests): run it off the loop.
            message = await asyncio.to_thread(
                client.messages.create,
                to=NUMBER,
                from_="+15005550006",
                body="Hola, ¿cómo vas hoy?",
                status_callback="https://bot.example.org/sms/twilio/status",
            )
            assert message.sid == twilio.messages[0].sid
            assert message.status == "queued"
            assert message.num_segments == "1"
            assert message.to == NUMBER and message.from_ == "+15005550006"
            assert message.body == "Hola, ¿cómo vas hoy?"
            assert message.error_code is None and message.error_message is None
            assert message.api_version == "2010-04-01"
            assert message.direction == "outbound-api"
            assert message.date_created is not None  # parsed from RFC 2822

            twilio.reject_next(21610)
            with pytest.raises(TwilioRestException) as caught:
                await asyncio.to_thread(
                    client.messages.create, to=NUMBER, from_="+15005550006", body="x"
                )
            assert (caught.value.status, caught.value.code) == (400, 21610)
            assert "unsubscribed recipient" in caught.value.msg

    asyncio.run(scenario())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # aiohttp's BasicAuth, in the library
async def test_the_official_library_sends_through_it_with_its_async_transport(
    twilio: FakeTwilioApi,
) -> None:
    http = AsyncTwilioHttpClient()
    try:
        client = Client(twilio.account_sid, twilio.auth_token, http_client=http)
        client.api.base_url = twilio.base_url
        message = await client.messages.create_async(
            to=NUMBER, messaging_service_sid=twilio.messaging_service_sid, body="Hello"
        )
        assert message.status == "accepted"
        assert message.from_ is None and message.num_segments == "0"
        assert message.messaging_service_sid == twilio.messaging_service_sid

        twilio.fail_next(503, retry_after=2)
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=NUMBER, from_="+15005550006", body="x")
        assert (caught.value.status, caught.value.code) == (503, 20503)
    finally:
        await http.close()


# ---------------------------------------------------------------------------- the wire format


async def test_an_accepted_message_has_twilios_shape(twilio: FakeTwilioApi) -> None:
    callback = "https://bot.example.org/sms/twilio/status"
    status, body, _ = await post(twilio, a_text(StatusCallback=callback))
    assert status == 201
    [message] = twilio.messages
    assert body == message.resource()
    assert body["sid"] == message.sid and len(message.sid) == 34
    assert body["sid"].startswith("SM") and int(body["sid"][2:], 16) >= 0
    assert body["status"] == "queued" and body["num_segments"] == "1"
    assert body["to"] == NUMBER and body["from"] == "+15005550006" and body["body"] == "Hello"
    assert body["error_code"] is None and body["error_message"] is None
    assert body["uri"] == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages/{message.sid}.json"
    assert body["date_created"].endswith("+0000")
    assert message.status_callback == callback and message.statuses == ["queued"]
    [request] = twilio.requests
    assert request.ok and request.message_sid == message.sid and request.finished
    assert request.form == a_text(StatusCallback=callback)


async def test_segments_are_counted_per_encoding(twilio: FakeTwilioApi) -> None:
    for text in ("a" * 160, "a" * 161, "día " * 17 + "ok", "día " * 18):
        await post(twilio, a_text(Body=text))
    assert [m.num_segments for m in twilio.messages] == [1, 2, 1, 2]


async def test_sids_are_unique(twilio: FakeTwilioApi) -> None:
    await asyncio.gather(*(post(twilio, a_text()) for _ in range(10)))
    assert len({m.sid for m in twilio.messages}) == 10


@pytest.mark.parametrize(
    ("auth", "account", "status", "code"),
    [
        ((DEFAULT_ACCOUNT_SID, "0" * 32), None, 401, 20003),
        (("AC" + "1" * 32, DEFAULT_AUTH_TOKEN), None, 401, 20003),
        ((DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN), "AC" + "1" * 32, 404, 20404),
    ],
)
async def test_credentials_and_account(
    twilio: FakeTwilioApi,
    auth: tuple[str, str],
    account: str | None,
    status: int,
    code: int,
) -> None:
    answered, body, _ = await post(twilio, a_text(), auth=auth, url=messages_url(twilio, account))
    assert (answered, body["code"], body["status"]) == (status, code, status)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert twilio.messages == []


async def test_no_credentials_at_all(twilio: FakeTwilioApi) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(messages_url(twilio), data=a_text()) as response,
    ):
        assert response.status == 401
    assert twilio.requests[0].auth is None


async def test_an_unknown_path_is_404(twilio: FakeTwilioApi) -> None:
    url = f"{twilio.base_url}/2010-04-01/Accounts/{twilio.account_sid}/Calls.json"
    status, body, _ = await post(twilio, a_text(), url=url)
    assert (status, body["code"]) == (404, 20404)


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": "+15005550006", "Body": "x"}, 21604),
        ({"To": NUMBER, "Body": "x"}, 21603),
        ({"To": NUMBER, "From": "+15005550006"}, 21602),
        (a_text(Body="x" * 1601), 21617),
        (a_text(To="415 555 2671"), 21211),
        *((a_text(To=number), code) for number, code in MAGIC_NUMBERS.items()),
    ],
)
async def test_validation_like_twilio(
    twilio: FakeTwilioApi, form: dict[str, str], code: int
) -> None:
    status, body, _ = await post(twilio, form)
    assert (status, body["code"]) == (400, code)
    assert twilio.requests[0].code == code
    assert twilio.messages == []


async def test_an_invalid_number_is_quoted_in_the_message_as_twilio_does(
    twilio: FakeTwilioApi,
) -> None:
    _, body, _ = await post(twilio, a_text(To="+1555"))
    assert body["message"] == "The 'To' number +1555 is not a valid phone number."


async def test_1600_characters_is_still_accepted(twilio: FakeTwilioApi) -> None:
    status, _, _ = await post(twilio, a_text(Body="x" * 1600))
    assert status == 201


# ---------------------------------------------------------------------------- scripting


async def test_fail_next_counts_down_and_can_target_one_number(twilio: FakeTwilioApi) -> None:
    twilio.fail_next(500, times=2)
    twilio.fail_next(429, retry_after=7, to="+14155550000")
    assert (await post(twilio, a_text()))[0] == 500
    assert (await post(twilio, a_text()))[0] == 500
    assert (await post(twilio, a_text()))[0] == 201
    status, body, headers = await post(twilio, a_text(To="+14155550000"))
    assert (status, body["code"], headers["Retry-After"]) == (429, 20429, "7")
    assert (await post(twilio, a_text(To="+14155550000")))[0] == 201
    assert [r.status for r in twilio.requests] == [500, 500, 201, 429, 201]


async def test_fail_next_with_a_custom_code_and_message(twilio: FakeTwilioApi) -> None:
    twilio.fail_next(400, code=30001, message="Queue overflow")
    status, body, headers = await post(twilio, a_text())
    assert (status, body["code"], body["message"]) == (400, 30001, "Queue overflow")
    assert "Retry-After" not in headers


async def test_a_status_without_a_known_code(twilio: FakeTwilioApi) -> None:
    twilio.fail_next(502)
    status, body, _ = await post(twilio, a_text())
    assert status == 502 and "code" not in body and body["message"] == "HTTP 502"


async def test_retry_after_as_a_date_or_a_fraction(twilio: FakeTwilioApi) -> None:
    twilio.fail_next(503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    twilio.fail_next(429, retry_after=1.5)
    assert (await post(twilio, a_text()))[2]["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert (await post(twilio, a_text()))[2]["Retry-After"] == "1.5"


@pytest.mark.parametrize("code", [21610, 21211, 21408])
async def test_reject_next(twilio: FakeTwilioApi, code: int) -> None:
    twilio.reject_next(code)
    status, body, _ = await post(twilio, a_text())
    assert (status, body["code"]) == (400, code)
    if code == 21211:
        assert NUMBER in body["message"]
    assert (await post(twilio, a_text()))[0] == 201


async def test_an_error_after_accepting_records_the_message(twilio: FakeTwilioApi) -> None:
    twilio.fail_next(500, after_accepting=True)
    assert (await post(twilio, a_text()))[0] == 500
    assert len(twilio.messages) == 1
    assert twilio.requests[0].message_sid == twilio.messages[0].sid


@pytest.mark.parametrize("after_accepting", [False, True])
async def test_a_dropped_connection(twilio: FakeTwilioApi, after_accepting: bool) -> None:
    twilio.drop_next(after_accepting=after_accepting)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(twilio, a_text())
    assert len(twilio.messages) == (1 if after_accepting else 0)
    [request] = await twilio.wait_for_requests(1)
    assert request.status is None
    assert (await post(twilio, a_text()))[0] == 201


async def test_a_hung_request_ends_when_the_client_gives_up(twilio: FakeTwilioApi) -> None:
    twilio.hang_next(after_accepting=True)
    client = asyncio.create_task(post(twilio, a_text()))
    await twilio.wait_for_messages(1)  # accepted, and now the answer never comes
    client.cancel()
    with pytest.raises(asyncio.CancelledError):
        await client
    [request] = await twilio.wait_for_requests(1)  # its handler ended with the connection
    assert request.status is None


async def test_stop_releases_hung_requests() -> None:
    twilio = FakeTwilioApi()
    await twilio.start()
    twilio.hang_next(after_accepting=True)
    client = asyncio.create_task(post(twilio, a_text()))
    await twilio.wait_for_messages(1)
    await twilio.stop()
    with pytest.raises((aiohttp.ClientError, json.JSONDecodeError)):
        await client


async def test_clear_faults(twilio: FakeTwilioApi) -> None:
    twilio.fail_next(500, times=5)
    twilio.drop_next()
    twilio.clear_faults()
    assert (await post(twilio, a_text()))[0] == 201


async def test_opt_out_and_back_in(twilio: FakeTwilioApi) -> None:
    twilio.opt_out(NUMBER)
    status, body, _ = await post(twilio, a_text())
    assert (status, body["code"], body["message"]) == (
        400,
        21610,
        "Attempt to send to unsubscribed recipient",
    )
    assert (await post(twilio, a_text(To="+14155550000")))[0] == 201
    twilio.opt_in(NUMBER)
    assert (await post(twilio, a_text()))[0] == 201
    assert [m.to for m in twilio.messages] == ["+14155550000", NUMBER]
    assert twilio.bodies(NUMBER) == ["Hello"]


async def test_wait_for_messages(twilio: FakeTwilioApi) -> None:
    later = asyncio.create_task(post(twilio, a_text(Body="late")))
    [message] = await twilio.wait_for_messages(1, to=NUMBER)
    await later
    assert message.body == "late"
    assert twilio.message(message.sid) is message
    with pytest.raises(AssertionError, match="expected 2 message"):
        await twilio.wait_for_messages(2, timeout=0.05)
    with pytest.raises(KeyError):
        twilio.message("SM" + "0" * 32)


def test_using_it_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeTwilioApi().base_url


# ---------------------------------------------------------------------------- webhooks


class Receiver:
    """A stand-in for the bot's webhook routes: records each POST and answers 204."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], str | None]] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.posts.append((request.path, form, request.headers.get("X-Twilio-Signature")))
        return web.Response(status=204)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as server:
        yield server


def valid(url: str, params: dict[str, str], signature: str | None) -> bool:
    return bool(RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, params, signature or ""))


@pytest.mark.parametrize("status", ["sent", "delivered", "undelivered", "failed"])
async def test_a_delivery_receipt_is_posted_to_the_callback_and_signed(
    twilio: FakeTwilioApi, receiver: Receiver, status: str
) -> None:
    callback = receiver.url("/sms/twilio/status")
    await post(twilio, a_text(StatusCallback=callback))
    [message] = twilio.messages
    error = 30003 if status in ("undelivered", "failed") else None

    result = await twilio.post_status(message, status, error_code=error)

    assert result.status == 204
    [(path, form, signature)] = receiver.posts
    assert path == "/sms/twilio/status"
    assert form["MessageSid"] == form["SmsSid"] == message.sid
    assert form["MessageStatus"] == form["SmsStatus"] == status
    assert form["AccountSid"] == twilio.account_sid
    assert (form["To"], form["From"]) == (NUMBER, "+15005550006")
    assert form.get("ErrorCode") == (str(error) if error else None)
    assert valid(callback, form, signature)
    assert message.status == status and message.statuses == ["queued", status]
    assert message.error_code == error
    assert twilio.webhooks == [result]


async def test_receipts_by_sid_and_to_another_url(
    twilio: FakeTwilioApi, receiver: Receiver
) -> None:
    await post(twilio, a_text(MessagingServiceSid=twilio.messaging_service_sid))
    sid = twilio.messages[0].sid
    with pytest.raises(ValueError, match="no StatusCallback"):
        await twilio.post_status(sid, "sent")
    with pytest.raises(ValueError, match="not a Twilio message status"):
        await twilio.post_status(sid, "read-by-patient", url=receiver.url("/x"))
    await twilio.post_status(sid, "sent", url=receiver.url("/x"))
    [(_, form, _)] = receiver.posts
    assert form["MessagingServiceSid"] == twilio.messaging_service_sid


async def test_signing_for_the_public_url_behind_a_proxy(
    twilio: FakeTwilioApi, receiver: Receiver
) -> None:
    public = "https://bot.example.org/sms/twilio/status"
    await post(twilio, a_text(StatusCallback=receiver.url("/sms/twilio/status")))
    await twilio.post_status(twilio.messages[0], "delivered", sign_url=public)
    [(_, form, signature)] = receiver.posts
    assert valid(public, form, signature)
    assert not valid(receiver.url("/sms/twilio/status"), form, signature)


async def test_forged_and_unsigned_webhooks(twilio: FakeTwilioApi, receiver: Receiver) -> None:
    url = receiver.url("/sms/twilio")
    await twilio.post_inbound(url, NUMBER, "STOP", signature="forged")
    await twilio.post_inbound(url, NUMBER, "STOP", signed=False)
    await twilio.post_inbound(url, NUMBER, "STOP", auth_token="f" * 32)
    signatures = [signature for _, _, signature in receiver.posts]
    assert signatures[0] == "forged" and signatures[1] is None
    assert not valid(url, receiver.posts[2][1], signatures[2])


async def test_an_inbound_text(twilio: FakeTwilioApi, receiver: Receiver) -> None:
    url = receiver.url("/sms/twilio")
    result = await twilio.post_inbound(url, NUMBER, "¿Puedo tomarla con café? 🙏")
    [(_, form, signature)] = receiver.posts
    assert valid(url, form, signature)
    assert form["From"] == NUMBER and form["To"] == twilio.from_number
    assert form["Body"] == "¿Puedo tomarla con café? 🙏"
    assert form["MessageSid"].startswith("SM") and len(form["MessageSid"]) == 34
    assert form["NumSegments"] == "1" and form["SmsStatus"] == "received"
    assert result.params == form and result.signature == signature

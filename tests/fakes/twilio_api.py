"""A fake Twilio REST API (and Twilio's webhook caller) for tests, on 127.0.0.1.

Like the fake Bot API (tests/fakes/bot_api.py), this is a real HTTP server rather than a mock of
the ``twilio`` library: the gateway under test builds its requests with the official library and
sends them over a socket, so its URL handling, basic auth, form encoding and error parsing are
all exercised. Nothing here ever talks to Twilio.

Usage::

    async with FakeTwilioApi() as twilio:
        gateway = TwilioGateway(twilio.account_sid, twilio.auth_token,
                                from_number=twilio.from_number, api_base_url=twilio.base_url)
        await gateway.send("+14155552671", "Time for your dose", status_callback=url)
        [message] = twilio.messages
        twilio.fail_next(503, retry_after=2)            # the next request gets a 503
        twilio.reject_next(21610)                        # ... or "unsubscribed recipient"
        await twilio.post_status(message, "delivered")   # a signed delivery receipt

What it implements, from Twilio's API reference (2010-04-01):

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded, HTTP basic auth with
  the Account SID and Auth Token (a wrong pair is 401 with code 20003; another account's URL is
  404 with 20404). Fields: ``To``, ``From`` or ``MessagingServiceSid``, ``Body``,
  ``StatusCallback``; others are recorded and ignored.
* The answer is 201 with the Message resource: ``sid`` ("SM" + 32 hex), ``status`` "queued"
  (or "accepted" when sent through a Messaging Service, whose ``from`` is then null and
  ``num_segments`` "0" until Twilio picks a sender), ``num_segments`` as a string, ``error_code``
  and ``error_message`` null, dates in RFC 2822.
* Errors have Twilio's JSON shape: ``{"code", "message", "more_info", "status"}``. Validation as
  Twilio does it: no ``To`` (21604), no ``From``/``MessagingServiceSid`` (21603), no ``Body``
  (21602), a body over 1600 characters (21617), a ``To`` that is not E.164 (21211; the message
  quotes the number, as Twilio's does, so tests can check it is never logged).
* Twilio's magic test numbers answer as with Twilio's test credentials: +15005550001 invalid
  (21211), +15005550002 not reachable (21612), +15005550003 no permission for the region
  (21408), +15005550004 unsubscribed (21610), +15005550009 not a mobile (21614).
* Scripted faults for the next N requests: any status with or without a Twilio code and a
  ``Retry-After`` header (:meth:`fail_next`, :meth:`reject_next`), a dropped connection
  (:meth:`drop_next`) and a request that is never answered (:meth:`hang_next`), each optionally
  *after* the message was accepted: the "Twilio got it but the answer was lost" case.
* Numbers that replied STOP to the carrier (:meth:`opt_out`) get 21610 until :meth:`opt_in`.

Webhooks: :meth:`post_status` sends a delivery receipt to a message's ``StatusCallback`` (or any
URL) and :meth:`post_inbound` an incoming text, both form-encoded and signed with
``X-Twilio-Signature`` by the library's own ``RequestValidator.compute_signature``. Sign for
the *public* URL (``sign_url=``) when the app sits behind a proxy and checks that one; pass
``signature=`` to forge one, or ``signed=False`` to leave the header out.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import itertools
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Self, TypeVar

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.sms.segments import segments

__all__ = [
    "API_VERSION",
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_FROM_NUMBER",
    "DEFAULT_MESSAGING_SERVICE_SID",
    "ERRORS",
    "MAGIC_NUMBERS",
    "STATUSES",
    "ApiRequest",
    "FakeMessage",
    "FakeTwilioApi",
    "WebhookResult",
]

JSONDict = dict[str, Any]
T = TypeVar("T")

API_VERSION = "2010-04-01"
# The shapes of real credentials, made up: an Account SID is "AC" + 32 hex digits, an Auth
# Token 32 hex digits, a Messaging Service SID "MG" + 32 hex digits.
DEFAULT_ACCOUNT_SID = "AC" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
DEFAULT_AUTH_TOKEN = "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"  # a test value, not a real token
DEFAULT_MESSAGING_SERVICE_SID = "MG" + "00112233445566778899aabbccddeeff"
# Twilio's magic "From" number for test credentials: always valid.
DEFAULT_FROM_NUMBER = "+15005550006"
# As long as the fake Bot API's wait helpers: a busy 2-core machine can take seconds to answer.
WAIT_SECONDS = 30.0
MAX_BODY_CHARACTERS = 1600

#: Twilio error codes the fake knows: HTTP status and message ({to}/{from_} filled in).
ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource {path} was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service is unavailable. Please try again"),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21408: (
        400,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' "
        "number: {to}.",
    ),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (
        400,
        "The 'To' phone number: {to}, is not currently reachable using the 'From' phone "
        "number: {from_} via SMS.",
    ),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
# The code Twilio puts in the body of a bare HTTP error (when a test scripts only a status).
_STATUS_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}

#: Twilio's magic "To" numbers for test credentials, and the error each one gets.
MAGIC_NUMBERS: dict[str, int] = {
    "+15005550001": 21211,
    "+15005550002": 21612,
    "+15005550003": 21408,
    "+15005550004": 21610,
    "+15005550009": 21614,
}
#: Every status a message can report in a delivery receipt.
STATUSES = frozenset(
    {
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "read",
        "canceled",
    }
)

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_MESSAGES_PATH = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json")


def _rfc2822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


# --------------------------------------------------------------------------------------------
# Records exposed to tests
# --------------------------------------------------------------------------------------------


@dataclass
class ApiRequest:
    """One HTTP request to the fake, in arrival order.

    ``auth`` is the basic-auth pair as sent (``None`` without one); ``status`` and ``code`` are
    what was answered (``None`` for a dropped or never-answered request); ``message_sid`` names
    the message it created, if it did; ``finished`` is set once the fake is done with it.
    """

    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    timestamp: float
    status: int | None = None
    code: int | None = None
    message_sid: str | None = None
    finished: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class FakeMessage:
    """A message the fake accepted; ``statuses`` lists every status it has had, in order."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    status: str
    num_segments: int
    date_created: datetime
    error_code: int | None = None
    statuses: list[str] = field(default_factory=list)

    def resource(self) -> JSONDict:
        """The Message resource as Twilio's REST API returns it."""
        created = _rfc2822(self.date_created)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": created,
            "date_sent": None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


@dataclass(frozen=True)
class WebhookResult:
    """What the app answered to a webhook the fake posted."""

    status: int
    text: str
    params: dict[str, str]
    signature: str | None


@dataclass
class _Fault:
    kind: Literal["error", "drop", "hang"]
    remaining: int
    to: str | None
    after_accepting: bool
    status: int = 500
    code: int | None = None
    message: str | None = None
    retry_after: str | None = None


class _Answer(Exception):
    """Raised while handling a request to answer with Twilio's error shape."""

    def __init__(
        self, status: int, code: int | None, message: str, retry_after: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: JSONDict = {"message": self.message, "status": self.status}
        if self.code is not None:
            body["code"] = self.code
            body["more_info"] = f"https://www.twilio.com/docs/errors/{self.code}"
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else None
        return web.json_response(body, status=self.status, headers=headers)


def _error(code: int, **fill: str) -> _Answer:
    status, template = ERRORS[code]
    return _Answer(status, code, template.format_map({"to": "", "from_": "", "path": ""} | fill))


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeTwilioApi:
    """An in-process Twilio REST API for one account. Use in the event loop it was started in."""

    def __init__(
        self,
        *,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        from_number: str = DEFAULT_FROM_NUMBER,
        messaging_service_sid: str = DEFAULT_MESSAGING_SERVICE_SID,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        #: Not enforced: a convenience for building the gateway under test.
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid

        #: Every request, in arrival order (including refused and dropped ones).
        self.requests: list[ApiRequest] = []
        #: Every message accepted, in order.
        self.messages: list[FakeMessage] = []
        #: Every webhook posted by :meth:`post_status` / :meth:`post_inbound`, with the answer.
        self.webhooks: list[WebhookResult] = []
        self.opted_out: set[str] = set()

        self._faults: list[_Fault] = []
        self._released = asyncio.Event()
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._inbound_ids = itertools.count(1)

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTwilioApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What TWILIO_API_BASE_URL is set to: it replaces https://api.twilio.com."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve in the running loop."""
        if self._runner is not None:
            return
        self._released = asyncio.Event()
        self._changed = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a hung request's handler ends when its client hangs up.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        """Release hung requests and shut the server down."""
        if self._runner is None:
            return
        self._released.set()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- scripting

    def fail_next(
        self,
        status: int = 500,
        *,
        code: int | None = None,
        message: str | None = None,
        retry_after: float | str | None = None,
        times: int = 1,
        to: str | None = None,
        after_accepting: bool = False,
    ) -> None:
        """Answer the next ``times`` requests (optionally only those to ``to``) with ``status``.

        ``code`` defaults to Twilio's for the status (20429 for 429, 20500 for 500, ...);
        ``retry_after`` (seconds, or an HTTP date as a string) adds a ``Retry-After`` header.
        With ``after_accepting`` the message is accepted and recorded first, and only the
        answer is an error.
        """
        if code is None:
            code = _STATUS_CODES.get(status)
        if message is None:
            message = ERRORS[code][1] if code in ERRORS else f"HTTP {status}"
        self._faults.append(
            _Fault(
                kind="error",
                remaining=times,
                to=to,
                after_accepting=after_accepting,
                status=status,
                code=code,
                message=message,
                retry_after=None if retry_after is None else _header_value(retry_after),
            )
        )

    def reject_next(self, code: int, *, times: int = 1, to: str | None = None) -> None:
        """Answer the next ``times`` sends with Twilio error ``code`` (one of :data:`ERRORS`),
        its status and message as Twilio gives them (21610, 21211, 21408, ...)."""
        status, _ = ERRORS[code]
        self._faults.append(
            _Fault(
                kind="error",
                remaining=times,
                to=to,
                after_accepting=False,
                status=status,
                code=code,
                message=None,
            )
        )

    def drop_next(
        self, times: int = 1, *, to: str | None = None, after_accepting: bool = False
    ) -> None:
        """Close the connection of the next ``times`` requests without an answer."""
        self._faults.append(
            _Fault(kind="drop", remaining=times, to=to, after_accepting=after_accepting)
        )

    def hang_next(
        self, times: int = 1, *, to: str | None = None, after_accepting: bool = False
    ) -> None:
        """Never answer the next ``times`` requests (until the client gives up or the fake
        stops): a timeout, as the client sees it."""
        self._faults.append(
            _Fault(kind="hang", remaining=times, to=to, after_accepting=after_accepting)
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def opt_out(self, number: str) -> None:
        """The number replied STOP to the carrier: every send to it gets 21610."""
        self.opted_out.add(number)

    def opt_in(self, number: str) -> None:
        """The number replied START: sends to it go through again."""
        self.opted_out.discard(number)

    # ---------------------------------------------------------------- what was sent

    def sent_to(self, number: str) -> list[FakeMessage]:
        return [m for m in self.messages if m.to == number]

    def bodies(self, number: str) -> list[str]:
        return [m.body for m in self.sent_to(number)]

    def message(self, sid: str) -> FakeMessage:
        for message in self.messages:
            if message.sid == sid:
                return message
        raise KeyError(sid)

    async def wait_for_messages(
        self, count: int, *, to: str | None = None, timeout: float = WAIT_SECONDS
    ) -> list[FakeMessage]:
        """The first ``count`` messages accepted (to ``to``), once there are that many."""

        def probe() -> list[FakeMessage] | None:
            found = self.messages if to is None else self.sent_to(to)
            return found[:count] if len(found) >= count else None

        return await self._wait_until(
            probe, timeout, lambda: f"expected {count} message(s), got {len(self.messages)}"
        )

    async def wait_for_requests(
        self, count: int, timeout: float = WAIT_SECONDS
    ) -> list[ApiRequest]:
        """The first ``count`` requests, once that many have been answered (or dropped)."""

        def probe() -> list[ApiRequest] | None:
            done = [r for r in self.requests if r.finished]
            return done[:count] if len(done) >= count else None

        return await self._wait_until(
            probe, timeout, lambda: f"expected {count} request(s), got {len(self.requests)}"
        )

    def _bump(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _wait_until(
        self, probe: Callable[[], T | None], timeout: float, explain: Callable[[], str]
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            result = probe()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(explain())
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # ---------------------------------------------------------------- HTTP

    def _take_fault(self, to: str | None) -> _Fault | None:
        for fault in self._faults:
            if fault.to is None or fault.to == to:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        form: dict[str, str] = {}
        if request.can_read_body:
            posted = await request.post()
            form = {key: value for key, value in posted.items() if isinstance(value, str)}
        record = ApiRequest(
            method=request.method,
            path=request.path,
            form=form,
            auth=_basic_auth(request.headers.get("Authorization")),
            timestamp=time.monotonic(),
        )
        self.requests.append(record)
        self._bump()
        try:
            fault = self._take_fault(form.get("To"))
            if fault is not None and not fault.after_accepting:
                return await self._fault_answer(request, record, fault)
            status, body = self._create(request, record)
            if fault is not None:
                return await self._fault_answer(request, record, fault)
            record.status = status
            return web.json_response(body, status=status)
        except _Answer as answer:
            record.status, record.code = answer.status, answer.code
            return answer.response()
        finally:
            record.finished = True
            self._bump()

    async def _fault_answer(
        self, request: web.Request, record: ApiRequest, fault: _Fault
    ) -> web.StreamResponse:
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        if fault.kind == "hang":
            await self._released.wait()
            record.status = 503
            return web.Response(status=503)
        message = fault.message
        if message is None:
            message = _error(fault.code or 0, to=record.form.get("To", "")).message
        raise _Answer(fault.status, fault.code, message, fault.retry_after)

    def _create(self, request: web.Request, record: ApiRequest) -> tuple[int, JSONDict]:
        match = _MESSAGES_PATH.fullmatch(request.path)
        if match is None or request.method != "POST":
            raise _error(20404, path=request.path)
        if record.auth != (self.account_sid, self.auth_token):
            raise _error(20003)
        if match["account"] != self.account_sid:
            raise _error(20404, path=request.path)
        form = record.form
        to = form.get("To", "").strip()
        from_ = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        body = form.get("Body", "")
        if not to:
            raise _error(21604)
        if from_ is None and service is None:
            raise _error(21603)
        if not body:
            raise _error(21602)
        if len(body) > MAX_BODY_CHARACTERS:
            raise _error(21617)
        if not _E164.fullmatch(to):
            raise _error(21211, to=to)
        if to in MAGIC_NUMBERS:
            raise _error(MAGIC_NUMBERS[to], to=to, from_=from_ or "")
        if to in self.opted_out:
            raise _error(21610)
        # Through a Messaging Service Twilio picks the sender later: no "from", no count yet.
        status = "accepted" if service is not None else "queued"
        message = FakeMessage(
            sid="SM" + secrets.token_hex(16),
            account_sid=self.account_sid,
            to=to,
            from_=None if service is not None else from_,
            messaging_service_sid=service,
            body=body,
            status_callback=form.get("StatusCallback") or None,
            status=status,
            num_segments=0 if service is not None else segments(body),
            date_created=datetime.now(UTC),
            statuses=[status],
        )
        self.messages.append(message)
        record.message_sid = message.sid
        return 201, message.resource()

    # ---------------------------------------------------------------- webhooks

    async def post_webhook(
        self,
        url: str,
        params: Mapping[str, str],
        *,
        sign_url: str | None = None,
        auth_token: str | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> WebhookResult:
        """POST ``params`` form-encoded to ``url`` as Twilio would, with ``X-Twilio-Signature``
        computed for ``sign_url`` (default ``url``) with ``auth_token`` (default the account's).

        ``signature`` replaces the computed header (a forgery); ``signed=False`` sends none.
        """
        params = dict(params)
        header: str | None = None
        if signature is not None:
            header = signature
        elif signed:
            validator = RequestValidator(self.auth_token if auth_token is None else auth_token)
            header = str(validator.compute_signature(sign_url or url, params))
        headers = {"X-Twilio-Signature": header} if header is not None else {}
        headers["User-Agent"] = "TwilioProxy/1.1"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=params, headers=headers) as response,
        ):
            result = WebhookResult(response.status, await response.text(), params, header)
        self.webhooks.append(result)
        return result

    async def post_status(
        self,
        message: FakeMessage | str,
        status: str,
        *,
        error_code: int | None = None,
        url: str | None = None,
        **signing: Any,
    ) -> WebhookResult:
        """Post a delivery receipt for ``message`` (or its sid) to its ``StatusCallback`` (or
        ``url``), as Twilio does when its status changes: ``MessageSid``, ``MessageStatus``
        (``sent``, ``delivered``, ``undelivered``, ``failed``, ...), ``ErrorCode`` if given,
        and the rest of Twilio's fields. The message's recorded status follows.
        ``sign_url``, ``auth_token``, ``signature`` and ``signed`` as in :meth:`post_webhook`.
        """
        if status not in STATUSES:
            raise ValueError(f"not a Twilio message status: {status!r}")
        if isinstance(message, str):
            message = self.message(message)
        target = url or message.status_callback
        if target is None:
            raise ValueError(f"message {message.sid} has no StatusCallback; pass url=")
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message.from_ or self.from_number,
            "MessageSid": message.sid,
            "MessageStatus": status,
            "SmsSid": message.sid,
            "SmsStatus": status,
            "To": message.to,
        }
        if message.messaging_service_sid is not None:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        message.status = status
        message.statuses.append(status)
        message.error_code = error_code
        return await self.post_webhook(target, params, **signing)

    async def post_inbound(
        self, url: str, from_: str, body: str, *, to: str | None = None, **signing: Any
    ) -> WebhookResult:
        """Post an incoming text from ``from_`` to ``url``, with Twilio's fields (``From``,
        ``To``, ``Body``, ``MessageSid``, ``NumSegments``, ...); signing as in
        :meth:`post_webhook`."""
        sid = f"SM{next(self._inbound_ids):032x}"
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(segments(body)) if body else "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to or self.from_number,
        }
        return await self.post_webhook(url, params, **signing)


def _header_value(retry_after: float | str) -> str:
    if isinstance(retry_after, str):
        return retry_after
    return str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None

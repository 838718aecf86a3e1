"""Sending a text through Twilio's REST API, and sorting its failures into what a sender can do.

The request is made by the official ``twilio`` library (``Client.api.v2010.account.messages.
create_async``), so the URL, the form fields and the parsing of Twilio's answers and error codes
are Twilio's own. Only the HTTP transport is ours, :class:`_GatewayHttpClient`, for two reasons:

* ``TWILIO_API_BASE_URL`` must be able to replace ``https://api.twilio.com`` (the fake Twilio API
  in tests, a gateway in front of Twilio). The library has no setting for that; the transport
  rewrites the scheme and host of each URL the library builds.
* A 429's or 503's ``Retry-After`` header must reach the sender, and the library's exceptions
  drop the headers. So the transport raises :class:`SmsTransient` itself for 429, 5xx,
  timeouts and dropped connections, and hands everything else back to the library.

It does no retries of its own (the library's ``AsyncTwilioHttpClient`` can, through
``aiohttp_retry``): the outbox sender retries with its leases, backoff and rate limits, as it
does for Telegram, so a retry here would double every backoff and hide failures from it.

What a caller gets (mirroring Telegram's errors in bot/telegram/delivery.py and jobs/sender.py):

* :class:`SentMessage` — Twilio accepted the text; ``sid`` identifies it in delivery receipts.
* :class:`SmsTransient` — 5xx, 429, a timeout, a dropped or refused connection: try again,
  after ``retry_after`` seconds when Twilio said so. A timeout or a dropped connection after
  Twilio had received the request cannot be told from one before: the text may then arrive
  twice, as with Telegram, which is better than not at all.
* :class:`SmsOptedOut` — Twilio error 21610: the number replied STOP to the carrier (or Twilio's
  opt-out list has it). Nothing more can reach it until it replies START: mark the contact
  unreachable and tell staff, as for a Telegram block. Never retried.
* :class:`SmsRejected` — any other 4xx (21211 invalid number, 21408 no permission for the
  region, 21614 not a mobile, ...): the same request would fail again. ``number_problem`` says
  whether the fault is the number itself.
* :class:`SmsAccountProblem` — the account cannot send at all (401 wrong Account SID or Auth
  Token, 404 no such account, a suspended account, an invalid From number): not this text's
  fault, so hold every send and try again later, as for Telegram's ``InvalidToken``.

Privacy: logs and exception messages carry Twilio's error code, the HTTP status and the number
masked by :func:`bot.sms.phone.mask`; never the body, the full number, the Auth Token, nor
Twilio's error message, which can quote the number ("The 'To' number +1415... is not valid").
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.sms.phone import mask
from bot.sms.segments import segments as count_segments

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.config import Settings

__all__ = [
    "OPTED_OUT",
    "TWILIO_API",
    "SentMessage",
    "SmsAccountProblem",
    "SmsError",
    "SmsOptedOut",
    "SmsRejected",
    "SmsTransient",
    "TwilioGateway",
    "classify",
    "describe",
    "retry_after_seconds",
]

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
DEFAULT_TIMEOUT_SECONDS = 15.0
#: "Attempt to send to unsubscribed recipient": the number opted out (STOP).
OPTED_OUT = 21610

# What the codes we act on mean, in our words: Twilio's own messages can quote the number.
_DESCRIPTIONS: dict[int, str] = {
    10001: "the account is not active",
    20003: "authentication failed (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)",
    20005: "the account is not active",
    20404: "no such resource (check TWILIO_ACCOUNT_SID and TWILIO_API_BASE_URL)",
    20429: "too many requests",
    20500: "Twilio internal error",
    20503: "Twilio unavailable",
    21211: "invalid 'To' number",
    21212: "invalid 'From' number",
    21408: "sending to this region is not enabled for the account",
    21602: "the body is empty",
    21603: "no 'From' number",
    21604: "no 'To' number",
    21606: "the 'From' number cannot send to this destination",
    21610: "the recipient opted out (replied STOP)",
    21612: "the 'To' number cannot be reached from the 'From' number",
    21614: "the 'To' number is not a mobile number",
    21617: "the body is over 1600 characters",
}
# The number itself cannot take texts from us: a sender may mark the contact unreachable.
_NUMBER_PROBLEMS = frozenset({21211, 21612, 21614})
# The account or its sender cannot send anything: every text would fail the same way.
_ACCOUNT_PROBLEMS = frozenset({10001, 20003, 20005, 20404, 21212})


def describe(code: int | None) -> str:
    """Twilio error ``code`` in a few words that never quote a number or a body."""
    if code is None:
        return "no Twilio error code"
    return f"Twilio error {code}" + (f": {_DESCRIPTIONS[code]}" if code in _DESCRIPTIONS else "")


@dataclass(frozen=True)
class SentMessage:
    """A text Twilio accepted.

    ``status`` is Twilio's ("queued", or "accepted" through a Messaging Service); ``segments``
    is what Twilio counted, or our own count (:func:`bot.sms.segments.segments`) when Twilio had
    none yet (a Messaging Service answers 0 until it has picked a sender).
    """

    sid: str
    status: str
    segments: int


class SmsError(Exception):
    """Twilio did not take the text. ``str()`` is safe to log and store: code and status only."""

    def __init__(self, detail: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code


class SmsTransient(SmsError):
    """Worth another attempt: 5xx, 429, a timeout, a dropped or refused connection.

    ``retry_after`` is Twilio's ``Retry-After`` in seconds (``None`` when it gave none: back
    off as usual).
    """

    def __init__(
        self,
        retry_after: float | None = None,
        *,
        status: int | None = None,
        code: int | None = None,
        reason: str | None = None,
    ) -> None:
        if reason is None:
            reason = f"HTTP {status}" if status is not None else "transient failure"
        if code is not None:
            reason += f", {describe(code)}"
        if retry_after is not None:
            reason += f", retry after {retry_after:g}s"
        super().__init__(reason, status=status, code=code)
        self.retry_after = retry_after


class SmsOptedOut(SmsError):
    """Twilio error 21610: the number replied STOP. Nothing reaches it until it replies START."""

    def __init__(self, *, status: int | None = 400) -> None:
        super().__init__(f"HTTP {status}, {describe(OPTED_OUT)}", status=status, code=OPTED_OUT)


class SmsRejected(SmsError):
    """Any other refusal of this text (a 4xx): the same request would fail again."""

    def __init__(self, code: int | None, *, status: int | None = None) -> None:
        super().__init__(f"HTTP {status}, {describe(code)}", status=status, code=code)

    @property
    def number_problem(self) -> bool:
        """The number itself cannot take texts (invalid, unreachable, not a mobile)."""
        return self.code in _NUMBER_PROBLEMS


class SmsAccountProblem(SmsError):
    """The account cannot send at all (credentials, a suspended account, the From number):
    hold every send and try again later; nothing is wrong with this text or number."""

    def __init__(self, code: int | None, *, status: int | None = None) -> None:
        super().__init__(f"HTTP {status}, {describe(code)}", status=status, code=code)


def classify(status: int, code: int | None) -> SmsError:
    """The exception for a Twilio error answer (HTTP ``status``, Twilio ``code``)."""
    if code == OPTED_OUT:
        return SmsOptedOut(status=status)
    if status == 429 or status >= 500:
        return SmsTransient(status=status, code=code)
    if status == 401 or code in _ACCOUNT_PROBLEMS:
        return SmsAccountProblem(code, status=status)
    return SmsRejected(code, status=status)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header in seconds: a number of seconds or an HTTP date (RFC 9110);
    ``None`` when absent or unreadable, never negative."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN, infinities
        return None
    return max(0.0, seconds)


def _error_code(text: str) -> int | None:
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    code = payload.get("code") if isinstance(payload, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _form(data: Mapping[str, object] | None) -> list[tuple[str, str]] | None:
    """The library's form data as pairs (a list value, e.g. MediaUrl, is a repeated field)."""
    if data is None:
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, str(item)) for item in values)
    return pairs


class _GatewayHttpClient(AsyncHttpClient):  # type: ignore[misc]  # twilio ships no types
    """The library's transport, on aiohttp, pointed at ``base_url`` instead of Twilio's host.

    Raises :class:`SmsTransient` for 429, 5xx, timeouts and connection failures; returns every
    other answer to the library, which raises its own exception for a 4xx.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(log, True, timeout)
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def url(self, uri: str) -> str:
        """``uri`` (on api.twilio.com) with its scheme and host replaced by the base URL's."""
        parts = urlsplit(uri)
        if self.base_url == TWILIO_API or not parts.netloc.endswith("twilio.com"):
            return uri
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def _session_now(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            # A session belongs to the loop it was made in; a new loop (tests) gets a new one.
            self._session = aiohttp.ClientSession()
            self._loop = loop
        return self._session

    async def request(
        self,
        method: str,
        uri: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the library's signature
        allow_redirects: bool = False,
    ) -> Any:
        session = self._session_now()
        headers = dict(headers or {})
        if auth is not None:
            pair = f"{auth[0]}:{auth[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        try:
            async with session.request(
                method.upper(),
                self.url(uri),
                params={key: str(value) for key, value in params.items()} if params else None,
                data=_form(data),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
                allow_redirects=allow_redirects,
            ) as answer:
                text = await answer.text()
                status, answer_headers = answer.status, dict(answer.headers)
                retry_after = answer.headers.get("Retry-After")  # any case
        # aiohttp's timeouts are TimeoutErrors (some also ClientErrors): test for them first.
        except TimeoutError as exc:
            raise SmsTransient(reason="timed out") from exc
        except aiohttp.ClientError as exc:
            raise SmsTransient(reason=f"connection failed ({type(exc).__name__})") from exc
        if status == 429 or status >= 500:
            raise SmsTransient(
                retry_after_seconds(retry_after),
                status=status,
                code=_error_code(text),
            )
        return Response(status, text, answer_headers)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


class TwilioGateway:
    """Sends texts from one Twilio account: from one number, or through a Messaging Service.

    Exactly one of ``from_number`` (E.164, or a short code) and ``messaging_service_sid``
    ("MG..."). ``api_base_url`` replaces https://api.twilio.com (the fake API in tests).
    Safe to share between concurrent sends; :meth:`close` (or ``async with``) releases the
    connections.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | Sequence[str] | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str = TWILIO_API,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        """``from_number``: one sending number, or a pool (a sequence, or one string with
        commas); :meth:`send` uses the first unless told which."""
        if not account_sid or not auth_token:
            raise ValueError("an Account SID and an Auth Token are both needed")
        if bool(from_number) == bool(messaging_service_sid):
            raise ValueError("give a From number or a Messaging Service SID, not both or neither")
        parts = urlsplit(api_base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "the API base URL must be an http(s) URL such as https://api.twilio.com"
            )
        if timeout <= 0:
            raise ValueError("the timeout must be positive")
        self.account_sid = account_sid
        pool = from_number.split(",") if isinstance(from_number, str) else from_number or ()
        self.from_numbers: tuple[str, ...] = tuple(n.strip() for n in pool if n.strip())
        self.from_number = self.from_numbers[0] if self.from_numbers else None
        self.messaging_service_sid = messaging_service_sid or None
        self._http = _GatewayHttpClient(api_base_url, timeout)
        # A non-empty `environment`: otherwise the library reads TWILIO_EDGE and TWILIO_REGION
        # from os.environ and moves requests to another host, behind the settings' back.
        self._client = Client(
            account_sid,
            auth_token,
            http_client=self._http,
            environment={"TWILIO_EDGE": "", "TWILIO_REGION": ""},
        )
        self._messages = self._client.api.v2010.account.messages

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioGateway:
        """The gateway the settings describe; ValueError when SMS is not configured."""
        if not settings.sms_enabled:
            raise ValueError("SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ...)")
        assert settings.twilio_account_sid and settings.twilio_auth_token
        return cls(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_base_url=settings.twilio_api_base_url,
        )

    @property
    def api_base_url(self) -> str:
        return self._http.base_url

    def __repr__(self) -> str:
        sender = self.messaging_service_sid or mask(self.from_number or "")
        return f"<TwilioGateway {self.account_sid} from {sender} via {self.api_base_url}>"

    async def send(
        self,
        to: str,
        body: str,
        status_callback: str | None = None,
        *,
        from_number: str | None = None,
    ) -> SentMessage:
        """Hand one text to Twilio; :class:`SentMessage` once it is accepted.

        ``to`` is E.164 (:func:`bot.sms.phone.parse_phone`); ``status_callback`` is the URL
        Twilio posts delivery receipts to; ``from_number`` one of the pool's numbers (the first
        if None; ignored through a Messaging Service). Raises :class:`SmsTransient`,
        :class:`SmsOptedOut`, :class:`SmsRejected` or :class:`SmsAccountProblem`.
        """
        fields: dict[str, str] = {"to": to, "body": body}
        if self.messaging_service_sid is not None:
            fields["messaging_service_sid"] = self.messaging_service_sid
        else:
            if from_number is not None and from_number not in self.from_numbers:
                raise ValueError("from_number is not one of the gateway's sending numbers")
            assert self.from_number is not None
            fields["from_"] = from_number or self.from_number
        if status_callback:
            fields["status_callback"] = status_callback
        try:
            instance = await self._messages.create_async(**fields)
        except SmsError as exc:
            self._log_failure(to, exc)
            raise
        except (TwilioRestException, TwilioServiceException) as exc:
            error = classify(int(exc.status), exc.code if isinstance(exc.code, int) else None)
            self._log_failure(to, error)
            raise error from exc
        except (TwilioException, ValueError) as exc:
            # A 2xx whose body is not Twilio's JSON: the text may or may not have been taken.
            error = SmsTransient(reason=f"unreadable answer ({type(exc).__name__})")
            self._log_failure(to, error)
            raise error from exc
        sent = SentMessage(
            sid=str(instance.sid),
            status=str(instance.status),
            segments=_segments(instance.num_segments) or count_segments(body),
        )
        log.debug("sms %s %s to %s (%d segment(s))", sent.sid, sent.status, mask(to), sent.segments)
        return sent

    @staticmethod
    def _log_failure(to: str, error: SmsError) -> None:
        level = logging.INFO if isinstance(error, SmsTransient) else logging.WARNING
        log.log(level, "sms to %s not sent: %s (%s)", mask(to), type(error).__name__, error)

    async def close(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> TwilioGateway:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def _segments(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0

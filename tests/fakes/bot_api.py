"""A fake Telegram Bot API server for end-to-end tests.

Why a real HTTP server instead of mocking ``telegram.Bot``: the bot under test must run
exactly as in production -- python-telegram-bot's (PTB) request layer, its ``Updater`` long
polling, its retry/rate-limit behaviour and its parsing of Telegram's answers are all part of
what we want to exercise.  So this module speaks the Bot API wire protocol on 127.0.0.1 and
keeps a small, inspectable model of the conversation ("what did the bot send to chat 42?").

Usage::

    async with FakeBotApi() as api:
        app = ApplicationBuilder().token("123456:TEST").base_url(api.base_url).build()
        async with run_application(api, app):
            await api.send_text(42, "/start")
            [welcome] = await api.wait_for_messages(42, 1)
            await api.tap(42, "Yes")

Wire format notes (from PTB 22's ``request/_requestdata.py`` and ``_httpxrequest.py``):

* Every request is a POST to ``<base_url><token>/<camelCaseMethod>``.
* Without files the body is ``application/x-www-form-urlencoded``; with files it is
  ``multipart/form-data``.  Other clients may send JSON.
* Every value is a *string*: ``str`` values go as-is, everything else is ``json.dumps``-ed, so
  ``chat_id=42`` arrives as ``"42"``, ``True`` as ``"true"`` and ``reply_markup`` / ``commands`` /
  ``scope`` as JSON text.  ``None`` values are dropped by PTB before sending.
* An uploaded file is a multipart part named after the parameter (``document``) or, for
  ``attach=True`` inputs such as thumbnails, a random part name referenced as
  ``attach://<name>`` from the parameter.
* PTB decides on the error type from the HTTP status (400 BadRequest, 403 Forbidden, 404/401
  InvalidToken, 409 Conflict, other NetworkError) and from ``parameters.retry_after`` (RetryAfter),
  so the status code matters more than ``error_code`` in the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from aiohttp import web

if TYPE_CHECKING:
    from telegram.ext import Application

__all__ = [
    "DEFAULT_SCOPE",
    "DEFAULT_TOKEN",
    "Call",
    "CallbackAnswer",
    "FakeBotApi",
    "Revision",
    "SentMessage",
    "TelegramApiError",
    "UploadedFile",
    "UserMessage",
    "render_text",
    "run_application",
    "scope_key",
]

JSONDict = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN = "123456:TEST"
# How long the wait helpers wait by default. A wait ends as soon as what it waits for happens,
# so this only bounds a failure; it is generous because a busy 2-core machine running another
# suite beside this one can take seconds to answer (5 s turned CI red on a location reply).
WAIT_SECONDS = 30.0
#: Key used in :attr:`FakeBotApi.commands` for commands set without a scope.
DEFAULT_SCOPE = "default"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Telegram leaves these out of getUpdates unless they are asked for explicitly.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Top-level parameters that are strings on the wire and must never be JSON-decoded, even when
# their value happens to look like a number or JSON ("42", "true", "[1]").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "action",
        "emoji",
        "title",
        "description",
        "short_description",
        "name",
        "language_code",
        "secret_token",
        "ip_address",
        "query",
        "business_connection_id",
        "message_effect_id",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "photo",
        "document",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "start_parameter",
        "payload",
        "currency",
        "custom_title",
        "question",
        "explanation",
        "filename",
    }
)
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
# What Telegram marks as a bot_command entity at the start of a message: /cmd or /cmd@bot.
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,})?(?![A-Za-z0-9_@])")


# --------------------------------------------------------------------------------------------
# Records exposed to tests
# --------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """A file that arrived as a multipart part."""

    filename: str | None
    content: bytes
    content_type: str | None
    part_name: str


@dataclass
class Call:
    """One HTTP request to the fake, in arrival order.

    ``timestamp`` is ``time.monotonic()`` at arrival, so tests can measure retry spacing.
    ``status`` is the HTTP status answered (``None`` while in flight, or if the client hung up
    before the answer, e.g. a cancelled long poll).
    """

    method: str
    params: dict[str, Any]
    timestamp: float
    raw_params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int | None = None
    description: str | None = None
    chaos: str | None = None  # the fault chaos mode injected into this call, if any
    injected: bool = False  # the fault came from fail_first_attempts (deterministic)

    @property
    def ok(self) -> bool:
        return self.status == 200

    def __iter__(self) -> Any:
        """Allow ``method, params, timestamp = call`` as the brief's tuple shape."""
        return iter((self.method, self.params, self.timestamp))


@dataclass
class Revision:
    """A previous state of an edited bot message."""

    text: str | None
    parse_mode: str | None
    reply_markup: JSONDict | None
    timestamp: float


@dataclass
class SentMessage:
    """A message the bot sent, as the fake stored it.

    ``text`` is what the bot sent (the text, or the caption for media), still with its markup
    (``<b>`` tags, MarkdownV2 escapes); ``plain_text`` is the rendered text a user would see.
    """

    message_id: int
    chat_id: int
    kind: Literal["text", "photo", "document"]
    text: str | None
    plain_text: str | None
    parse_mode: str | None
    reply_markup: JSONDict | None
    date: int
    params: dict[str, Any]
    file: UploadedFile | None = None
    file_ref: str | None = None  # file_id or URL when the bot did not upload bytes
    file_id: str | None = None
    history: list[Revision] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def caption(self) -> str | None:
        return None if self.kind == "text" else self.text

    @property
    def file_bytes(self) -> bytes | None:
        return self.file.content if self.file else None

    @property
    def filename(self) -> str | None:
        return self.file.filename if self.file else None

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        """The inline keyboard rows (button dicts), empty if there is none."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [list(row) for row in rows]

    @property
    def buttons(self) -> list[list[str]]:
        """Inline button labels by row -- handy for ``assert msg.buttons == [["Yes", "No"]]``."""
        return [[str(button.get("text")) for button in row] for row in self.inline_keyboard]

    def button(self, text: str) -> JSONDict:
        """The inline button dict with this label; AssertionError listing labels if absent."""
        for row in self.inline_keyboard:
            for button in row:
                if button.get("text") == text:
                    return button
        raise AssertionError(
            f"No inline button {text!r} on message {self.message_id} in chat {self.chat_id}; "
            f"available: {self.buttons!r} (text: {_short(self.text)!r})"
        )

    def callback_data(self, text: str) -> str | None:
        return self.button(text).get("callback_data")


@dataclass
class UserMessage:
    """A message the (fake) user sent to the bot."""

    message_id: int
    chat_id: int
    user: JSONDict
    message: JSONDict
    update_id: int
    deleted: bool = False


@dataclass
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    timestamp: float


class TelegramApiError(Exception):
    """Raised inside method handlers to answer with Telegram's error shape."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> TelegramApiError:
    return TelegramApiError(400, f"Bad Request: {detail}")


@dataclass
class _Fault:
    method: str  # lower-case
    status: int
    description: str
    parameters: JSONDict | None
    remaining: int
    chat_id: int | str | None


@dataclass
class _Chaos:
    """Random faults on a share of one method's calls (see :meth:`FakeBotApi.chaos`)."""

    method: str  # lower-case
    rate: float
    kinds: tuple[str, ...]
    rng: Any
    hang_seconds: float


@dataclass
class ChaosEvent:
    timestamp: float
    kind: str  # "429", "5xx", "timeout", "drop"
    chat_id: Any
    status: int | None
    retry_after: int | None


@dataclass
class _FirstAttempts:
    """Deterministic faults on first attempts (see :meth:`FakeBotApi.fail_first_attempts`)."""

    methods: frozenset[str]  # lower-case
    every: int
    kinds: tuple[str, ...]
    hang_seconds: float
    chat_id: int | str | None
    seen: set[str] = field(default_factory=set)
    distinct: int = 0
    injected: int = 0


@dataclass
class _RawAnswer:
    method: str  # lower-case
    status: int
    body: bytes
    remaining: int


@dataclass
class _Delay:
    method: str  # lower-case
    seconds: float
    remaining: int
    apply_first: bool


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def scope_key(scope: Mapping[str, Any] | None) -> str:
    """The :attr:`FakeBotApi.commands` key for a BotCommandScope dict (``None`` = default)."""
    if not scope or scope.get("type") == "default":
        return DEFAULT_SCOPE
    return json.dumps(dict(scope), sort_keys=True, separators=(",", ":"))


def _short(text: str | None, limit: int = 60) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_param(name: str, value: Any) -> Any:
    """Undo PTB's "everything is a string" encoding for one top-level parameter."""
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped in ("true", "false"):
        return stripped == "true"
    if _INT_RE.fullmatch(stripped):
        return int(stripped)
    if _FLOAT_RE.fullmatch(stripped):
        return float(stripped)
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _entities_error(detail: str) -> TelegramApiError:
    return _bad_request(f"can't parse entities: {detail}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "code",
        "pre",
        "blockquote",
    }
)


def _render_html(text: str) -> str:
    """Validate Telegram-flavoured HTML the way tdlib does and return the visible text.

    Mirrors tdlib's ``parse_html``: only the supported tags, properly nested, ``</>`` closes
    anything, unknown ``&entities;`` stay literal.  Error texts follow tdlib's.
    """
    out: list[str] = []
    stack: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        lt = text.find("<", i)
        if lt < 0:
            out.append(html.unescape(text[i:]))
            break
        out.append(html.unescape(text[i:lt]))
        begin = lt
        offset = _byte_offset(text, begin)
        j = begin + 1
        if j < n and text[j] == "/":
            if not stack:
                raise _entities_error(f"Unexpected end tag at byte offset {offset}")
            j += 1
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            end_name = text[begin + 2 : j].lower()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise _entities_error(f"Unclosed end tag at byte offset {offset}")
            expected = stack.pop()
            if end_name and end_name != expected:
                raise _entities_error(
                    f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", '
                    f'found "</{end_name}>"'
                )
            i = j + 1
            continue
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise _entities_error(f"Unclosed start tag at byte offset {offset}")
        name = text[begin + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        close = text.find(">", j)
        if close < 0:
            raise _entities_error(f"Unclosed start tag at byte offset {offset}")
        attributes = text[j:close]
        if name == "span" and "tg-spoiler" not in attributes:
            raise _entities_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        stack.append(name)
        i = close + 1
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _reserved(char: str) -> TelegramApiError:
    return _entities_error(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def _render_markdown_v2(text: str) -> str:
    """Validate MarkdownV2 like tdlib's ``parse_markdown_v2`` and return the visible text."""
    reserved_all = "_*[]()~`>#+-=|{}.!"
    out: list[str] = []
    stack: list[tuple[str, int]] = []  # (entity type, byte offset)
    i = 0
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else ""

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        line_start = i == 0 or text[i - 1] == "\n"
        if line_start and not stack:
            # Block quotes: ">" or expandable "**>" at the start of a line.
            if c == ">":
                i += 1
                continue
            if text.startswith("**>", i):
                i += 3
                continue
        if c == "|" and at(i + 1) == "|" and not stack and at(i + 2) in ("", "\n"):
            i += 2  # end of an expandable block quote
            continue
        top = stack[-1][0] if stack else None
        reserved = "`" if top in ("Code", "Pre") else reserved_all
        if c not in reserved:
            out.append(c)
            i += 1
            continue
        is_end = {
            None: False,
            "Bold": c == "*",
            "Italic": c == "_" and at(i + 1) != "_",
            "Underline": c == "_" and at(i + 1) == "_",
            "Strikethrough": c == "~",
            "Spoiler": c == "|" and at(i + 1) == "|",
            "Code": c == "`",
            "Pre": text.startswith("```", i),
            "TextUrl": c == "]",
            "CustomEmoji": c == "]",
        }[top]
        offset = _byte_offset(text, i)
        if not is_end:
            if c == "_":
                if at(i + 1) == "_":
                    stack.append(("Underline", offset))
                    i += 1
                else:
                    stack.append(("Italic", offset))
            elif c == "*":
                stack.append(("Bold", offset))
            elif c == "~":
                stack.append(("Strikethrough", offset))
            elif c == "|":
                if at(i + 1) != "|":
                    raise _reserved(c)
                stack.append(("Spoiler", offset))
                i += 1
            elif c == "[":
                stack.append(("TextUrl", offset))
            elif c == "`":
                if text.startswith("```", i):
                    # tdlib: an optional language word, then one newline, are not content.
                    i += 3
                    end = i
                    while end < n and not text[end].isspace() and text[end] != "`":
                        end += 1
                    if end != i and end < n and text[end] != "`":
                        i = end
                    if at(i) in ("\n", "\r"):
                        i += 1
                    i -= 1
                    stack.append(("Pre", offset))
                else:
                    stack.append(("Code", offset))
            elif c == "!":
                if at(i + 1) != "[":
                    raise _reserved(c)
                stack.append(("CustomEmoji", offset))
                i += 1
            else:
                raise _reserved(c)
            i += 1
            continue
        kind, _ = stack.pop()
        if kind in ("Underline", "Spoiler"):
            i += 1
        elif kind == "Pre":
            i += 2
        elif kind in ("TextUrl", "CustomEmoji"):
            if at(i + 1) == "(":
                j = i + 2
                url_begin = _byte_offset(text, j)
                while j < n and text[j] != ")":
                    j += 2 if text[j] == "\\" and j + 1 < n else 1
                if j >= n:
                    raise _entities_error(f"Can't find end of a URL at byte offset {url_begin}")
                i = j
            elif kind == "CustomEmoji":
                raise _entities_error("Custom emoji entity must contain a tg://emoji URL")
        i += 1
    if stack:
        kind, offset = stack[-1]
        raise _entities_error(f"Can't find end of {kind} entity at byte offset {offset}")
    return "".join(out)


def _render_markdown(text: str) -> str:
    """Legacy Markdown: only checks that entities are closed (tdlib's ``parse_markdown``)."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            i += 1
            continue
        start = "```" if text.startswith("```", i) else c
        end = "]" if c == "[" else start
        close = text.find(end, i + len(start))
        if close < 0:
            raise _entities_error(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
            )
        out.append(text[i + len(start) : close])
        i = close + len(end)
        if c == "[" and i < n and text[i] == "(":
            paren = text.find(")", i)
            if paren < 0:
                raise _entities_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            i = paren + 1
    return "".join(out)


def render_text(text: str, parse_mode: str | None, *, validate: bool = True) -> str:
    """The text a user would see for ``text`` in ``parse_mode``; raises TelegramApiError (400)
    for markup Telegram would reject.  With ``validate=False`` falls back to the raw text."""
    mode = (parse_mode or "").lower()
    try:
        if mode == "":
            return text
        if mode == "html":
            return _render_html(text)
        if mode == "markdownv2":
            return _render_markdown_v2(text)
        if mode == "markdown":
            return _render_markdown(text)
    except TelegramApiError:
        if validate:
            raise
        return text
    raise _bad_request(f"unsupported parse_mode {parse_mode!r}")


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

_Handler = Callable[[Call], Awaitable[Any]]


class FakeBotApi:
    """An in-process Telegram Bot API: an aiohttp server plus a model of the chats.

    All coroutine methods must run in the event loop the server was started in.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "fake_test_bot",
        bot_first_name: str = "Fake Bot",
        strict_chats: bool = False,
        validate_entities: bool = True,
    ) -> None:
        """
        Args:
            token: if given, requests with another token get 401 Unauthorized (like Telegram);
                by default any token is accepted and the bot id is taken from it.
            strict_chats: answer "chat not found" for chats no user ever wrote from (Telegram
                does that for users who never started the bot). Off by default so jobs can
                message seeded users; call :meth:`add_chat` to register one.
            validate_entities: reject malformed HTML/MarkdownV2 like Telegram does.
        """
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_chats = strict_chats
        self.validate_entities = validate_entities
        self._bot_id = _bot_id_from_token(token or DEFAULT_TOKEN)

        # Recorded state, public for assertions.
        self.calls: list[Call] = []
        self.unknown_calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.queued_updates: list[JSONDict] = []
        self.webhook_url: str = ""
        self.webhook_params: dict[str, Any] = {}
        #: Exceptions raised by the bot's handlers (filled by :func:`run_application`).
        self.app_errors: list[BaseException] = []

        self._sent: dict[int, list[SentMessage]] = {}
        self._user_messages: dict[int, list[UserMessage]] = {}
        self._message_counters: dict[int, itertools.count[int]] = {}
        self._chats: dict[int, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._blocked: set[int] = set()
        self._callback_queries: dict[str, tuple[int, int, str | None]] = {}
        self._uploaded: dict[str, UploadedFile] = {}

        self._pending: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._delivered_max = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0

        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._chaos: _Chaos | None = None
        self._first_attempts: _FirstAttempts | None = None
        self._raw_answers: list[_RawAnswer] = []
        #: Every fault the chaos mode injected, in order (for measuring how clients react).
        self.chaos_events: list[ChaosEvent] = []

        self._in_flight = 0
        #: The most Bot API calls (polls aside) that were being answered at the same moment.
        self.max_in_flight = 0
        self._last_activity = time.monotonic()
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

        handlers: dict[str, _Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": self._just_ok,
            "logOut": self._just_ok,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "deleteMessage": self._delete_message,
        }
        # Telegram matches method names case-insensitively; calls are recorded in camelCase.
        self._methods = {name.lower(): handler for name, handler in handlers.items()}
        self._canonical = {name.lower(): name for name in handlers}

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_user(self) -> JSONDict:
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve in the running loop."""
        if self._runner is not None:
            return
        self._closing = False
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._handle_stray)
        # handler_cancellation: when PTB abandons a long poll (Updater.stop cancels the request)
        # the handler is cancelled instead of lingering until its timeout.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        """Release pending long polls (they answer ``[]``) and shut the server down."""
        if self._runner is None:
            return
        self._closing = True
        self._bump()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- change notification

    def _bump(self) -> None:
        """Wake everyone waiting for a state change (long polls and ``wait_for_*``)."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _wait_changed(self, timeout: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

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
                raise AssertionError(explain() + self._diagnostics())
            await self._wait_changed(remaining)

    def _diagnostics(self) -> str:
        lines: list[str] = []
        failed = [c for c in self.calls if c.status not in (None, 200)]
        if failed:
            lines.append("failed API calls:")
            lines += [
                f"  {c.method} {_short(str(c.params), 120)} -> {c.status} {c.description}"
                for c in failed[-10:]
            ]
        if self.unknown_calls:
            lines.append(f"unknown methods called: {[c.method for c in self.unknown_calls]}")
        if self.app_errors:
            lines.append("errors raised in bot handlers:")
            lines += [f"  {type(e).__name__}: {e}" for e in self.app_errors[-5:]]
        return ("\n" + "\n".join(lines)) if lines else ""

    # ---------------------------------------------------------------- HTTP plumbing

    async def _handle_stray(self, request: web.Request) -> web.Response:
        call = Call(method=request.path, params={}, timestamp=time.monotonic(), status=404)
        call.description = "Not Found"
        self.calls.append(call)
        self.unknown_calls.append(call)
        self._bump()
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            else:  # urlencoded or multipart; aiohttp yields nothing for other types
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            filename=value.filename,
                            content=value.file.read(),
                            content_type=value.content_type,
                            part_name=key,
                        )
                    else:
                        raw[key] = value
        return raw, files

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        raw, files = await self._read_params(request)
        params = {key: _decode_param(key, value) for key, value in raw.items()}
        for part_name, upload in files.items():
            if part_name not in params:
                params[part_name] = upload  # uploaded directly as this parameter
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.get(value.removeprefix("attach://"), value)
        method = self._canonical.get(name.lower(), name)
        call = Call(
            method=method,
            params=params,
            timestamp=time.monotonic(),
            raw_params=raw,
            files=files,
        )
        self.calls.append(call)
        chaos = self._chaos_for(call)
        if chaos == "drop":
            # A dropped connection: no answer at all, as when a proxy or the network fails.
            call.status = None
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        raw_answer = self._take_raw_answer(method.lower())
        if raw_answer is not None:
            call.status = raw_answer.status
            self._bump()
            return web.Response(
                body=raw_answer.body, status=raw_answer.status, content_type="application/json"
            )
        is_poll = method == "getUpdates"
        if not is_poll:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self._last_activity = time.monotonic()
        self._bump()
        try:
            status, body = await self._answer(call, token)
        finally:
            if not is_poll:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
            self._bump()
        call.status = status
        call.description = body.get("description")
        return web.json_response(body, status=status)

    async def _answer(self, call: Call, token: str) -> tuple[int, JSONDict]:
        if self.token is not None and token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if self.token is None:
            self._bot_id = _bot_id_from_token(token)
        key = call.method.lower()
        handler = self._methods.get(key)
        if handler is None:
            self.unknown_calls.append(call)
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        delay = self._take(self._delays, key)
        if delay is not None and not delay.apply_first:
            await asyncio.sleep(delay.seconds)
        if call.injected and call.chaos is not None:
            return await self._first_attempt_answer(call, call.chaos)
        if call.chaos is not None:
            return await self._chaos_answer(call, call.chaos)
        fault = self._take_fault(key, call.params.get("chat_id"))
        if fault is not None:
            error = TelegramApiError(fault.status, fault.description, fault.parameters)
            return fault.status, error.body()
        try:
            chat_id = call.params.get("chat_id")
            if isinstance(chat_id, int) and chat_id in self._blocked:
                raise TelegramApiError(403, BLOCKED)
            result = await handler(call)
        except TelegramApiError as error:
            return error.status, error.body()
        if delay is not None and delay.apply_first:
            await asyncio.sleep(delay.seconds)
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _take(items: list[_Delay], method: str) -> _Delay | None:
        for item in items:
            if item.method == method and item.remaining > 0:
                item.remaining -= 1
                if item.remaining == 0:
                    items.remove(item)
                return item
        return None

    def _take_fault(self, method: str, chat_id: Any) -> _Fault | None:
        for fault in self._faults:
            if fault.method != method or fault.remaining <= 0:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining == 0:
                self._faults.remove(fault)
            return fault
        return None

    # ---------------------------------------------------------------- fault injection

    def chaos(
        self,
        method: str,
        rate: float,
        *,
        kinds: tuple[str, ...] = ("429", "5xx", "timeout", "drop"),
        seed: int = 0,
        hang_seconds: float = 3.0,
    ) -> None:
        """From now on, answer a share ``rate`` of ``method``'s calls with a random fault:
        ``429`` (retry_after 1 or 2 s), ``5xx`` (500/502/503/504), ``timeout`` (hang for
        ``hang_seconds``, then a 504: the message was not delivered) or ``drop`` (close the
        connection without an answer). Nothing is delivered on a fault, so a client that loses
        nothing and repeats nothing delivers each message exactly once. ``rate=0`` stops it."""
        import random

        self._chaos = (
            _Chaos(method.lower(), rate, kinds, random.Random(seed), hang_seconds)
            if rate > 0
            else None
        )

    def fail_first_attempts(
        self,
        methods: tuple[str, ...] | str,
        *,
        every: int = 1,
        kinds: tuple[str, ...] = ("5xx", "drop", "timeout"),
        hang_seconds: float = 3.0,
        chat_id: int | str | None = None,
    ) -> None:
        """Deterministic faults, for clients that retry: one in every ``every`` distinct
        requests to ``methods`` (same method and parameters; optionally only for ``chat_id``)
        fails the first time it arrives, the kinds taken in turn from ``kinds`` (``5xx`` is a
        500, ``timeout`` hangs ``hang_seconds`` and then answers 504, ``drop`` closes the
        connection without an answer; ``429`` asks to retry after 1 s). A repeat of a request
        already seen (a retry) is answered normally. Nothing is delivered on a fault. Every
        injected fault is recorded in :attr:`chaos_events` and on its :class:`Call`
        (``chaos``, ``injected``). ``every=0`` stops it."""
        names = (methods,) if isinstance(methods, str) else methods
        self._first_attempts = (
            _FirstAttempts(
                frozenset(name.lower() for name in names), every, kinds, hang_seconds, chat_id
            )
            if every > 0
            else None
        )

    @property
    def first_attempt_faults(self) -> int:
        """How many faults :meth:`fail_first_attempts` has injected so far."""
        return self._first_attempts.injected if self._first_attempts is not None else 0

    def _first_attempt_for(self, call: Call) -> str | None:
        plan = self._first_attempts
        if plan is None or call.method.lower() not in plan.methods:
            return None
        if plan.chat_id is not None and call.params.get("chat_id") != plan.chat_id:
            return None
        files = {k: (f.filename, len(f.content)) for k, f in call.files.items()}
        key = json.dumps([call.method, call.raw_params, files], sort_keys=True, default=str)
        if key in plan.seen:
            return None
        plan.seen.add(key)
        plan.distinct += 1
        if (plan.distinct - 1) % plan.every != 0:
            return None
        kind = plan.kinds[plan.injected % len(plan.kinds)]
        plan.injected += 1
        call.chaos, call.injected = kind, True
        if kind == "drop":
            self.chaos_events.append(
                ChaosEvent(time.monotonic(), kind, call.params.get("chat_id"), None, None)
            )
        return kind

    async def _first_attempt_answer(self, call: Call, kind: str) -> tuple[int, JSONDict]:
        plan = self._first_attempts
        hang = plan.hang_seconds if plan is not None else 0.0
        chat_id = call.params.get("chat_id")
        if kind == "timeout":
            self.chaos_events.append(ChaosEvent(time.monotonic(), kind, chat_id, None, None))
            await asyncio.sleep(hang)
            return 504, TelegramApiError(504, "Gateway Timeout").body()
        if kind == "429":
            self.chaos_events.append(ChaosEvent(time.monotonic(), kind, chat_id, 429, 1))
            return 429, TelegramApiError(
                429, "Too Many Requests: retry after 1", {"retry_after": 1}
            ).body()
        self.chaos_events.append(ChaosEvent(time.monotonic(), kind, chat_id, 500, None))
        return 500, TelegramApiError(500, _DEFAULT_DESCRIPTIONS[500]).body()

    def answer_raw(
        self, method: str, body: bytes | str | JSONDict, *, status: int = 200, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with exactly this body (a dict is sent
        as JSON): a malformed or truncated answer, as from a broken proxy or a changed API."""
        data = (
            body
            if isinstance(body, bytes)
            else body.encode()
            if isinstance(body, str)
            else json.dumps(body).encode()
        )
        self._raw_answers.append(_RawAnswer(method.lower(), status, data, times))

    def _take_raw_answer(self, method: str) -> _RawAnswer | None:
        for answer in self._raw_answers:
            if answer.method == method and answer.remaining > 0:
                answer.remaining -= 1
                if answer.remaining == 0:
                    self._raw_answers.remove(answer)
                return answer
        return None

    def _chaos_for(self, call: Call) -> str | None:
        first = self._first_attempt_for(call)
        if first is not None:
            return first
        chaos = self._chaos
        if chaos is None or call.method.lower() != chaos.method or chaos.rng.random() >= chaos.rate:
            return None
        kind = str(chaos.rng.choice(chaos.kinds))
        call.chaos = kind
        if kind == "drop":
            self.chaos_events.append(
                ChaosEvent(time.monotonic(), kind, call.params.get("chat_id"), None, None)
            )
        return kind

    async def _chaos_answer(self, call: Call, kind: str) -> tuple[int, JSONDict]:
        chaos = self._chaos
        assert chaos is not None
        chat_id = call.params.get("chat_id")
        retry_after: int | None = None
        if kind == "429":
            status, retry_after = 429, int(chaos.rng.choice((1, 2)))
            error = TelegramApiError(
                status,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        elif kind == "timeout":
            # Logged before hanging: the client gives up first and the handler may be cancelled.
            self.chaos_events.append(ChaosEvent(time.monotonic(), kind, chat_id, None, None))
            await asyncio.sleep(chaos.hang_seconds)
            status = 504
            return status, TelegramApiError(status, "Gateway Timeout").body()
        else:
            status = int(chaos.rng.choice((500, 502, 503, 504)))
            error = TelegramApiError(status, _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}"))
        self.chaos_events.append(ChaosEvent(time.monotonic(), kind, chat_id, status, retry_after))
        return status, error.body()

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (optionally only for ``chat_id``) with
        Telegram's error shape.  429 carries ``parameters.retry_after`` (default 1 s) so PTB
        raises RetryAfter; 403 defaults to "bot was blocked by the user"."""
        parameters: JSONDict | None = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            parameters = {"retry_after": retry_after}
            default = f"Too Many Requests: retry after {retry_after}"
        else:
            if retry_after is not None:
                parameters = {"retry_after": retry_after}
            default = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.append(
            _Fault(
                method=method.lower(),
                status=status,
                description=description or default,
                parameters=parameters,
                remaining=times,
                chat_id=chat_id,
            )
        )

    def delay_next(
        self, method: str, seconds: float, *, times: int = 1, apply_first: bool = False
    ) -> None:
        """Make the next ``times`` calls of ``method`` answer ``seconds`` late.

        By default the call takes effect only after the delay (a client that times out and
        hangs up leaves no trace).  ``apply_first=True`` applies it immediately and only delays
        the answer -- the "Telegram got it but the answer was lost" case that makes naive
        retries send duplicates.
        """
        self._delays.append(
            _Delay(method=method.lower(), seconds=seconds, remaining=times, apply_first=apply_first)
        )

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()

    # ---------------------------------------------------------------- chats and users

    def set_user(self, chat_id: int, user: Mapping[str, Any]) -> None:
        """Override the default user (id=chat_id, first_name "Pat") for a private chat."""
        self._users[chat_id] = {**self.user_for(chat_id), **user}
        self._chats.pop(chat_id, None)

    def user_for(self, chat_id: int) -> JSONDict:
        user = self._users.get(chat_id)
        if user is None:
            user = {"id": chat_id, "is_bot": False, "first_name": "Pat"}
        return dict(user)

    def add_chat(self, chat_id: int) -> None:
        """Register a chat as known (relevant with ``strict_chats=True``)."""
        self._chat(chat_id)

    def _chat(self, chat_id: int) -> JSONDict:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                user = self.user_for(chat_id)
                chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                for key in ("last_name", "username"):
                    if key in user:
                        chat[key] = user[key]
            else:
                chat = {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
            self._chats[chat_id] = chat
        return dict(chat)

    def _user(self, chat_id: int, user: Mapping[str, Any] | None) -> JSONDict:
        if user is None:
            return self.user_for(chat_id)
        return {**self.user_for(chat_id), **user}

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_counters.setdefault(chat_id, itertools.count(1))
        return next(counter)

    # ---------------------------------------------------------------- driving the bot as a user

    async def queue_update(self, update: Mapping[str, Any]) -> JSONDict:
        """Queue a raw update (``update_id`` is assigned if missing) for getUpdates."""
        queued = dict(update)
        queued.setdefault("update_id", next(self._update_ids))
        self._pending.append(queued)
        self._pending.sort(key=lambda u: int(u["update_id"]))
        self.queued_updates.append(queued)
        self._bump()
        await asyncio.sleep(0)
        return queued

    async def send_user_message(
        self,
        chat_id: int,
        content: Mapping[str, Any],
        *,
        user: Mapping[str, Any] | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """Queue a ``message`` update with arbitrary content fields (``{"text": ...}``,
        ``{"venue": ...}``, ...).  ``reply_to`` is the message_id replied to."""
        sender = self._user(chat_id, user)
        message_id = self._next_message_id(chat_id)
        message: JSONDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_dict_by_id(chat_id, reply_to)
        update = await self.queue_update({"message": message})
        self._user_messages.setdefault(chat_id, []).append(
            UserMessage(
                message_id=message_id,
                chat_id=chat_id,
                user=sender,
                message=message,
                update_id=int(update["update_id"]),
            )
        )
        return update

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user: Mapping[str, Any] | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """A text message; "/cmd args" gets the ``bot_command`` entity CommandHandler needs.
        Reply-keyboard presses are plain text too."""
        content: JSONDict = {"text": text}
        command = _BOT_COMMAND_RE.match(text)
        if command is not None:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())}
            ]
        return await self.send_user_message(chat_id, content, user=user, reply_to=reply_to)

    async def send_location(
        self,
        chat_id: int,
        latitude: float,
        longitude: float,
        *,
        user: Mapping[str, Any] | None = None,
        live_period: int | None = None,
    ) -> JSONDict:
        location: JSONDict = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            location["live_period"] = live_period
        return await self.send_user_message(chat_id, {"location": location}, user=user)

    async def send_photo(
        self, chat_id: int, *, caption: str | None = None, user: Mapping[str, Any] | None = None
    ) -> JSONDict:
        content: JSONDict = {"photo": self._photo_sizes(self._new_file_id("userphoto"), 1234)}
        if caption is not None:
            content["caption"] = caption
        return await self.send_user_message(chat_id, content, user=user)

    async def send_sticker(
        self, chat_id: int, *, emoji: str = "👍", user: Mapping[str, Any] | None = None
    ) -> JSONDict:
        file_id = self._new_file_id("sticker")
        sticker = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
        return await self.send_user_message(chat_id, {"sticker": sticker}, user=user)

    async def send_voice(
        self, chat_id: int, *, duration: int = 3, user: Mapping[str, Any] | None = None
    ) -> JSONDict:
        file_id = self._new_file_id("voice")
        voice = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4321,
        }
        return await self.send_user_message(chat_id, {"voice": voice}, user=user)

    async def send_document(
        self,
        chat_id: int,
        *,
        file_name: str = "notes.txt",
        mime_type: str = "text/plain",
        caption: str | None = None,
        user: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        file_id = self._new_file_id("userdoc")
        content: JSONDict = {
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": 100,
            }
        }
        if caption is not None:
            content["caption"] = caption
        return await self.send_user_message(chat_id, content, user=user)

    async def send_contact(
        self,
        chat_id: int,
        *,
        phone_number: str = "+15555550100",
        first_name: str | None = None,
        user_id: int | None = None,
        user: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """A shared contact; defaults to the sender's own (as a "share my number" button)."""
        sender = self._user(chat_id, user)
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or sender["first_name"],
            "user_id": sender["id"] if user_id is None else user_id,
        }
        return await self.send_user_message(chat_id, {"contact": contact}, user=user)

    async def tap(
        self,
        chat_id: int,
        button_text: str,
        message: SentMessage | int | None = None,
        *,
        user: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """Press an inline button by label and queue the callback_query update.

        ``message`` (a SentMessage or message_id) defaults to the newest non-deleted bot message
        in the chat that has an inline keyboard.
        """
        target = self._tap_target(chat_id, message)
        button = target.button(button_text)
        data = button.get("callback_data")
        if data is None:
            raise AssertionError(
                f"Inline button {button_text!r} on message {target.message_id} has no "
                f"callback_data (it is {button!r}); it cannot be tapped into a callback query"
            )
        return await self._queue_callback(chat_id, str(data), self._message_dict(target), user)

    async def tap_data(
        self,
        chat_id: int,
        data: str,
        message_id: int,
        *,
        user: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """Queue a callback_query with arbitrary (e.g. forged or stale) data.

        If ``message_id`` is not a known bot message the query carries an inaccessible message
        (``date`` 0), as Telegram does for old or deleted messages.
        """
        found = self._find_sent(chat_id, message_id)
        if found is not None and not found.deleted:
            message = self._message_dict(found)
        else:
            message = {"message_id": message_id, "date": 0, "chat": self._chat(chat_id)}
        return await self._queue_callback(chat_id, data, message, user)

    async def _queue_callback(
        self, chat_id: int, data: str, message: JSONDict, user: Mapping[str, Any] | None
    ) -> JSONDict:
        query_id = str(4_200_000_000 + next(self._query_ids))
        self._callback_queries[query_id] = (chat_id, int(message["message_id"]), data)
        query = {
            "id": query_id,
            "from": self._user(chat_id, user),
            "message": message,
            "chat_instance": f"ci{abs(chat_id)}",
            "data": data,
        }
        return await self.queue_update({"callback_query": query})

    def _tap_target(self, chat_id: int, message: SentMessage | int | None) -> SentMessage:
        if isinstance(message, SentMessage):
            found = self._find_sent(chat_id, message.message_id)
        elif isinstance(message, int):
            found = self._find_sent(chat_id, message)
        else:
            found = next(
                (m for m in reversed(self.sent(chat_id)) if m.inline_keyboard and not m.deleted),
                None,
            )
        if found is None or found.deleted:
            summary = [(m.message_id, _short(m.text), m.buttons) for m in self.sent(chat_id)]
            raise AssertionError(
                f"No bot message with an inline keyboard to tap in chat {chat_id} "
                f"(requested {message!r}); bot messages (id, text, buttons): {summary!r}"
            )
        return found

    async def block(self, chat_id: int) -> JSONDict:
        """The user blocks the bot: queue ``my_chat_member`` (member -> kicked); from now on
        calls for this chat answer 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)
        return await self._queue_my_chat_member(chat_id, "member", "kicked")

    async def unblock(self, chat_id: int) -> JSONDict:
        self._blocked.discard(chat_id)
        return await self._queue_my_chat_member(chat_id, "kicked", "member")

    async def _queue_my_chat_member(self, chat_id: int, old: str, new: str) -> JSONDict:
        def member(status: str) -> JSONDict:
            entry: JSONDict = {"status": status, "user": self.bot_user}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        update = {
            "my_chat_member": {
                "chat": self._chat(chat_id),
                "from": self.user_for(chat_id),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        }
        return await self.queue_update(update)

    # ---------------------------------------------------------------- assertions helpers

    def sent(self, chat_id: int) -> list[SentMessage]:
        """Bot messages sent to the chat, oldest first (deleted ones included, flagged)."""
        return list(self._sent.get(chat_id, []))

    def last(self, chat_id: int) -> SentMessage:
        messages = self._sent.get(chat_id)
        if not messages:
            raise AssertionError(f"The bot sent nothing to chat {chat_id}" + self._diagnostics())
        return messages[-1]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        found = self._find_sent(chat_id, message_id)
        if found is None:
            raise AssertionError(f"No bot message {message_id} in chat {chat_id}")
        return found

    def texts(self, chat_id: int) -> list[str | None]:
        """Current rendered text/caption of every bot message in the chat."""
        return [m.plain_text for m in self.sent(chat_id)]

    def user_messages(self, chat_id: int) -> list[UserMessage]:
        return list(self._user_messages.get(chat_id, []))

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Labels of the reply keyboard currently shown in the chat (``None`` if none or
        removed with ReplyKeyboardRemove)."""
        for message in reversed(self._sent.get(chat_id, [])):
            markup = message.params.get("reply_markup")
            if not isinstance(markup, dict):
                continue
            if markup.get("remove_keyboard"):
                return None
            if "keyboard" in markup:
                return [
                    [b if isinstance(b, str) else str(b.get("text")) for b in row]
                    for row in markup["keyboard"]
                ]
        return None

    def calls_to(self, method: str) -> list[Call]:
        key = method.lower()
        return [c for c in self.calls if c.method.lower() == key]

    def mark(self, chat_id: int) -> int:
        """A bookmark for :meth:`wait_for_new`: the number of bot messages sent so far."""
        return len(self._sent.get(chat_id, []))

    def call_mark(self) -> int:
        """A bookmark for ``wait_for_call(since=...)``."""
        return len(self.calls)

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = WAIT_SECONDS
    ) -> list[SentMessage]:
        """Wait until the bot sent at least ``count`` messages (edits don't count) to the chat;
        returns all of them."""

        def probe() -> list[SentMessage] | None:
            messages = self.sent(chat_id)
            return messages if len(messages) >= count else None

        def explain() -> str:
            got = [(m.message_id, m.kind, _short(m.text)) for m in self.sent(chat_id)]
            return (
                f"Expected at least {count} bot message(s) in chat {chat_id} within {timeout}s, "
                f"got {len(got)}: {got!r}"
            )

        return await self._wait_until(probe, timeout, explain)

    async def wait_for_new(
        self, chat_id: int, mark: int, count: int = 1, timeout: float = WAIT_SECONDS
    ) -> list[SentMessage]:
        """Wait for ``count`` bot messages sent after ``mark = api.mark(chat_id)``; returns
        the new ones."""

        def probe() -> list[SentMessage] | None:
            new = self.sent(chat_id)[mark:]
            return new if len(new) >= count else None

        def explain() -> str:
            new = [(m.message_id, m.kind, _short(m.text)) for m in self.sent(chat_id)[mark:]]
            return (
                f"Expected {count} new bot message(s) in chat {chat_id} within {timeout}s, "
                f"got {len(new)}: {new!r}"
            )

        return await self._wait_until(probe, timeout, explain)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = WAIT_SECONDS,
        *,
        since: int = 0,
    ) -> Call:
        """Wait for a call of ``method`` (any case) matching ``predicate``, looking at calls
        from index ``since`` (see :meth:`call_mark`).  Returns the first match; the call may
        still be in flight (``status is None``)."""
        key = method.lower()

        def probe() -> Call | None:
            for call in self.calls[since:]:
                if call.method.lower() == key and (predicate is None or predicate(call)):
                    return call
            return None

        def explain() -> str:
            seen = [c.method for c in self.calls[since:] if c.method != "getUpdates"]
            return f"No matching {method} call within {timeout}s; calls seen: {seen!r}"

        return await self._wait_until(probe, timeout, explain)

    async def wait_idle(self, quiet: float = 0.2, timeout: float = WAIT_SECONDS) -> None:
        """Wait until every queued update was fetched, no request is in flight and nothing
        happened for ``quiet`` seconds.  A heuristic for "the bot is done reacting", useful
        before asserting that nothing (more) was sent."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            undelivered = [u for u in self._pending if self._is_undelivered(u)]
            if not undelivered and self._in_flight == 0 and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise AssertionError(
                    f"Bot not idle after {timeout}s: {len(undelivered)} update(s) not fetched, "
                    f"{self._in_flight} request(s) in flight" + self._diagnostics()
                )
            await asyncio.sleep(min(0.02, quiet))

    def _is_undelivered(self, update: JSONDict) -> bool:
        return int(update["update_id"]) > self._delivered_max and self._allowed(update)

    def assert_no_unknown_calls(self) -> None:
        assert not self.unknown_calls, (
            f"Bot called unimplemented/unknown Bot API methods: "
            f"{[(c.method, c.params) for c in self.unknown_calls]}"
        )

    # ---------------------------------------------------------------- message model

    def _find_sent(self, chat_id: int, message_id: int) -> SentMessage | None:
        for message in self._sent.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def _find_user_message(self, chat_id: int, message_id: int) -> UserMessage | None:
        for message in self._user_messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def _message_dict_by_id(self, chat_id: int, message_id: int) -> JSONDict:
        sent = self._find_sent(chat_id, message_id)
        if sent is not None:
            return self._message_dict(sent)
        user_message = self._find_user_message(chat_id, message_id)
        if user_message is not None:
            return dict(user_message.message)
        raise AssertionError(f"No message {message_id} in chat {chat_id} to reply to")

    def _new_file_id(self, prefix: str) -> str:
        return f"fake-{prefix}-{next(self._file_ids)}"

    @staticmethod
    def _photo_sizes(file_id: str, size: int) -> list[JSONDict]:
        return [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"u{file_id}-s",
                "width": 90,
                "height": 90,
                "file_size": max(1, size // 10),
            },
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 800,
                "height": 800,
                "file_size": size,
            },
        ]

    def _message_dict(self, message: SentMessage) -> JSONDict:
        """The Message object Telegram would return for a bot message in its current state."""
        data: JSONDict = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat(message.chat_id),
            "from": self.bot_user,
        }
        if message.kind == "text":
            data["text"] = message.plain_text or ""
        else:
            if message.plain_text:
                data["caption"] = message.plain_text
            size = len(message.file.content) if message.file else 1000
            file_id = message.file_id or "fake-file"
            if message.kind == "photo":
                data["photo"] = self._photo_sizes(file_id, size)
            else:
                document: JSONDict = {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_size": size,
                }
                if message.file is not None:
                    if message.file.filename:
                        document["file_name"] = message.file.filename
                    if message.file.content_type:
                        document["mime_type"] = message.file.content_type
                data["document"] = document
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        reply = message.params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or message.params.get("reply_to_message_id")
        if isinstance(reply_id, int) and reply_id != message.message_id:
            with contextlib.suppress(AssertionError):
                data["reply_to_message"] = self._message_dict_by_id(message.chat_id, reply_id)
        return data

    # ---------------------------------------------------------------- validation helpers

    def _chat_id(self, call: Call) -> int:
        chat_id = call.params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if not isinstance(chat_id, int):
            raise _bad_request("chat not found")
        if self.strict_chats and chat_id not in self._chats:
            raise _bad_request("chat not found")
        self._chat(chat_id)
        return chat_id

    def _render(self, text: str, parse_mode: Any) -> str:
        mode = parse_mode if isinstance(parse_mode, str) else None
        return render_text(text, mode, validate=self.validate_entities)

    @staticmethod
    def _validate_markup(markup: Any, *, inline_only: bool = False) -> JSONDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup '
                    "should be an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise _bad_request(
                            "can't parse inline keyboard button: Text "
                            "buttons are unallowed in the inline keyboard"
                        )
                    if "callback_data" in button:
                        data = button["callback_data"]
                        size = len(str(data).encode("utf-8"))
                        if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                            raise _bad_request("BUTTON_DATA_INVALID")
                    elif len(button) == 1:
                        raise _bad_request(
                            "can't parse inline keyboard button: Text buttons "
                            "are unallowed in the inline keyboard"
                        )
            return markup
        if inline_only:
            raise _bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad_request("can't parse reply keyboard markup JSON object")

    def _check_reply_target(self, call: Call, chat_id: int) -> None:
        reply = call.params.get("reply_parameters")
        if isinstance(reply, dict):
            reply_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
        else:
            reply_id = call.params.get("reply_to_message_id")
            allow = bool(call.params.get("allow_sending_without_reply"))
        if reply_id is None or allow:
            return
        if self._find_sent(chat_id, reply_id) is None and (
            self._find_user_message(chat_id, reply_id) is None
        ):
            raise _bad_request("message to be replied not found")

    def _store_sent(self, message: SentMessage) -> JSONDict:
        self._sent.setdefault(message.chat_id, []).append(message)
        return self._message_dict(message)

    def _editable(self, call: Call) -> SentMessage:
        if call.params.get("inline_message_id") is not None:
            raise _bad_request("MESSAGE_ID_INVALID")  # inline mode is not modelled
        chat_id = self._chat_id(call)
        message_id = call.params.get("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        found = self._find_sent(chat_id, message_id) if isinstance(message_id, int) else None
        if found is None or found.deleted:
            if isinstance(message_id, int) and self._find_user_message(chat_id, message_id):
                raise _bad_request("message can't be edited")
            raise _bad_request("message to edit not found")
        return found

    def _apply_edit(
        self,
        message: SentMessage,
        *,
        text: str | None,
        plain: str | None,
        parse_mode: str | None,
        markup: JSONDict | None,
    ) -> JSONDict:
        if plain == message.plain_text and text == message.text and markup == message.reply_markup:
            raise _bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.history.append(
            Revision(
                text=message.text,
                parse_mode=message.parse_mode,
                reply_markup=message.reply_markup,
                timestamp=time.monotonic(),
            )
        )
        message.text = text
        message.plain_text = plain
        message.parse_mode = parse_mode
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return self._message_dict(message)

    # ---------------------------------------------------------------- method handlers

    async def _just_ok(self, call: Call) -> bool:
        return True

    async def _get_me(self, call: Call) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _allowed(self, update: JSONDict) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATE_TYPES

    async def _get_updates(self, call: Call) -> list[JSONDict]:
        """Telegram's semantics: ``offset`` forgets every update below it, the answer holds
        updates ``>= offset``; with nothing to return, wait up to ``timeout`` seconds.  A newer
        getUpdates terminates an older waiting one with 409, as Telegram does."""
        if self.webhook_url:
            raise TelegramApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = call.params
        offset = params.get("offset")
        limit = params.get("limit", 100)
        timeout = params.get("timeout", 0)
        limit = min(100, max(1, limit)) if isinstance(limit, int) else 100
        timeout = max(0.0, float(timeout)) if isinstance(timeout, int | float) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed]
        if isinstance(offset, int):
            if offset < 0:
                self._pending = self._pending[offset:]
                offset = None
            else:
                self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]

        self._poll_generation += 1
        generation = self._poll_generation
        self._bump()  # lets an older waiting poll notice it was superseded
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise TelegramApiError(409, _DEFAULT_DESCRIPTIONS[409])
            batch = [u for u in self._pending if self._allowed(u)][:limit]
            remaining = deadline - time.monotonic()
            if batch or self._closing or remaining <= 0:
                break
            await self._wait_changed(remaining)
        if batch:
            self._delivered_max = max(self._delivered_max, int(batch[-1]["update_id"]))
            self._last_activity = time.monotonic()
        return [json.loads(json.dumps(u)) for u in batch]

    async def _delete_webhook(self, call: Call) -> bool:
        self.webhook_url = ""
        self.webhook_params = {}
        if call.params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    async def _set_webhook(self, call: Call) -> bool:
        url = call.params.get("url")
        self.webhook_url = url if isinstance(url, str) else ""
        self.webhook_params = dict(call.params)
        if call.params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    async def _get_webhook_info(self, call: Call) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    @staticmethod
    def _commands_key(call: Call) -> tuple[str, str]:
        scope = call.params.get("scope")
        language = call.params.get("language_code")
        return (
            scope_key(scope if isinstance(scope, dict) else None),
            language if isinstance(language, str) else "",
        )

    async def _set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("can't parse commands JSON object")
        cleaned: list[dict[str, str]] = []
        for entry in commands:
            if not isinstance(entry, dict):
                raise _bad_request("can't parse BotCommand")
            command = str(entry.get("command", ""))
            description = str(entry.get("description", ""))
            if not _COMMAND_RE.fullmatch(command):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = self._commands_key(call)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: Call) -> list[dict[str, str]]:
        return [dict(c) for c in self.commands.get(self._commands_key(call), [])]

    async def _delete_my_commands(self, call: Call) -> bool:
        self.commands.pop(self._commands_key(call), None)
        return True

    async def _send_message(self, call: Call) -> JSONDict:
        chat_id = self._chat_id(call)
        text = call.params.get("text")
        text = "" if text is None else str(text)
        plain = self._render(text, call.params.get("parse_mode"))
        if not plain.strip():
            raise _bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        markup = self._validate_markup(call.params.get("reply_markup"))
        self._check_reply_target(call, chat_id)
        parse_mode = call.params.get("parse_mode")
        return self._store_sent(
            SentMessage(
                message_id=self._next_message_id(chat_id),
                chat_id=chat_id,
                kind="text",
                text=text,
                plain_text=plain,
                parse_mode=parse_mode if isinstance(parse_mode, str) else None,
                reply_markup=markup,
                date=int(time.time()),
                params=call.params,
            )
        )

    async def _send_media(self, call: Call, kind: Literal["photo", "document"]) -> JSONDict:
        chat_id = self._chat_id(call)
        media = call.params.get(kind)
        if media is None or media == "":
            raise _bad_request(f"there is no {kind} in the request")
        caption = call.params.get("caption")
        caption = None if caption is None else str(caption)
        plain = None
        if caption is not None:
            plain = self._render(caption, call.params.get("parse_mode"))
            if len(plain) > MAX_CAPTION_LENGTH:
                raise _bad_request("message caption is too long")
        markup = self._validate_markup(call.params.get("reply_markup"))
        self._check_reply_target(call, chat_id)
        upload: UploadedFile | None = None
        file_ref: str | None = None
        if isinstance(media, UploadedFile):
            upload = media
            file_id = self._new_file_id(kind)
            self._uploaded[file_id] = upload
        else:
            file_ref = str(media)
            upload = self._uploaded.get(file_ref)
            file_id = file_ref if upload is not None else self._new_file_id(kind)
        parse_mode = call.params.get("parse_mode")
        return self._store_sent(
            SentMessage(
                message_id=self._next_message_id(chat_id),
                chat_id=chat_id,
                kind=kind,
                text=caption,
                plain_text=plain,
                parse_mode=parse_mode if isinstance(parse_mode, str) else None,
                reply_markup=markup,
                date=int(time.time()),
                params=call.params,
                file=upload,
                file_ref=file_ref,
                file_id=file_id,
            )
        )

    async def _send_photo(self, call: Call) -> JSONDict:
        return await self._send_media(call, "photo")

    async def _send_document(self, call: Call) -> JSONDict:
        return await self._send_media(call, "document")

    async def _edit_message_text(self, call: Call) -> JSONDict:
        message = self._editable(call)
        if message.kind != "text":
            raise _bad_request("there is no text in the message to edit")
        text = call.params.get("text")
        text = "" if text is None else str(text)
        parse_mode = call.params.get("parse_mode")
        plain = self._render(text, parse_mode)
        if not plain.strip():
            raise _bad_request("text must be non-empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self._validate_markup(call.params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            message,
            text=text,
            plain=plain,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            markup=markup,
        )

    async def _edit_message_caption(self, call: Call) -> JSONDict:
        message = self._editable(call)
        if message.kind == "text":
            raise _bad_request("there is no caption in the message to edit")
        caption = call.params.get("caption")
        caption = None if caption is None else str(caption)
        parse_mode = call.params.get("parse_mode")
        plain = None if caption is None else self._render(caption, parse_mode)
        if plain is not None and len(plain) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        markup = self._validate_markup(call.params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            message,
            text=caption,
            plain=plain,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            markup=markup,
        )

    async def _edit_message_reply_markup(self, call: Call) -> JSONDict:
        message = self._editable(call)
        markup = self._validate_markup(call.params.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            message,
            text=message.text,
            plain=message.plain_text,
            parse_mode=message.parse_mode,
            markup=markup,
        )

    async def _answer_callback_query(self, call: Call) -> bool:
        query_id = call.params.get("callback_query_id")
        if query_id is None:
            raise _bad_request("query_id is empty")
        query_id = str(query_id)
        if query_id not in self._callback_queries or query_id in self.callback_answers:
            raise _bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = call.params.get("text")
        url = call.params.get("url")
        if isinstance(text, str) and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = CallbackAnswer(
            query_id=query_id,
            text=text if isinstance(text, str) else None,
            show_alert=call.params.get("show_alert") is True,
            url=url if isinstance(url, str) else None,
            timestamp=time.monotonic(),
        )
        return True

    async def _send_chat_action(self, call: Call) -> bool:
        self._chat_id(call)
        if call.params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _delete_message(self, call: Call) -> bool:
        chat_id = self._chat_id(call)
        message_id = call.params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad_request("message identifier is not specified")
        target: SentMessage | UserMessage | None = self._find_sent(chat_id, message_id)
        if target is None:
            target = self._find_user_message(chat_id, message_id)
        if target is None or target.deleted:
            raise _bad_request("message to delete not found")
        target.deleted = True
        return True


def _bot_id_from_token(token: str) -> int:
    prefix = token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else 123456


# --------------------------------------------------------------------------------------------
# Running a PTB Application against the fake
# --------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def run_application(
    api: FakeBotApi,
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    poll_timeout: int = 1,
    raise_handler_errors: bool = True,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Initialize, start and poll ``app`` for the duration of the block, then stop it.

    Handler exceptions are recorded in ``api.app_errors`` (so ``wait_for_*`` failures show
    them) and, with ``raise_handler_errors``, the first one is re-raised on a clean exit --
    otherwise a crashing handler only shows up as a confusing timeout.
    """

    async def record_error(update: object, context: Any) -> None:
        if context.error is not None:
            api.app_errors.append(context.error)

    app.add_error_handler(record_error)
    errors_before = len(api.app_errors)
    async with app:
        await app.start()
        assert app.updater is not None, "build the Application with an Updater"
        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
        try:
            yield app
        finally:
            try:
                if app.updater.running:
                    await app.updater.stop()
            finally:
                if app.running:
                    await app.stop()
                app.remove_error_handler(record_error)
    new_errors = api.app_errors[errors_before:]
    if raise_handler_errors and new_errors:
        raise AssertionError(f"bot handler raised: {new_errors[0]!r}") from new_errors[0]

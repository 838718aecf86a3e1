"""Logging that cannot leak a bot token or what a patient wrote.

What a line may carry is decided here, not at each call site, because one careless call (or one
library) is enough to put a patient's words in a log file that outlives their erasure:

* Third-party loggers that echo request URLs or payloads are held at a level where they do not,
  whatever LOG_LEVEL says (``THIRD_PARTY_FLOORS``, each with its reason).
* Records from libraries keep their wording but lose their arguments, except numbers and times:
  python-telegram-bot logs whole updates even at CRITICAL ("Received data was %r"), and no
  level floor can hold those back without losing the line.
* Exceptions are printed as their frames and type names, never their messages: a database error
  quotes its bound parameters, a Telegram error can quote the text it refused.
* Structured extras are an allow-list, each key with the shape its value must have, so a
  pseudonym field cannot carry a chat id and an ``error`` field cannot carry ``str(exc)``.
* Anything shaped like a bot token, and every configured secret, is scrubbed from what is left.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import sys
import traceback
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from typing import IO, Literal, TypeAlias

LogFormat = Literal["text", "json"]
ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
)
FORMATS: tuple[LogFormat, ...] = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "recovery-bot"

_TOKEN_PATTERN = re.compile(r"\d{3,12}:[A-Za-z0-9_-]{20,}")
# The part of a configured token before the colon is the bot's user id; it names the bot.
_TOKEN_ID = re.compile(r"(\d{3,12}):\S+")

# Level floors: below these, the library prints what must not be logged. max(floor, LOG_LEVEL)
# is applied, so LOG_LEVEL=DEBUG debugs our code without opening these.
THIRD_PARTY_FLOORS = {
    # Every request URL at INFO, and the URL holds the bot token.
    "httpx": logging.WARNING,
    # Request and response headers and body events at DEBUG.
    "httpcore": logging.WARNING,
    # HTTP/2 header tables at DEBUG (paths with the token) if httpx ever speaks HTTP/2.
    "hpack": logging.WARNING,
    # DEBUG: "Calling Bot API endpoint ... with parameters" (every message text sent),
    # "Processing update" (the whole update: what the patient typed or tapped), "Getting
    # updates", and the Bot API URL. INFO and above are start/stop lines (their arguments are
    # withheld anyway, see render_message).
    "telegram": logging.INFO,
    # The twilio library's own HTTP client logs each request's method, URL, headers and form
    # at INFO ("-- BEGIN Twilio API Request --"): the text sent and the patient's number.
    "twilio": logging.WARNING,
    # The webhook server (tornado): the access log prints each POST with its path, and DEBUG
    # prints the posted update.
    "tornado": logging.WARNING,
    # Logs every job run at INFO (every few seconds for the tick).
    "apscheduler": logging.WARNING,
    # DEBUG logs each call with its SQL statement and bound parameters.
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    # Debug-mode slow-callback reports quote task and handle reprs.
    "asyncio": logging.INFO,
    # INFO prints statements and bound parameters, DEBUG the rows that came back.
    "sqlalchemy": logging.WARNING,
    # Chatty on every start ("Context impl SQLiteImpl"); `db upgrade` reports the outcome itself.
    "alembic": logging.WARNING,
    # Start/stop lines at INFO are useful; DEBUG and TRACE print every connection's client
    # address and (uvicorn.asgi) the ASGI messages with their bodies.
    "uvicorn.error": logging.INFO,
    "uvicorn.asgi": logging.WARNING,
    # One line per request with its path and query: sign-in tokens and patient ids. The
    # dashboard also turns it off (access_log=False); this holds if that is ever changed.
    "uvicorn.access": logging.WARNING,
    # Form parsing at DEBUG (the dashboard's forms).
    "multipart": logging.WARNING,
    "python_multipart": logging.WARNING,
    # Image chunk dumps at DEBUG while charts are encoded: noise, and nothing to debug of ours.
    "PIL": logging.WARNING,
}
# Loggers whose arguments are printed: ours, whose call sites are reviewed (pseudonyms and
# internal ids only), and the scheduler's, whose only arguments are our own job descriptions
# ("tick (trigger: interval[...])") and run times. Everyone else's are withheld.
_ARGUMENTS_KEPT = ("bot", "jobs", "apscheduler")
# Argument types a library message keeps: counts, delays, ports, times. Never text.
_SAFE_ARG_TYPES = (int, float, type(None), datetime, date, time, timedelta)

_PSEUDONYM = re.compile(r"p-[0-9a-f]{10}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,99}")


def _is_pseudonym(value: object) -> bool:
    return isinstance(value, str) and _PSEUDONYM.fullmatch(value) is not None


def _is_name(value: object) -> bool:
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# The structured fields a line may carry (``extra={...}``), in output order, and the shape each
# value must have. Anything else passed as an extra is never printed.
EXTRA_FIELDS: dict[str, Callable[[object], bool]] = {
    "patient": _is_pseudonym,  # from bot.logs.pseudonym / AppContext.patient_ref
    "outbox_id": _is_count,
    "alert_id": _is_count,
    "job": _is_name,
    "count": _is_count,
    "error": _is_name,  # an exception class name, never its message
}
INVALID = "[invalid]"


class _Withheld:
    """Stands in for a library's argument: its type, never its value."""

    def __init__(self, value: object) -> None:
        self._text = f"<{type(value).__name__}>"

    def __str__(self) -> str:
        return self._text

    __repr__ = __str__


def _withhold(value: object) -> object:
    return value if isinstance(value, _SAFE_ARG_TYPES) else _Withheld(value)


def _keeps_arguments(logger_name: str) -> bool:
    return logger_name.split(".", 1)[0] in _ARGUMENTS_KEPT


def render_message(record: logging.LogRecord) -> str:
    """The record's message as it may be printed (before secrets are scrubbed)."""
    if not isinstance(record.msg, str):
        # ``log.info(update)`` would print the object's str(): its type is all we keep.
        return str(_Withheld(record.msg))
    args = record.args
    if not args:
        return record.msg
    if not _keeps_arguments(record.name):
        if isinstance(args, Mapping) and "%(" in record.msg:
            args = {key: _withhold(value) for key, value in args.items()}
        elif isinstance(args, Mapping):
            # A lone dict argument is the whole of a "%s", keys included.
            args = (_withhold(args),)
        else:
            args = tuple(_withhold(value) for value in args)
    try:
        return record.msg % args
    except (TypeError, ValueError, KeyError):
        # A withheld argument under %d, or a broken call: the template says what happened.
        return f"{record.msg} [arguments withheld]"


def _type_name(exc_type: type[BaseException]) -> str:
    if exc_type.__module__ == "builtins":
        return exc_type.__qualname__
    return f"{exc_type.__module__}.{exc_type.__qualname__}"


_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


def _chain(exc: BaseException) -> tuple[list[BaseException], list[str]]:
    """The exception and its causes, oldest first, and the lines that join them (``joints[i]``
    sits between ``chain[i]`` and ``chain[i + 1]``), as the standard traceback prints them."""
    chain, joints, seen = [exc], [], {id(exc)}
    while True:
        current = chain[-1]
        if current.__cause__ is not None:
            earlier, joint = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            earlier, joint = current.__context__, _CONTEXT
        else:
            break
        if id(earlier) in seen:
            break
        seen.add(id(earlier))
        chain.append(earlier)
        joints.append(joint)
    chain.reverse()
    joints.reverse()
    return chain, joints


def safe_traceback(exc: BaseException) -> str:
    """Where it failed (file, line, function of every frame) and what failed (the type names of
    the chain), without any exception's message or arguments."""
    chain, joints = _chain(exc)
    lines: list[str] = []
    for index, item in enumerate(chain):
        if index:
            lines += ["", joints[index - 1], ""]
        frames = traceback.extract_tb(item.__traceback__)
        if frames:
            lines.append("Traceback (most recent call last):")
            lines += [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
        summary = f"{_type_name(type(item))} (message not logged)"
        if isinstance(item, BaseExceptionGroup):
            inner = ", ".join(_type_name(type(sub)) for sub in item.exceptions)
            summary += f" with: {inner}"
        lines.append(summary)
    return "\n".join(lines)


def _exception_text(record: logging.LogRecord) -> str | None:
    # Never record.exc_text: another handler's formatter may have cached the full message there.
    if not record.exc_info or record.exc_info[1] is None:
        return None
    return safe_traceback(record.exc_info[1])


def _extras(record: logging.LogRecord) -> dict[str, object]:
    fields: dict[str, object] = {}
    for key, valid in EXTRA_FIELDS.items():
        if key in record.__dict__:
            value = record.__dict__[key]
            fields[key] = value if valid(value) else INVALID
    if "error" not in fields and record.exc_info and record.exc_info[0] is not None:
        fields["error"] = record.exc_info[0].__name__
    return fields


def _no_redaction(text: str) -> str:
    return text


class SafeTextFormatter(logging.Formatter):
    """``TEXT_FORMAT``, then `` key=value`` for the allow-listed extras, then the safe
    traceback."""

    def __init__(self, redact: Callable[[str], str] = _no_redaction) -> None:
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def formatException(self, ei: ExcInfo) -> str:
        return safe_traceback(ei[1]) if ei[1] is not None else ""

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{self.formatTime(record, self.datefmt)} {record.levelname} {record.name}: "
            f"{render_message(record)}"
        )
        line += "".join(f" {key}={value}" for key, value in _extras(record).items())
        exception = _exception_text(record)
        if exception:
            line += "\n" + exception
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return self._redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts`` (ISO 8601, UTC), ``level``, ``logger``, ``msg``, the
    allow-listed extras, and ``exc`` (the safe traceback) when there is one."""

    def __init__(self, redact: Callable[[str], str] = _no_redaction) -> None:
        super().__init__()
        self._redact = redact

    def formatException(self, ei: ExcInfo) -> str:
        return safe_traceback(ei[1]) if ei[1] is not None else ""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, object] = {
            "ts": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": self._redact(render_message(record)),
        }
        entry.update(_extras(record))
        exception = _exception_text(record)
        if exception:
            entry["exc"] = self._redact(exception)
        if record.stack_info:
            entry["stack"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=True)


class RedactSecrets(logging.Filter):
    """Replace known secrets and token-shaped strings in the rendered message.

    The record is changed only when there was something to scrub, and then rendered with a
    library's arguments withheld, so scrubbing never bakes them into the message.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        ids = {m.group(1) for s in self._secrets if (m := _TOKEN_ID.fullmatch(s))}
        self._ids = [re.compile(rf"(?<!\d){re.escape(i)}(?!\d)") for i in sorted(ids)]

    def filter(self, record: logging.LogRecord) -> bool:
        rendered = render_message(record)
        cleaned = self.scrub(rendered)
        if cleaned != rendered:
            record.msg, record.args = cleaned, None
        return True

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        text = _TOKEN_PATTERN.sub("[redacted-token]", text)
        for bot_id in self._ids:
            text = bot_id.sub("[redacted-id]", text)
        return text


class _SafeStreamHandler(logging.StreamHandler[IO[str]]):
    def handleError(self, record: logging.LogRecord) -> None:
        # The stock handler prints the record's message and arguments to stderr: say only where
        # the broken call is.
        if not logging.raiseExceptions:
            return
        failure = sys.exc_info()[0]
        reason = failure.__name__ if failure is not None else "error"
        # Nowhere left to report a failure to write this.
        with contextlib.suppress(Exception):
            sys.stderr.write(
                f"--- logging failed ({reason}) for a record from {record.name} "
                f"at {record.pathname}:{record.lineno}\n"
            )


def make_formatter(fmt: str, redact: Callable[[str], str] = _no_redaction) -> logging.Formatter:
    """The formatter for LOG_FORMAT ``text`` or ``json`` (any case)."""
    chosen = fmt.strip().lower()
    if chosen == "json":
        return JsonFormatter(redact)
    if chosen == "text":
        return SafeTextFormatter(redact)
    raise ValueError(f"unknown log format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def configure_logging(
    level: str, secrets: list[str], fmt: str = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """Install one handler (stderr unless ``stream``) with the safe formatter and the redacting
    filter, and apply the third-party floors; idempotent. Returns the handler."""
    redact = RedactSecrets(secrets)
    handler = _SafeStreamHandler(sys.stderr if stream is None else stream)
    handler.set_name(HANDLER_NAME)
    # The filter scrubs the message for every later handler too; the formatter scrubs the whole
    # line it writes, tracebacks included.
    handler.setFormatter(make_formatter(fmt, redact.scrub))
    handler.addFilter(redact)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    root.setLevel(numeric)
    for name, floor in THIRD_PARTY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
    return handler


def pseudonym(kind: str, identifier: int, secret_key: str) -> str:
    """A stable, non-reversible name for a person in logs and audit rows (e.g. ``p-3f9a1c2b7e``)."""
    digest = hmac.new(secret_key.encode(), f"{kind}:{identifier}".encode(), hashlib.sha256)
    return f"{kind[0]}-{digest.hexdigest()[:10]}"

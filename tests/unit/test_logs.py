"""The log formatters, filter and floors: what a line may carry, in both formats."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.logs import (
    HANDLER_NAME,
    INVALID,
    THIRD_PARTY_FLOORS,
    RedactSecrets,
    configure_logging,
    pseudonym,
    safe_traceback,
)

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET_KEY = "a-long-random-secret-key-value"
PATIENT_WORDS = "my husband left and I drank again"
REF = pseudonym("patient", 42, SECRET_KEY)
FORMATS = ["text", "json"]


@pytest.fixture(autouse=True)
def isolated_logging() -> Iterator[None]:
    """configure_logging changes process-wide state: put it back for the next test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    floors = {name: logging.getLogger(name).level for name in THIRD_PARTY_FLOORS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, floor in floors.items():
        logging.getLogger(name).setLevel(floor)


def install(fmt: str, level: str = "DEBUG") -> io.StringIO:
    stream = io.StringIO()
    ours = configure_logging(level, [TOKEN, SECRET_KEY], fmt=fmt, stream=stream)
    # Only ours: pytest's capture handler would fail on the deliberately broken calls.
    logging.getLogger().handlers[:] = [ours]
    return stream


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def failing_deep_inside() -> None:
    try:
        raise KeyError(PATIENT_WORDS)
    except KeyError as exc:
        raise RuntimeError(f"could not store {PATIENT_WORDS!r} with {TOKEN}") from exc


def test_json_lines_parse_with_the_documented_fields() -> None:
    stream = install("json")
    log = logging.getLogger("bot.services.inbox")
    log.info("patient enrolled", extra={"patient": REF})
    log.warning("outbox %d failed (%s)", 17, "BadRequest", extra={"outbox_id": 17, "count": 3})
    first, second = json_lines(stream)
    assert list(first) == ["ts", "level", "logger", "msg", "patient"]
    assert first["level"] == "INFO" and first["logger"] == "bot.services.inbox"
    assert first["msg"] == "patient enrolled" and first["patient"] == REF
    stamp = datetime.fromisoformat(str(first["ts"]))
    assert stamp.utcoffset() == timedelta(0) and str(first["ts"]).endswith("Z")
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=1)
    assert second["msg"] == "outbox 17 failed (BadRequest)"
    assert (second["outbox_id"], second["count"]) == (17, 3)


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_allow_listed_extras_are_printed(fmt: str) -> None:
    stream = install(fmt)
    logging.getLogger("bot.x").info(
        "check-in answered",
        extra={"patient": REF, "text": PATIENT_WORDS, "chat_id": 551234987, "alert_id": 9},
    )
    output = stream.getvalue()
    assert PATIENT_WORDS not in output and "551234987" not in output and "chat_id" not in output
    assert REF in output
    if fmt == "text":
        assert output.rstrip().endswith(f"check-in answered patient={REF} alert_id=9")
    else:
        [line] = json_lines(stream)
        assert set(line) == {"ts", "level", "logger", "msg", "patient", "alert_id"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_allow_listed_key_with_the_wrong_shape_is_not_printed(fmt: str) -> None:
    stream = install(fmt)
    logging.getLogger("bot.x").error(
        "failed",
        extra={"patient": 551234987, "error": f"ValueError: {PATIENT_WORDS}", "count": "7 of 9"},
    )
    output = stream.getvalue()
    assert "551234987" not in output and PATIENT_WORDS not in output and "7 of 9" not in output
    assert output.count(INVALID) == 3


def test_a_patient_pseudonym_is_stable_and_keyed() -> None:
    assert pseudonym("patient", 42, SECRET_KEY) == REF and REF.startswith("p-") and len(REF) == 12
    assert pseudonym("patient", 42, "another key") != REF
    assert pseudonym("patient", 43, SECRET_KEY) != REF


@pytest.mark.parametrize("fmt", FORMATS)
def test_exceptions_show_where_and_what_but_never_their_message(fmt: str) -> None:
    stream = install(fmt)
    try:
        failing_deep_inside()
    except RuntimeError:
        logging.getLogger("bot.telegram.handlers").exception("handler failed")
    output = stream.getvalue()
    text = str(json_lines(stream)[0]["exc"]) if fmt == "json" else output
    assert PATIENT_WORDS not in output and TOKEN not in output and "could not store" not in output
    # Where: every frame's file, line and function; what: each type of the chain.
    assert "in failing_deep_inside" in text and __file__ in text
    assert "in test_exceptions_show_where_and_what_but_never_their_message" in text
    assert "KeyError (message not logged)" in text and "RuntimeError (message not logged)" in text
    assert text.index("KeyError (") < text.index("direct cause") < text.index("RuntimeError (")
    if fmt == "json":
        assert json_lines(stream)[0]["error"] == "RuntimeError"
    else:
        assert "handler failed error=RuntimeError\nTraceback (most recent call last):" in output


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_exception_text_cached_by_another_handler_is_not_reused(fmt: str) -> None:
    # caplog, or any stock handler ahead of ours, caches the full text in record.exc_text.
    stream = install(fmt)
    stock = logging.StreamHandler(io.StringIO())
    stock.setFormatter(logging.Formatter())
    root = logging.getLogger()
    root.handlers.insert(0, stock)
    try:
        failing_deep_inside()
    except RuntimeError:
        logging.getLogger("bot.x").error("failed", exc_info=True)
    assert PATIENT_WORDS in stock.stream.getvalue()  # the stock handler did print it
    assert PATIENT_WORDS not in stream.getvalue() and "in failing_deep_inside" in stream.getvalue()


def test_safe_traceback_handles_context_and_groups() -> None:
    try:
        try:
            raise ValueError(PATIENT_WORDS)
        except ValueError:
            raise ExceptionGroup("two", [TypeError(PATIENT_WORDS), OSError(5, "x")]) from None
    except ExceptionGroup as group:
        text = safe_traceback(group)
    assert PATIENT_WORDS not in text and "ValueError" not in text  # from None: not shown
    assert "ExceptionGroup (message not logged) with: TypeError, OSError" in text
    try:
        try:
            raise ValueError(PATIENT_WORDS)
        except ValueError:
            raise LookupError(PATIENT_WORDS)  # noqa: B904 (the implicit context is the point)
    except LookupError as exc:
        text = safe_traceback(exc)
    assert PATIENT_WORDS not in text and "another exception occurred" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_secrets_and_the_bot_id_are_scrubbed(fmt: str) -> None:
    stream = install(fmt)
    log = logging.getLogger("bot.x")
    log.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning("another token 123456789:ABCdefGHIjklMNOpqrSTUvwxYZ012345 here")
    log.warning("the secret key is %s", SECRET_KEY)
    log.warning("bot 7012345678 but not 70123456789")
    output = stream.getvalue()
    assert TOKEN not in output and "ABCdefGHIjklMNOpqrSTUvwxYZ012345" not in output
    assert SECRET_KEY not in output and "bot [redacted-id] but not 70123456789" in output
    assert output.count("[redacted]") == 2 and "[redacted-token]" in output


def test_the_filter_scrubs_the_record_for_later_handlers_too() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "token %s", (TOKEN,), None)
    assert RedactSecrets([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage() and "[redacted]" in record.getMessage()
    # Scrubbing a library's record renders it with the arguments withheld, never baked in.
    record = logging.LogRecord(
        "telegram.Bot", logging.INFO, __file__, 1, f"{TOKEN} %s", (PATIENT_WORDS,), None
    )
    assert RedactSecrets([TOKEN]).filter(record)
    assert record.getMessage() == "[redacted] <str>"
    # Nothing to scrub: the record is left as it came.
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "outbox %d", (3,), None)
    assert RedactSecrets([TOKEN]).filter(record) and record.args == (3,)


@pytest.mark.parametrize("fmt", FORMATS)
def test_library_messages_keep_their_wording_but_not_their_arguments(fmt: str) -> None:
    stream = install(fmt)
    update = {"message": {"text": PATIENT_WORDS, "chat": {"id": 551234987}}}
    # What python-telegram-bot logs at CRITICAL, whatever the level floors say.
    logging.getLogger("telegram.ext.Application").critical(
        "Error while building CallbackContext for update %s. Update will not be processed.",
        update,
    )
    logging.getLogger("telegram.Bot").critical(
        "Error while parsing updates! Received data was %r", [update]
    )
    logging.getLogger("telegram.ext.AIORateLimiter").info(
        "Rate limit hit. Retrying after %f seconds", 1.5
    )
    logging.getLogger("tornado.application").error("Uncaught %(request)s", {"request": update})
    # The scheduler's arguments are our own job descriptions: kept.
    logging.getLogger("apscheduler.scheduler").warning("Execution of job %s skipped", "tick")
    output = stream.getvalue()
    assert PATIENT_WORDS not in output and "551234987" not in output and "'text'" not in output
    assert "for update <dict>. Update will not be processed." in output
    assert "Received data was <list>" in output and "Uncaught <dict>" in output
    assert "Retrying after 1.500000 seconds" in output
    assert "Execution of job tick skipped" in output


@pytest.mark.parametrize("fmt", FORMATS)
def test_objects_logged_as_the_message_show_only_their_type(fmt: str) -> None:
    stream = install(fmt)
    logging.getLogger("bot.x").info({"text": PATIENT_WORDS})  # a careless call
    logging.getLogger("bot.x").info("%d doses", "not a number")  # a broken one
    output = stream.getvalue()
    assert PATIENT_WORDS not in output and "not a number" not in output
    assert "<dict>" in output and "%d doses [arguments withheld]" in output


@pytest.mark.parametrize("fmt", FORMATS)
def test_third_party_floors_hold_at_debug(fmt: str) -> None:
    stream = install(fmt, "DEBUG")
    payload = f"chat_id=551234987&text={PATIENT_WORDS}"
    chatty = {
        "telegram.ext.ExtBot": "Calling Bot API endpoint `%s` with parameters `%s`",
        "telegram.Bot": "Calling Bot API endpoint `%s` with parameters `%s`",
        "telegram.ext.Application": "Processing update %s %s",
        "telegram.ext.Updater": "Webhook received data: %s %s",
        "httpx": 'HTTP Request: POST %s "%s"',
        "httpcore.http11": "send_request_body.started request=%s %s",
        "hpack.hpack": "Encoding %s %s",
        "sqlalchemy.engine.Engine": "[generated] %s %s",
        "aiosqlite": "executing %s %s",
        "asyncpg.pool": "%s %s",
        "uvicorn.access": '%s - "GET %s HTTP/1.1" 200',
        "uvicorn.error": "%s - Connection made %s",
        "uvicorn.asgi": "ASGI [1] Send %s %s",
        "tornado.access": "200 POST %s %s",
        "python_multipart.multipart": "Calling on_field_data with %s %s",
        "PIL.PngImagePlugin": "STREAM %s %s",
        "apscheduler.executors.default": "Running job %s %s",
        "alembic.runtime.migration": "Running upgrade %s %s",
    }
    for name, template in chatty.items():
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.DEBUG), name
        logger.debug(template, f"https://api.telegram.org/bot{TOKEN}/sendMessage", payload)
    for name in ("httpx", "apscheduler", "sqlalchemy", "aiosqlite", "uvicorn.access", "PIL"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    # Our own code is debuggable at DEBUG.
    logging.getLogger("jobs.sender").debug("outbox %d sent", 5, extra={"outbox_id": 5})
    output = stream.getvalue()
    assert output.count("\n") == 1 and "outbox 5 sent" in output
    assert PATIENT_WORDS not in output and TOKEN not in output


def test_floors_follow_a_stricter_level() -> None:
    install("text", "ERROR")
    assert logging.getLogger().level == logging.ERROR
    assert logging.getLogger("telegram").level == logging.ERROR
    assert logging.getLogger("httpx").level == logging.ERROR


def test_configure_logging_is_idempotent_and_validates_its_arguments() -> None:
    install("text")
    second = install("json")
    ours = [h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME]
    assert len(ours) == 1
    logging.getLogger("bot.x").info("hello")
    assert json.loads(second.getvalue())["msg"] == "hello"
    with pytest.raises(ValueError, match="log format"):
        configure_logging("INFO", [], fmt="xml", stream=io.StringIO())
    with pytest.raises(ValueError, match="log level"):
        configure_logging("LOUD", [], stream=io.StringIO())
    configure_logging("info", [], fmt="JSON", stream=io.StringIO())  # case is forgiven


class _BrokenStream(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError("disk full")


def test_a_failure_to_write_does_not_dump_the_record(capsys: pytest.CaptureFixture[str]) -> None:
    ours = configure_logging("DEBUG", [TOKEN], stream=_BrokenStream())
    logging.getLogger().handlers[:] = [ours]
    logging.getLogger("bot.x").info("note %s", PATIENT_WORDS)
    err = capsys.readouterr().err
    assert "logging failed (OSError) for a record from bot.x" in err
    assert PATIENT_WORDS not in err

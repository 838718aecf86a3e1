"""A whole conversation at DEBUG, through the real python-telegram-bot and the product's own log
handler (both formats at once), on both databases: the logs carry pseudonyms and internal ids,
never the token, anything typed or tapped, check-in answers, chat or user ids, names or codes.

Two views are checked. Every record as logging received it (its rendered message and
allow-listed extras, taken by a handler ahead of ours, before our filter can rewrite anything)
shows what the call sites and the libraries' level floors let through; the handler's streams
show what a deployment actually writes, tracebacks included. (pytest's caplog text is not used:
its formatter prints exception messages, exactly what the product's formatter refuses to do.)
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Patient
from bot.logs import EXTRA_FIELDS, THIRD_PARTY_FLOORS, configure_logging
from bot.services.inbox import Inbox, Sender
from bot.telegram.handlers import SORRY
from tests.conftest import TEST_TOKEN
from tests.e2e.care import Clinic, alerts, at, cards, clock, drained, eventually
from tests.e2e.conftest import LiveBot
from tests.fakes.bot_api import SentMessage

# Realistic ten-digit Telegram ids, so a stray one cannot hide among short numbers.
PAT, NURSE, FRIEND = 7731904521, 7731955102, 7731966203
NAMES = {
    PAT: ("Marisol", "Quintero-Vasquez"),
    NURSE: ("Theodora", "Blackwood"),
    FRIEND: ("Ignatius", "Pemberton"),
}
SEATTLE = (47.6062, -122.3321)
# Daily 08:00 in Los Angeles (PST) is 16:00 UTC; the clock starts on Wed 25 Nov at 15:00 UTC.
FIRST_DOSE = at(2026, 11, 25, 16, 0)
NOTE = "argued with my sister Carmen about the rent money"
BOOM = "this message makes the handler fail"


class Recorder(logging.Handler):
    """Every record as logging received it, before any filter of ours could rewrite it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.loggers: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        extras = [str(record.__dict__[key]) for key in EXTRA_FIELDS if key in record.__dict__]
        self.lines.append(" ".join([record.getMessage(), *extras]))
        self.loggers.add(record.name)


@dataclass
class Logs:
    records: Recorder
    text: io.StringIO
    json: io.StringIO
    handlers: list[logging.Handler] = field(default_factory=list)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[Logs]:
    """The product's handler in both formats and a raw recorder ahead of them, installed
    before the bot starts."""
    # First, so that caplog puts back the root level from before configure_logging changed it.
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    floors = {name: logging.getLogger(name).level for name in THIRD_PARTY_FLOORS}
    captured = Logs(Recorder(), io.StringIO(), io.StringIO())
    secrets = [TEST_TOKEN, "test-secret"]  # the token and SECRET_KEY of make_settings
    text = configure_logging("DEBUG", secrets, fmt="text", stream=captured.text)
    text.set_name("recovery-bot-text")  # so the second call does not replace it
    json_handler = configure_logging("DEBUG", secrets, fmt="json", stream=captured.json)
    root.handlers.insert(0, captured.records)
    captured.handlers = [captured.records, text, json_handler]
    yield captured
    for handler in captured.handlers:
        root.removeHandler(handler)
    for name, floor in floors.items():
        logging.getLogger(name).setLevel(floor)


class Chat:
    """Drives the conversation and remembers everything anyone typed."""

    def __init__(self, bot: LiveBot) -> None:
        self.bot = bot
        self.typed: list[str] = []

    async def say(self, chat: int, text: str) -> list[SentMessage]:
        self.typed.append(text)
        mark = self.bot.api.mark(chat)
        await self.bot.api.send_text(chat, text)
        await self.bot.api.wait_for_new(chat, mark, count=1)
        await self.bot.api.wait_idle(quiet=0.3)
        return self.bot.api.sent(chat)[mark:]

    async def tap(self, chat: int, label: str, message: SentMessage | None = None) -> None:
        calls = self.bot.api.call_mark()
        await self.bot.api.tap(chat, label, message)
        await self.bot.api.wait_for_call("answerCallbackQuery", since=calls)
        await self.bot.api.wait_idle(quiet=0.3)

    async def forge(self, chat: int, data: str) -> None:
        calls = self.bot.api.call_mark()
        await self.bot.api.tap_data(chat, data, 1)
        await self.bot.api.wait_for_call("answerCallbackQuery", since=calls)

    async def reminder(self, due_at: timedelta) -> SentMessage:
        mark = self.bot.api.mark(PAT)
        clock(self.bot).set(FIRST_DOSE + due_at + timedelta(seconds=1))
        [message] = await self.bot.api.wait_for_new(PAT, mark, count=1)
        assert message.buttons == [["✅ Taken", "⏰ Snooze", "Skip"]]
        await drained(self.bot)
        return message


def with_button(messages: list[SentMessage], label: str) -> SentMessage:
    return next(m for m in messages if label in [b for row in m.buttons for b in row])


async def enrol(chat: Chat, code: str) -> None:
    await chat.say(PAT, f"/start {code}")
    await chat.tap(PAT, "I agree")
    mark = chat.bot.api.mark(PAT)
    await chat.bot.api.send_location(PAT, *SEATTLE)
    await chat.bot.api.wait_for_new(PAT, mark, count=1)
    await chat.bot.api.wait_idle(quiet=0.3)
    await chat.tap(PAT, "Yes, that's right")
    await chat.say(PAT, "daily")
    await chat.say(PAT, "8am")
    await chat.tap(PAT, "No check-ins")
    await chat.tap(PAT, "Looks good")
    assert "You're all set" in (chat.bot.api.last(PAT).plain_text or "")


async def doses(chat: Chat) -> None:
    """Taken; snoozed, then taken when it came back; skipped with a reason."""
    first = await chat.reminder(timedelta(0))
    await chat.tap(PAT, "✅ Taken", first)
    second = await chat.reminder(timedelta(days=1))
    await chat.tap(PAT, "⏰ Snooze", second)
    await chat.tap(PAT, "15 min", second)
    await drained(chat.bot)
    mark = chat.bot.api.mark(PAT)
    clock(chat.bot).advance(timedelta(minutes=15))
    [again] = await chat.bot.api.wait_for_new(PAT, mark, count=1)
    await chat.tap(PAT, "✅ Taken", again)
    third = await chat.reminder(timedelta(days=2))
    await chat.tap(PAT, "Skip", third)
    await chat.tap(PAT, "Side effects", third)


async def check_in(chat: Chat) -> None:
    [question] = await chat.say(PAT, "/checkin")
    for label in ("7", "🙁 Low", "Alcohol"):
        await chat.tap(PAT, label, question)
    await chat.say(PAT, NOTE)


async def support_person(chat: Chat) -> None:
    [invite] = await chat.say(PAT, "/support")
    found = re.search(r"start=(sp_[A-Za-z0-9_-]+)", invite.plain_text or "")
    assert found, invite.plain_text
    mark = chat.bot.api.mark(PAT)
    await chat.say(FRIEND, f"/start {found.group(1)}")
    [question] = await chat.bot.api.wait_for_new(PAT, mark, count=1)
    mark = chat.bot.api.mark(FRIEND)
    await chat.tap(PAT, "Yes, confirm", question)
    await chat.bot.api.wait_for_new(FRIEND, mark, count=1)


async def a_handler_fails(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure quotes the patient's words, as a database error quoting its parameters
    would; the error handler must log where it happened, not that."""
    original = Inbox.text

    async def store_text(self: Inbox, sender: Sender, text: str) -> object:
        if text == BOOM:
            raise RuntimeError(f"could not store {text!r}") from ValueError(text)
        return await original(self, sender, text)

    monkeypatch.setattr(Inbox, "text", store_text)
    [sorry] = await chat.say(PAT, BOOM)
    assert sorry.plain_text == SORRY
    monkeypatch.setattr(Inbox, "text", original)
    # Provoked on purpose: take it off the record the live_bot fixture checks for failures.
    calls = chat.bot.api.calls
    calls[:] = [c for c in calls if c.method != "sendMessage" or c.params.get("text") != SORRY]


def offered_and_sent_callback_data(bot: LiveBot) -> set[str]:
    """Every callback_data on a button the bot showed (in any revision of any message), and
    every one a user sent back (forged ones included)."""
    found: set[str] = set()
    for update in bot.api.queued_updates:
        if "callback_query" in update:
            found.add(str(update["callback_query"]["data"]))
    for chat in (PAT, NURSE, FRIEND):
        for message in bot.api.sent(chat):
            markups = [message.reply_markup, *(r.reply_markup for r in message.history)]
            for markup in markups:
                for row in (markup or {}).get("inline_keyboard", []):
                    found.update(str(b["callback_data"]) for b in row if "callback_data" in b)
    return found


def mentions_number(text: str, number: int) -> bool:
    return re.search(rf"(?<!\d){number}(?!\d)", text) is not None


async def test_a_whole_conversation_logs_nothing_private(
    logs: Logs, live_bot: LiveBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(live_bot)
    for person, (first, last) in NAMES.items():
        live_bot.api.set_user(person, {"first_name": first, "last_name": last})
    clinic = await Clinic.make(live_bot, "Riverside Recovery Clinic")
    await clinic.staff(NURSE, " ".join(NAMES[NURSE]))
    await chat.say(NURSE, "/start")

    await enrol(chat, clinic.code)
    await doses(chat)
    await check_in(chat)
    await chat.say(PAT, "can I have a glass of wine while taking naltrexone?")
    [crisis] = await chat.say(PAT, "i want to end it all tonight, nobody would miss me")
    assert "988" in (crisis.plain_text or "")
    await drained(live_bot)
    crisis_card = next(c for c in cards(live_bot, NURSE) if "URGENT" in (c.plain_text or ""))
    await chat.tap(NURSE, "I'll take it", crisis_card)
    [chart] = await chat.say(PAT, "/progress")
    assert chart.kind == "photo"
    call_me = "Ask my care team to call me"
    await chat.tap(PAT, call_me, with_button(await chat.say(PAT, "/sos"), call_me))
    await support_person(chat)
    await chat.say(NURSE, f"/patient {NAMES[PAT][0]}")
    await chat.say(NURSE, "/alerts")
    [crisis_alert, *_] = [a for a in await alerts(live_bot) if a.kind.startswith("crisis:")]
    await chat.forge(PAT, f"a:{crisis_alert.id}:res")  # a staff button, from the patient
    await chat.forge(PAT, "d:999999:1764086400:t")  # a dose that does not exist
    await chat.forge(NURSE, "zz:forged-QX7-payload")  # nothing the bot ever made
    mark = live_bot.api.mark(PAT)
    await live_bot.api.send_sticker(PAT)
    await live_bot.api.wait_for_new(PAT, mark, count=1)
    await a_handler_fails(chat, monkeypatch)
    await drained(live_bot)
    await eventually(lambda: len(cards(live_bot, NURSE)) >= 3, "the nurse's alert cards")

    async with live_bot.ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
    ref = live_bot.ctx.patient_ref(patient.id)
    records = "\n".join(logs.records.lines)
    text_out, json_out = logs.text.getvalue(), logs.json.getvalue()
    lines = [json.loads(line) for line in json_out.splitlines()]

    # The test can fail: there is output, with the patient's pseudonym where it belongs.
    assert len(logs.records.lines) > 20 and text_out and len(lines) > 20
    assert any(name.startswith("telegram") for name in logs.records.loggers)  # libraries too
    said = {(line["msg"], line.get("patient")) for line in lines}
    assert {("patient enrolled", ref), ("crisis alert raised", ref)} <= said
    assert ("sos alert raised", ref) in said
    assert f"patient enrolled patient={ref}" in text_out
    # The handler failure says where it happened (frames and types), not what it was about.
    [failure] = [line for line in lines if line["msg"].startswith("handler failed")]
    assert failure["level"] == "ERROR" and failure["error"] == "RuntimeError"
    assert "in store_text" in failure["exc"] and "handlers.py" in failure["exc"]
    assert "ValueError (message not logged)" in failure["exc"]
    assert "in store_text" in text_out and "RuntimeError (message not logged)" in text_out

    callback_data = offered_and_sent_callback_data(live_bot)
    assert len(callback_data) > 20 and "zz:forged-QX7-payload" in callback_data
    forbidden = [
        TEST_TOKEN,
        "test-secret",
        clinic.code,
        *chat.typed,
        *callback_data,
        *(name for pair in NAMES.values() for name in pair),
        *(f"{c:.2f}" for c in SEATTLE),
        NOTE,
        "Carmen",
    ]
    for where, output in (("records", records), ("text", text_out), ("json", json_out)):
        for value in forbidden:
            assert value not in output, f"{where} log contains {value!r}"
        for number in (PAT, NURSE, FRIEND, 123456):  # everyone's chat/user id, the bot's id
            assert not mentions_number(output, number), f"{where} log contains {number}"
        # Check-in answers in any recognisable form.
        assert not re.search(r"(?i)craving\W{0,3}7|mood\W{0,3}low|alcohol", output), where

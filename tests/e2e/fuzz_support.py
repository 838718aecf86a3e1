"""A live bot that hypothesis can drive, and the hostile updates it is fed.

Hypothesis cannot run async tests, and starting the whole bot for every example would be far too
slow. So :class:`BotThread` starts the same pieces as the ``live_bot`` fixture (``app_context``,
``build_application``, ``serve`` and the ``OutboxSender``, against the fake Bot API server) once,
in a thread with its own event loop, and a synchronous test hands it one example at a time with
:meth:`BotThread.run`.

An example is a person (:class:`Who`) and a list of steps. Each step queues one update as
Telegram would send it and says what must follow (:class:`Expect`): a reply, a deliberate
silence, or an answered callback query. :meth:`Harness.example` plays the steps one by one,
waiting until python-telegram-bot has finished with each update (an observer handler in a later
group sees every update after the product's handlers and error handler are done with it), and
then checks, for the whole example:

* no handler raised, nothing was logged at ERROR, the "sorry, something went wrong" text was
  never sent;
* every Bot API call the bot made succeeded and was valid for Telegram (text non-empty and at
  most 4096 characters, captions at most 1024, callback data 1-64 bytes, button labels present);
* every callback query was answered exactly once, so the client's spinner stops;
* what the database gained: nothing at all for someone who is not enrolled (not even an audit
  row or an outbox message), only their set-up row for someone part-way through onboarding, no
  new patient or schedule for an enrolled patient or a staff member.

Inputs that hit a bug already reported are stepped around (:func:`known_tap_bug`,
:func:`known_text_bug`) unless an example asks otherwise (``sidestep=False``, as the xfail cases
in test_fuzz_updates.py do).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import logging
import re
import threading
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Collection, Coroutine, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import time as clock_time
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.clock import FakeClock
from bot.db.migrate import upgrade
from bot.db.models import OutboxMessage, Patient
from bot.domain.inputs import clean
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.safety.net import assess
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.telegram.app import build_application, serve
from bot.telegram.handlers import SORRY
from jobs.sender import OutboxSender, sender_bot
from jobs.stats import refresh_stale_stats
from tests.conftest import START, TEST_TOKEN, _fresh_postgres, make_settings
from tests.fakes.bot_api import Call, FakeBotApi, SentMessage
from tests.support import make_patient, new_clinic, table_counts

T = TypeVar("T")
JSONDict = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_NOTICE = 200
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

STAFF_CHAT = 7_100_000_001
PROBE_CHAT = 7_100_000_002  # sends the update that closes every example
SEEDED_PATIENT_CHATS = (7_100_000_011, 7_100_000_012)
DAILY = Plan(PlanKind.DAILY, "America/Chicago", (clock_time(8, 0),))

# What Telegram marks as a bot_command entity at the start of a message (as the fake does).
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,})?(?![A-Za-z0-9_@])")
_message_ids = itertools.count(900_000)
_group_ids = itertools.count(1)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities(text: str) -> JSONDict:
    command = _COMMAND.match(text)
    if command is None:
        return {}
    return {"entities": [{"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])}]}


# --------------------------------------------------------------------------------------------
# Known bugs: inputs the fuzzer steps around (each has an xfail(strict) regression case)
# --------------------------------------------------------------------------------------------

# Where each kind of button data carries a database id, as a function of its ':'-fields.
_ID_FIELDS = {"d": (1,), "c": (1,), "a": (1,), "sp": (2,)}


def known_tap_bug(data: str, postgres: bool) -> str | None:
    """Why forged callback ``data`` would hit a bug already reported, or None. None today: the
    three the fuzzing found (Unicode digits passing ``str.isdigit``, ids beyond the INTEGER
    columns, U+0000 on Postgres) are fixed in bot/domain/inputs.py, and the cases that showed
    them are regression tests now (``FORMER_BUGS`` in test_fuzz_updates.py)."""
    return None


def known_text_bug(text: str, postgres: bool) -> str | None:
    """Why typed ``text`` (or a name) would hit a bug already reported, or None (see above)."""
    return None


# --------------------------------------------------------------------------------------------
# Watching the bot
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandlerFailure:
    update_id: int | None
    error: BaseException
    trace: str


class Observer(logging.Handler):
    """Sees every update after the product's handlers (group 1), every handler exception, and
    every ERROR record of the product's and the libraries' loggers."""

    LOGGERS = ("bot", "bot.telegram.handlers", "jobs", "telegram", "aiohttp")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.processed: set[int] = set()
        self.failures: list[HandlerFailure] = []
        self.records: list[logging.LogRecord] = []

    async def saw(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        self.processed.add(update.update_id)

    async def failed(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if error is None:
            return
        update_id = update.update_id if isinstance(update, Update) else None
        trace = "".join(traceback.format_exception(error))
        self.failures.append(HandlerFailure(update_id, error, trace))

    def emit(self, record: logging.LogRecord) -> None:
        if not any(record is seen for seen in self.records[-20:]):  # a logger and its parent
            self.records.append(record)

    def attach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)

    def detach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)

    async def wait_processed(self, update_id: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while update_id not in self.processed:
            # PTB could not parse what it fetched: it would fetch the same batch forever.
            stuck = [r for r in self.records if r.levelno >= logging.CRITICAL]
            if stuck:
                raise AssertionError(f"python-telegram-bot is stuck: {stuck[0].getMessage()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"update {update_id} was not processed within {timeout}s")
            await asyncio.sleep(0.005)


# Edits the bot tries and lets fail on purpose (handlers._edit_tapped swallows BadRequest): a
# double tap (nothing to change), or forged data tapped on a chart or file, whose caption an
# edit of the text cannot reach (the bot puts buttons on text messages only).
_TOLERATED_EDIT_REFUSALS = (
    "message is not modified",
    "there is no text in the message to edit",
    "there is no caption in the message to edit",
)


def _tolerated_edit_refusal(call: Call) -> bool:
    return (
        call.method.startswith("edit")
        and call.status == 400
        and any(reason in str(call.description) for reason in _TOLERATED_EDIT_REFUSALS)
    )


def call_problems(calls: Sequence[Call]) -> list[str]:
    """What is wrong with these Bot API calls by Telegram's rules (empty: nothing)."""
    problems: list[str] = []
    for call in calls:
        method, params = call.method, call.params
        where = f"{method} to {params.get('chat_id')}"
        if call.status != 200 and not _tolerated_edit_refusal(call):
            problems.append(f"{where} was refused: {call.status} {call.description}")
        if method in ("sendMessage", "editMessageText"):
            text = params.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: empty text {text!r}")
            elif len(text) > MAX_TEXT:
                problems.append(f"{where}: text of {len(text)} characters")
            if text == SORRY:
                problems.append(f"{where}: the SORRY text, so a handler failed")
        if method in ("sendPhoto", "sendDocument", "editMessageCaption"):
            caption = params.get("caption")
            if isinstance(caption, str) and len(caption) > MAX_CAPTION:
                problems.append(f"{where}: caption of {len(caption)} characters")
        if method == "answerCallbackQuery":
            notice = params.get("text")
            if isinstance(notice, str) and len(notice) > MAX_CALLBACK_NOTICE:
                problems.append(f"{where}: notice of {len(notice)} characters")
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    label, data = button.get("text"), button.get("callback_data")
                    if not isinstance(label, str) or not label.strip():
                        problems.append(f"{where}: a button without a label: {button!r}")
                    if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                        problems.append(f"{where}: callback_data of {len(str(data).encode())} B")
    return problems


def parseable(update: Mapping[str, Any]) -> None:
    """Raise if python-telegram-bot could not parse ``update``."""
    Update.de_json(json.loads(json.dumps(update)), None)


# --------------------------------------------------------------------------------------------
# Steps: one update each, and what must follow it
# --------------------------------------------------------------------------------------------


class Expect(Enum):
    REPLY = "at least one reply"
    SILENCE = "no reply (a deliberate silence)"
    ANSWER = "the callback query answered"


@dataclass
class Played:
    """One step as it went: what was sent, what the bot did about it."""

    step: Step
    expect: Expect | None  # None: skipped (a known bug)
    update_id: int | None = None
    delivered: bool = True
    silent_chats: tuple[int, ...] = ()
    query_id: str | None = None
    replies: list[SentMessage] = field(default_factory=list)
    notice: str | None = None  # what answerCallbackQuery showed
    skipped: str | None = None

    @property
    def texts(self) -> list[str]:
        return [m.plain_text or "" for m in self.replies]


class Step:
    """One update. Subclasses queue it (via ``run.api``) and say what must follow."""

    async def play(self, run: Run) -> Played:
        raise NotImplementedError


@dataclass
class Run:
    harness: Harness
    chat: int
    user: JSONDict
    sidestep: bool = True  # skip inputs that hit a bug already reported (see known_tap_bug)

    @property
    def api(self) -> FakeBotApi:
        return self.harness.api

    def private_chat(self) -> JSONDict:
        chat: JSONDict = {"id": self.chat, "type": "private", "first_name": self.user["first_name"]}
        for key in ("last_name", "username"):
            if key in self.user:
                chat[key] = self.user[key]
        return chat

    def message(self, content: Mapping[str, Any]) -> JSONDict:
        """``content`` as the message the fake will build, checked to be one python-telegram-bot
        can parse (one it could not would be fetched again forever: a bug in this test)."""
        message = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": self.private_chat(),
            "from": self.user,
            **content,
        }
        parseable({"update_id": 1, "message": message})
        return dict(content)

    def skip_text(self, text: str) -> str | None:
        return known_text_bug(text, self.harness.postgres) if self.sidestep else None

    def skip_tap(self, data: str) -> str | None:
        return known_tap_bug(data, self.harness.postgres) if self.sidestep else None


@dataclass(frozen=True)
class Say(Step):
    """A private text message (a command when it starts with one)."""

    text: str

    async def play(self, run: Run) -> Played:
        if (bug := run.skip_text(self.text)) is not None:
            return Played(self, None, skipped=bug)
        content = run.message({"text": self.text, **_entities(self.text)})
        update = await run.api.send_user_message(run.chat, content)
        return Played(self, Expect.REPLY, int(update["update_id"]))


@dataclass(frozen=True)
class Forwarded(Step):
    """Someone else's words, forwarded into the chat."""

    text: str

    async def play(self, run: Run) -> Played:
        if (bug := run.skip_text(self.text)) is not None:
            return Played(self, None, skipped=bug)
        origin = {"type": "hidden_user", "sender_user_name": "Someone", "date": int(time.time())}
        content = run.message({"text": self.text, "forward_origin": origin})
        update = await run.api.send_user_message(run.chat, content)
        return Played(self, Expect.REPLY, int(update["update_id"]))


@dataclass(frozen=True)
class Edit(Step):
    """The person edits a message or photo caption they sent. Only a crisis written into it
    gets an answer; the bot stays silent otherwise (an edit is not a new answer to whatever was
    asked)."""

    text: str
    caption: bool = False  # an edited photo caption rather than a text message

    async def play(self, run: Run) -> Played:
        if (bug := run.skip_text(self.text)) is not None:
            return Played(self, None, skipped=bug)
        earlier = run.api.user_messages(run.chat)
        message_id = earlier[-1].message_id if earlier else next(_message_ids)
        now = int(time.time())
        message: JSONDict = {
            "message_id": message_id,
            "date": now - 60,
            "edit_date": now,
            "chat": run.private_chat(),
            "from": run.user,
        }
        if self.caption:
            message["photo"] = [
                {"file_id": "fz-photo", "file_unique_id": "ufz", "width": 90, "height": 90}
            ]
            message["caption"] = self.text
        else:
            message.update(text=self.text, **_entities(self.text))
        # Captions are read like text: a crisis or a risk signal written into either gets the
        # resources or "Are you safe right now?".
        expect = Expect.REPLY if assess(self.text).tier is not None else Expect.SILENCE
        parseable({"update_id": 1, "edited_message": message})
        update = await run.api.queue_update({"edited_message": message})
        return Played(self, expect, int(update["update_id"]), silent_chats=(run.chat,))


MEDIA_KINDS = (
    "photo",
    "captioned photo",
    "sticker",
    "voice",
    "document",
    "own contact",
    "other contact",
    "venue",
    "dice",
    "poll",
    "animation",
    "audio",
    "video note",
)


@dataclass(frozen=True)
class Media(Step):
    """Anything that is not text or a bare location: the bot asks for text instead."""

    kind: str
    caption: str = ""

    async def play(self, run: Run) -> Played:
        api, chat = run.api, run.chat
        if (bug := run.skip_text(self.caption)) is not None:
            return Played(self, None, skipped=bug)
        file = {"file_id": f"fz-{self.kind}", "file_unique_id": f"u{self.kind}"}
        if self.kind == "photo":
            update = await api.send_photo(chat)
        elif self.kind == "captioned photo":
            update = await api.send_photo(chat, caption=self.caption or "look")
        elif self.kind == "sticker":
            update = await api.send_sticker(chat, emoji=self.caption[:2] or "👍")
        elif self.kind == "voice":
            update = await api.send_voice(chat)
        elif self.kind == "document":
            name = self.caption[:60] or "notes.txt"
            update = await api.send_document(chat, file_name=name)
        elif self.kind == "own contact":
            update = await api.send_contact(chat)
        elif self.kind == "other contact":
            update = await api.send_contact(
                chat, phone_number="+1 555 0100", first_name=self.caption or "Alex", user_id=1
            )
        elif self.kind == "venue":
            point = {"latitude": 41.88, "longitude": -87.63}
            venue = {"location": point, "title": self.caption or "Clinic", "address": "1 Main St"}
            content = run.message({"venue": venue, "location": point})
            update = await api.send_user_message(chat, content)
        elif self.kind == "dice":
            content = run.message({"dice": {"emoji": "🎲", "value": 3}})
            update = await api.send_user_message(chat, content)
        elif self.kind == "poll":
            poll = {
                "id": "fz-poll",
                "question": self.caption or "?",
                "options": [
                    {"text": "a", "voter_count": 0, "persistent_id": "0"},
                    {"text": "b", "voter_count": 0, "persistent_id": "1"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
            update = await api.send_user_message(chat, run.message({"poll": poll}))
        elif self.kind == "animation":
            animation = {**file, "width": 320, "height": 240, "duration": 2}
            content = run.message({"animation": animation, "document": file})
            update = await api.send_user_message(chat, content)
        elif self.kind == "audio":
            content = run.message({"audio": {**file, "duration": 30}})
            update = await api.send_user_message(chat, content)
        elif self.kind == "video note":
            note = {**file, "length": 240, "duration": 5}
            update = await api.send_user_message(chat, run.message({"video_note": note}))
        else:
            raise ValueError(self.kind)
        return Played(self, Expect.REPLY, int(update["update_id"]))


@dataclass(frozen=True)
class Place(Step):
    """A shared location, in range or not (Telegram validates; a forged client may not)."""

    latitude: float
    longitude: float
    live: bool = False

    async def play(self, run: Run) -> Played:
        update = await run.api.send_location(
            run.chat, self.latitude, self.longitude, live_period=60 if self.live else None
        )
        return Played(self, Expect.REPLY, int(update["update_id"]))


@dataclass(frozen=True)
class Tap(Step):
    """A callback query with forged data: on the newest bot message, on one that is gone, or
    (``in_group``) on a message in a group, where the bot never wrote."""

    data: str
    on_message: bool = True
    in_group: bool = False

    async def play(self, run: Run) -> Played:
        if self.in_group:
            group = -9_500_000 - next(_group_ids)
            played = await _tap(self, run, self.data, next(_message_ids), chat=group)
            played.silent_chats = (group,)
            return played
        return await _tap(self, run, self.data, self._target(run))

    def _target(self, run: Run) -> int:
        sent = [m for m in run.api.sent(run.chat) if not m.deleted]
        if self.on_message and sent:
            return sent[-1].message_id
        return 10**7 + next(_message_ids)  # never sent: Telegram shows it as inaccessible


@dataclass(frozen=True)
class Press(Step):
    """A real button the bot sent in this chat (picked by index), as it is, or mutated: cut
    short, a number changed, something appended or a field dropped."""

    pick: int
    mutation: str = "none"  # none, cut, number, append, drop
    arg: str = ""
    cut: int = 0

    async def play(self, run: Run) -> Played:
        buttons = [
            (message, str(button["callback_data"]))
            for message in run.api.sent(run.chat)
            if not message.deleted
            for row in message.inline_keyboard
            for button in row
            if "callback_data" in button
        ]
        if not buttons:  # nothing to press yet: forge from the argument instead
            return await _tap(self, run, _fit(self.arg or "x"), 10**7 + next(_message_ids))
        message, data = buttons[self.pick % len(buttons)]
        return await _tap(self, run, self.mutate(data), message.message_id)

    def mutate(self, data: str) -> str:
        if self.mutation == "cut":
            return data[: self.cut % max(len(data), 1)]
        if self.mutation == "number":
            numbers = list(re.finditer(r"\d+", data))
            if not numbers:
                return _fit(data + self.arg)
            number = numbers[self.cut % len(numbers)]
            return _fit(data[: number.start()] + self.arg + data[number.end() :])
        if self.mutation == "append":
            return _fit(data + self.arg)
        if self.mutation == "drop":
            fields = data.split(":")
            del fields[self.cut % len(fields)]
            return ":".join(fields)
        return data


def _fit(data: str) -> str:
    """At most 64 bytes, as Telegram delivers callback data."""
    while len(data.encode()) > MAX_CALLBACK_DATA:
        data = data[:-1]
    return data


async def _tap(step: Step, run: Run, data: str, message_id: int, chat: int | None = None) -> Played:
    if (bug := run.skip_tap(data)) is not None:
        return Played(step, None, skipped=bug)
    update = await run.api.tap_data(chat or run.chat, data, message_id, user=run.user)
    query_id = str(update["callback_query"]["id"])
    return Played(step, Expect.ANSWER, int(update["update_id"]), query_id=query_id)


GROUP_KINDS = ("text", "bot added", "group created", "bot removed", "migrated", "photo")


@dataclass(frozen=True)
class InGroup(Step):
    """The person writes in a group or supergroup the bot is in, or adds the bot to one: the bot
    only talks in private chats, so it says nothing, here or in private."""

    kind: str
    text: str = ""
    supergroup: bool = False

    async def play(self, run: Run) -> Played:
        number = next(_group_ids)
        if self.supergroup:
            group: JSONDict = {"id": -1_009_000_000_000 - number, "type": "supergroup"}
        else:
            group = {"id": -9_000_000 - number, "type": "group"}
        group["title"] = self.text[:128] or "Friends"
        bot = run.api.bot_user
        content: JSONDict
        if self.kind == "text":
            content = {"text": self.text or "/start", **_entities(self.text or "/start")}
        elif self.kind == "bot added":
            content = {"new_chat_members": [bot, run.user]}
        elif self.kind == "group created":
            content = {"group_chat_created": True}
        elif self.kind == "bot removed":
            content = {"left_chat_member": bot}
        elif self.kind == "migrated":
            content = {"migrate_to_chat_id": -1_009_100_000_000 - number}
        elif self.kind == "photo":
            photo = {"file_id": "fz-gp", "file_unique_id": "ufzgp", "width": 9, "height": 9}
            content = {"photo": [photo], "caption": self.text}
        else:
            raise ValueError(self.kind)
        message = {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": group,
            "from": run.user,
            **content,
        }
        parseable({"update_id": 1, "message": message})
        update = await run.api.queue_update({"message": message})
        return Played(
            self, Expect.SILENCE, int(update["update_id"]), silent_chats=(group["id"], run.chat)
        )


ELSEWHERE_KINDS = (
    "channel post",
    "edited channel post",
    "bot added to group",
    "member joined",
    "reaction",
    "inline query",
    "join request",
)


@dataclass(frozen=True)
class Elsewhere(Step):
    """An update type outside ALLOWED_UPDATES: never fetched, so never answered."""

    kind: str
    text: str = "hello"

    async def play(self, run: Run) -> Played:
        now, number = int(time.time()), next(_group_ids)
        channel_id, group_id = -1_008_000_000_000 - number, -8_000_000 - number
        channel = {"id": channel_id, "type": "channel", "title": "News"}
        group = {"id": group_id, "type": "group", "title": "Friends"}
        bot = run.api.bot_user
        post = {
            "message_id": next(_message_ids),
            "date": now,
            "chat": channel,
            "sender_chat": channel,
            "text": self.text or "hello",
        }
        update: JSONDict
        if self.kind == "channel post":
            update = {"channel_post": post}
        elif self.kind == "edited channel post":
            update = {"edited_channel_post": {**post, "edit_date": now}}
        elif self.kind in ("bot added to group", "member joined"):
            who = bot if self.kind == "bot added to group" else run.user
            update = {
                "my_chat_member" if who is bot else "chat_member": {
                    "chat": group,
                    "from": run.user,
                    "date": now,
                    "old_chat_member": {"status": "left", "user": who},
                    "new_chat_member": {"status": "member", "user": who},
                }
            }
        elif self.kind == "reaction":
            update = {
                "message_reaction": {
                    "chat": run.private_chat(),
                    "message_id": 1,
                    "user": run.user,
                    "date": now,
                    "old_reaction": [],
                    "new_reaction": [{"type": "emoji", "emoji": "👍"}],
                }
            }
        elif self.kind == "inline query":
            update = {
                "inline_query": {"id": "fz1", "from": run.user, "query": self.text, "offset": ""}
            }
        elif self.kind == "join request":
            update = {
                "chat_join_request": {
                    "chat": group,
                    "from": run.user,
                    "user_chat_id": run.chat,
                    "date": now,
                }
            }
        else:
            raise ValueError(self.kind)
        queued = await run.api.queue_update(update)
        return Played(
            self,
            Expect.SILENCE,
            int(queued["update_id"]),
            delivered=False,
            silent_chats=(run.chat, channel_id, group_id),
        )


# --------------------------------------------------------------------------------------------
# People and examples
# --------------------------------------------------------------------------------------------


class Who(Enum):
    STRANGER = "someone who is not enrolled"
    VISITOR = "someone part-way through onboarding (a valid /start CODE first)"
    PATIENT = "an enrolled patient"
    STAFF = "a care-team staff member"


@dataclass
class Report:
    who: Who
    chat: int
    played: list[Played]
    problems: list[str]
    prelude: int = 0  # steps played before the example's own (a visitor's /start CODE)

    def step(self, index: int) -> Played:
        """The example's own step ``index`` (after any prelude; negative counts from the end)."""
        return self.played[self.prelude :][index]

    def transcript(self) -> str:
        lines = [f"{self.who.value} (chat {self.chat}):"]
        for played in self.played:
            if played.skipped:
                lines.append(f"  {played.step!r}: skipped ({played.skipped})")
                continue
            lines.append(f"  {played.step!r} -> expect {played.expect and played.expect.value}")
            lines += [f"      bot: {text[:120]!r}" for text in played.texts]
            if played.notice:
                lines.append(f"      notice: {played.notice!r}")
        lines.append(f"  (then a sticker from chat {PROBE_CHAT} closed the example)")
        return "\n".join(lines)

    @property
    def skipped(self) -> list[str]:
        return [p.skipped for p in self.played if p.skipped]


class Harness:
    """The running bot, from inside its event loop."""

    def __init__(
        self, ctx: AppContext, api: FakeBotApi, observer: Observer, postgres: bool
    ) -> None:
        self.ctx, self.api, self.observer, self.postgres = ctx, api, observer, postgres
        self.code, self.clinic_id = "", 0
        self._chats = itertools.count(7_200_000_001)
        self._checked_calls = 0
        self._failures_seen = 0
        self._records_seen = 0
        self._in_flight: list[Call] = []

    async def seed(self) -> None:
        """A clinic with a staff member (with an HTML name), two patients and an open alert, so
        staff commands have something to show and patients' alerts have someone to go to."""
        clinic = await new_clinic(self.ctx, "Fuzz <b>Clinic</b> & Co")
        self.code = clinic.invite_code
        self.clinic_id = clinic.id
        await add_staff(
            self.ctx.sessions,
            self.ctx.clock,
            telegram_user_id=STAFF_CHAT,
            name="<b>Sam</b> <script>alert(1)</script>",
            clinic_code=clinic.invite_code,
        )
        names = ("<i>Ana</i> &amp; \u202eRTL", "Ω" * 200)
        for chat, name in zip(SEEDED_PATIENT_CHATS, names, strict=True):
            await make_patient(self.ctx, DAILY, chat_id=chat, clinic_id=clinic.id, name=name)
        mark = self.api.mark(SEEDED_PATIENT_CHATS[0])
        await self.api.send_text(SEEDED_PATIENT_CHATS[0], "I want to kill myself")
        await self.api.wait_for_new(SEEDED_PATIENT_CHATS[0], mark, timeout=20)
        await self.drained()
        await self.example(Who.STAFF, [Say("/start")])

    async def drained(self) -> None:
        """Until the outbox has nothing left to send and the fake is quiet."""
        await self._outbox_sent()
        await self.api.wait_idle(quiet=0.2, timeout=20)

    async def _outbox_sent(self, chats: Collection[int] | None = None) -> None:
        """Until every outbox message (for ``chats``, or all) has its outcome recorded, so its
        call has been answered."""
        pending = select(func.count()).where(OutboxMessage.status == "pending")
        if chats is not None:
            pending = pending.where(OutboxMessage.chat_id.in_(list(chats)))
        for _ in range(600):
            async with self.ctx.sessions() as session:
                if not await session.scalar(pending):
                    return
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox did not drain")

    async def _from_outbox(self, chat: int) -> set[int]:
        """The messages the sender delivered to ``chat``. They arrive whenever they do (an
        alert card, a check-in that fell due): these ids tell them from a handler's answers."""
        async with self.ctx.sessions() as session:
            ids = await session.scalars(
                select(OutboxMessage.telegram_message_id).where(
                    OutboxMessage.chat_id == chat, OutboxMessage.telegram_message_id.is_not(None)
                )
            )
            return {int(i) for i in ids if i is not None}

    async def delivered(self, chat: int) -> list[SentMessage]:
        """Every bot message in ``chat``, once the outbox has sent what it holds."""
        await self.drained()
        return self.api.sent(chat)

    async def _person(
        self, who: Who, user: Mapping[str, Any] | None, name: str
    ) -> tuple[int, list[Step]]:
        chat = STAFF_CHAT if who is Who.STAFF else next(self._chats)
        self.api.set_user(chat, {"first_name": "Pat", **(user or {})})
        if who is Who.PATIENT:
            # Stored as enrolment stores a profile name: cleaned (no NUL, no controls), which is
            # what the bot itself does with every name it is given.
            await make_patient(
                self.ctx, DAILY, chat_id=chat, clinic_id=self.clinic_id, name=clean(name)
            )
        prelude: list[Step] = [Say(f"/start {self.code}")] if who is Who.VISITOR else []
        return chat, prelude

    async def example(
        self,
        who: Who,
        steps: Sequence[Step],
        *,
        user: Mapping[str, Any] | None = None,
        name: str = "Pat",
        sidestep: bool = True,
    ) -> Report:
        """Play ``steps`` as ``who`` and check everything; raises AssertionError with a
        transcript when something is wrong."""
        chat, prelude = await self._person(who, user, name)
        run = Run(self, chat, self.api.user_for(chat), sidestep)
        # The periodic job caches adherence figures per patient: bring them up to date first,
        # so the job cannot add a row mid-example that has nothing to do with this person.
        await refresh_stale_stats(self.ctx)
        await self._outbox_sent([chat])
        before = await table_counts(self.ctx)
        played: list[Played] = []
        problems: list[str] = []
        for step in [*prelude, *steps]:
            played.append(await self._play(step, run, problems))
        await self._close_example()
        problems += self._bot_problems()
        problems += await self._database_problems(who, chat, before)
        report = Report(who, chat, played, problems, len(prelude))
        if problems:
            raise AssertionError("\n".join([*problems, report.transcript()]))
        return report

    async def _play(self, step: Step, run: Run, problems: list[str]) -> Played:
        mark = self.api.mark(run.chat)
        played = await step.play(run)
        if played.expect is None or played.update_id is None:
            return played
        if played.delivered:
            await self.observer.wait_processed(played.update_id)
        else:
            await self._close_example()  # everything before the probe was fetched or skipped
            if played.update_id in self.observer.processed:
                problems.append(f"{step!r}: an update outside ALLOWED_UPDATES was delivered")
        await self._outbox_sent([run.chat, *played.silent_chats])
        from_outbox = await self._from_outbox(run.chat)
        played.replies = [
            m for m in self.api.sent(run.chat)[mark:] if m.message_id not in from_outbox
        ]
        if played.expect is Expect.REPLY and not played.replies:
            problems.append(f"{step!r}: no reply")
        if played.expect is Expect.SILENCE:
            for chat in played.silent_chats:  # groups and channels made up for this step
                if chat != run.chat and self.api.sent(chat):
                    problems.append(f"{step!r}: the bot wrote to chat {chat}")
            if played.replies:
                problems.append(f"{step!r}: expected silence, got {played.texts!r}")
        if played.query_id is not None:
            answers = [
                c
                for c in self.api.calls_to("answerCallbackQuery")
                if str(c.params.get("callback_query_id")) == played.query_id
            ]
            if len(answers) != 1 or answers[0].status != 200:
                problems.append(
                    f"{step!r}: the callback query was answered {len(answers)} times "
                    f"({[a.status for a in answers]}), so the client's spinner would not stop"
                )
            else:
                notice = answers[0].params.get("text")
                played.notice = notice if isinstance(notice, str) else None
        return played

    async def _close_example(self) -> None:
        """An update of our own after the example's last one: when it has been processed, every
        update before it has been fetched (or left out by allowed_updates) and handled."""
        update = await self.api.send_sticker(PROBE_CHAT)
        await self.observer.wait_processed(int(update["update_id"]))

    def _bot_problems(self) -> list[str]:
        problems: list[str] = []
        failures = self.observer.failures[self._failures_seen :]
        self._failures_seen = len(self.observer.failures)
        problems += [f"a handler raised on update {f.update_id}:\n{f.trace}" for f in failures]
        records = self.observer.records[self._records_seen :]
        self._records_seen = len(self.observer.records)
        problems += [f"logged at {r.levelname} by {r.name}: {r.getMessage()}" for r in records]
        calls = self._in_flight + [
            c for c in self.api.calls[self._checked_calls :] if c.method != "getUpdates"
        ]
        self._checked_calls = len(self.api.calls)
        self._in_flight = [c for c in calls if c.status is None]
        problems += call_problems([c for c in calls if c.status is not None])
        return problems

    async def _database_problems(self, who: Who, chat: int, before: Mapping[str, int]) -> list[str]:
        after = await table_counts(self.ctx)
        grown = {t: after[t] - before[t] for t in after if after[t] != before[t]}
        async with self.ctx.sessions() as session:
            patient = await session.scalar(select(Patient).where(Patient.chat_id == chat))
            outbox = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == chat)
            )
        if who is Who.STRANGER:
            problems = [f"rows written for someone not enrolled: {grown}"] if grown else []
            if outbox:
                problems.append(f"{outbox} outbox message(s) for someone not enrolled")
            return problems
        if who is Who.VISITOR:
            if patient is not None:  # they finished onboarding: that writes, on purpose
                return [] if grown.get("patients") == 1 else [f"onboarding wrote {grown}"]
            rest = {t: n for t, n in grown.items() if t != "conversations"}
            problems = [f"rows written during onboarding: {rest}"] if rest else []
            if grown.get("conversations", 0) not in (0, 1):
                problems.append(f"conversations changed by {grown['conversations']}")
            if outbox:
                problems.append(f"{outbox} outbox message(s) for someone not enrolled")
            return problems
        return [
            f"{table} gained {grown[table]} row(s)"
            for table in ("patients", "schedules")
            if grown.get(table, 0) > 0
        ]

    async def final_checks(self) -> list[str]:
        """After the last example: what the sender sent meanwhile, and nothing unknown called."""
        await self.drained()
        problems = self._bot_problems()
        problems += [f"unknown Bot API method {c.method}" for c in self.api.unknown_calls]
        return problems


# --------------------------------------------------------------------------------------------
# The bot in its own thread
# --------------------------------------------------------------------------------------------


class BotThread:
    """The live bot in a background thread with its own event loop, for synchronous tests."""

    def __init__(self, database: str, directory: Path, pg_template: str | None) -> None:
        self.database, self.directory, self.pg_template = database, directory, pg_template
        self._ready: concurrent.futures.Future[Harness] = concurrent.futures.Future()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name=f"fuzz-bot-{database}", daemon=True)
        self._error: BaseException | None = None
        self.harness: Harness | None = None

    @property
    def postgres(self) -> bool:
        return self.database == "postgres"

    def __enter__(self) -> BotThread:
        self._thread.start()
        self.harness = self._ready.result(timeout=120)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.harness is not None and exc_info[0] is None:
                problems = self.run(self.harness.final_checks())
                assert not problems, "\n".join(problems)
        finally:
            if self._loop is not None and self._stop is not None:
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=60)
        if self._error is not None:
            raise self._error

    def run(self, work: Coroutine[Any, Any, T] | Awaitable[T], timeout: float = 180.0) -> T:
        """Run ``work`` in the bot's loop and wait for its result (or its exception)."""
        assert self._loop is not None

        async def wrapped() -> T:
            return await work

        future = asyncio.run_coroutine_threadsafe(wrapped(), self._loop)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def example(
        self,
        who: Who,
        steps: Sequence[Step],
        *,
        user: Mapping[str, Any] | None = None,
        name: str = "Pat",
        sidestep: bool = True,
    ) -> Report:
        assert self.harness is not None
        return self.run(self.harness.example(who, steps, user=user, name=name, sidestep=sidestep))

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # handed to the test thread
            if not self._ready.done():
                self._ready.set_exception(exc)
            else:
                self._error = exc

    @asynccontextmanager
    async def _database_url(self) -> AsyncIterator[str]:
        if self.database == "sqlite":
            url = f"sqlite+aiosqlite:///{self.directory / 'fuzz.db'}"
            await upgrade(url)
            yield url
            return
        async with _fresh_postgres(self.pg_template) as url:
            yield url

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        observer = Observer()
        observer.attach()
        try:
            async with AsyncExitStack() as stack:
                url = await stack.enter_async_context(self._database_url())
                api = await stack.enter_async_context(FakeBotApi())
                settings = make_settings(
                    url,
                    telegram_bot_token=TEST_TOKEN,
                    telegram_api_base_url=api.base_url,
                    tick_seconds=0.2,
                )
                ctx = await stack.enter_async_context(app_context(settings, FakeClock(START)))
                bot = await stack.enter_async_context(sender_bot(settings))
                # The same pieces `recovery-bot run` starts, plus the observer.
                application = build_application(ctx)
                application.add_handler(TypeHandler(Update, observer.saw), group=1)
                application.add_error_handler(observer.failed)
                stop = asyncio.Event()
                serving = asyncio.create_task(serve(application, stop))
                sending = asyncio.create_task(OutboxSender(ctx, bot).run(stop))
                try:
                    await api.wait_for_call("getUpdates", timeout=20)
                    harness = Harness(ctx, api, observer, self.postgres)
                    await harness.seed()
                    self._ready.set_result(harness)
                    await self._stop.wait()
                finally:
                    stop.set()
                    await asyncio.wait_for(asyncio.gather(serving, sending), timeout=20)
        finally:
            observer.detach()

"""The demo's stand-in for Telegram: the real outbox sender delivers here instead.

A message to the patient in the terminal chat is printed there with its buttons numbered; the
sample clinic's patients tap Taken on their reminders about as often as their histories say (so
the sample clinic carries on as it was while the demo clock runs); a staff message that names
the terminal patient (an alert card about them) is shown in the chat as what the care team got.
Everything else is delivered nowhere and only counted.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections import Counter
from datetime import UTC, datetime

import telegram
from telegram import InlineKeyboardMarkup

from bot.chat_cli import TerminalChat
from bot.domain.reminders import Action, parse_tap
from bot.domain.replies import Button, Reply
from bot.services.context import AppContext
from bot.services.demo import answers_reminder, sample_patient
from bot.services.enrolment import patient_by_chat
from bot.services.inbox import Inbox, Sender

log = logging.getLogger(__name__)


def buttons_of(markup: InlineKeyboardMarkup | None) -> tuple[tuple[Button, ...], ...]:
    if markup is None:
        return ()
    return tuple(
        tuple(Button(button.text, str(button.callback_data)) for button in row)
        for row in markup.inline_keyboard
    )


class TerminalBot:
    """What :class:`jobs.sender.OutboxSender` sends through in the demo (a ``MessageSink``)."""

    def __init__(
        self,
        ctx: AppContext,
        chat: TerminalChat | None,
        rng: random.Random | None = None,
    ) -> None:
        self.ctx = ctx
        self.chat = chat
        self._rng = rng or random.Random(2026)  # noqa: S311 - sample behaviour, not security
        self._ids = itertools.count(1)
        self.delivered: Counter[str] = Counter()
        self._answering: set[asyncio.Task[None]] = set()

    async def send_message(
        self, *, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> telegram.Message:
        reply = Reply(text, buttons_of(reply_markup))
        await self._route(chat_id, reply, edit=False)
        return telegram.Message(
            message_id=next(self._ids),
            date=datetime.now(UTC),
            chat=telegram.Chat(id=chat_id, type=telegram.constants.ChatType.PRIVATE),
        )

    async def edit_message_text(
        self,
        *,
        text: str,
        chat_id: int,
        message_id: int,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> telegram.Message | bool:
        await self._route(chat_id, Reply(text, buttons_of(reply_markup)), edit=True)
        return True

    async def finish(self) -> None:
        """Let the sample patients' taps in progress end before the database closes."""
        if self._answering:
            await asyncio.wait(set(self._answering))

    async def _route(self, chat_id: int, reply: Reply, *, edit: bool) -> None:
        chat = self.chat
        if chat is not None and chat.closed:
            chat = None  # the user has left the chat: deliver nowhere
        if chat is not None and chat_id == chat.sender.chat_id:
            self.delivered["terminal"] += 1
            chat.arrived(reply, edit=edit)
            return
        async with self.ctx.sessions() as session:
            patient = await patient_by_chat(session, chat_id)
            name = patient.display_name if patient is not None else None
        profile = sample_patient(name) if name is not None else None
        if profile is not None:
            self.delivered["sample patients"] += 1
            taken = _taken_button(reply)
            if taken is not None and answers_reminder(profile, self._rng):
                task = asyncio.create_task(self._tap(Sender(chat_id, profile.name), taken))
                self._answering.add(task)
                task.add_done_callback(self._answering.discard)
            return
        if patient is None and chat is not None and chat.sender.display_name in reply.text:
            # A staff card about the terminal patient: what the care team sees of them.
            self.delivered["care team"] += 1
            chat.write(f"\ncare team> {reply.text}")
            if chat.waiting and chat.reprompt is not None:
                chat.reprompt()
            return
        self.delivered["elsewhere"] += 1

    async def _tap(self, sender: Sender, data: str) -> None:
        try:
            await Inbox(self.ctx).tap(sender, data)
        except Exception as exc:  # a sample patient's tap must not stop the demo
            log.warning("a sample patient's tap failed (%s)", type(exc).__name__)


def _taken_button(reply: Reply) -> str | None:
    for row in reply.buttons:
        for button in row:
            tap = parse_tap(button.data)
            if tap is not None and tap.action in (Action.TAKEN, Action.INJECTION_DONE):
                return button.data
    return None

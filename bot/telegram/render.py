"""Channel-agnostic replies into python-telegram-bot send arguments."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.domain import texts
from bot.domain.replies import Button, Reply
from bot.i18n import DEFAULT, t

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass(frozen=True)
class Outgoing:
    text: str
    markup: Markup


def _location_keyboard(lang: str = DEFAULT) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t(lang, texts.LOCATION_KEY_LABEL), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def render_buttons(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


def render(reply: Reply, lang: str = DEFAULT) -> list[Outgoing]:
    """One reply becomes one message, or two when it needs both inline buttons and the location key:
    Telegram gives each message a single keyboard. ``lang``: the language of what this adds (the
    location key and its hint)."""
    inline = render_buttons(reply.buttons) if reply.buttons else None
    if reply.ask_location:
        if inline is None:
            return [Outgoing(reply.text, _location_keyboard(lang))]
        return [
            Outgoing(reply.text, inline),
            Outgoing(t(lang, texts.LOCATION_KEY_HINT), _location_keyboard(lang)),
        ]
    if inline is not None:
        return [Outgoing(reply.text, inline)]
    return [Outgoing(reply.text, ReplyKeyboardRemove() if reply.clear_keyboard else None)]

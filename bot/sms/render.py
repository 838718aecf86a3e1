"""A message as a text message (issue 16): what the sender or the webhook hands Twilio.

A payload is rendered for Telegram at queue time (text and inline buttons). By SMS:

* the text is the payload's ``sms_text`` when it has one (a reminder without its emoji and its
  "tap below"), else its ``text``;
* a reminder's buttons become its own short numbered menu on a line of its own ("Reply 1 taken,
  2 snooze 30 min, 3 skip"), one segment with the reminder, which
  :mod:`bot.services.sms_inbound` answers through the same service the buttons call;
* any other buttons (a set-up question, a check-in, "Are you safe right now?") become a numbered
  menu of their labels ("Reply 1 Yes, 2 No"), or, when every label is a number (a 0-10 scale),
  the labels themselves ("Reply with a number from 0 to 10"). :class:`SmsText.menu` pairs what
  the patient types with the button's data, for the contact to keep: the number's next reply
  that is one of those keys is a tap of that button (bot/services/sms_inbound.py);
* an edit of an earlier Telegram message (a staff card's) has no SMS form: None.

Pure: no database, no network.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.reminders import parse_tap, sms_menu
from bot.domain.replies import Button, Reply
from bot.i18n import t

__all__ = ["SmsText", "render_reply", "sms_body", "sms_text"]

# Nine answers at most: a reply is one digit (bot.sms.keywords reads 1-9).
MAX_CHOICES = 9


@dataclass(frozen=True)
class SmsText:
    body: str
    # What the number's next numbered reply answers after this text: None leaves it as it was
    # (no question asked), () means the latest reminder, else (what is typed, button data).
    menu: tuple[tuple[str, str], ...] | None = None


def sms_text(payload: dict[str, Any], lang: str) -> SmsText | None:
    """``payload`` (an outbox row's) as a text in ``lang`` (the menu's language), or None if it
    has no SMS form. Raises KeyError/TypeError for a payload without a text, like the Telegram
    renderer."""
    text = payload["text"]
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    if payload.get("edit_of") is not None:
        return None
    sms = payload.get("sms_text")
    body = sms if isinstance(sms, str) and sms else text
    buttons = [
        Button(str(b.get("label", "")), str(b.get("data", "")))
        for row in payload.get("buttons") or []
        for b in row
    ]
    return _with_menu(body, buttons, lang)


def sms_body(payload: dict[str, Any], lang: str) -> str | None:
    """The text alone (see :func:`sms_text`)."""
    rendered = sms_text(payload, lang)
    return None if rendered is None else rendered.body


def render_reply(reply: Reply, lang: str) -> SmsText | None:
    """A reply the bot gives at once (a webhook's answer) as a text; None for one with no text."""
    body = reply.sms_text or reply.text
    if not body:
        return None
    return _with_menu(body, [b for row in reply.buttons for b in row], lang)


def _with_menu(body: str, buttons: Sequence[Button], lang: str) -> SmsText:
    if not buttons:
        return SmsText(body)
    taps = [parse_tap(b.data) for b in buttons]
    if all(tap is not None for tap in taps):
        menu = sms_menu(frozenset(tap.action for tap in taps if tap is not None), lang)
        if menu is not None:
            return SmsText(f"{body}\n{menu}", ())
    labels = [_plain(b.label) for b in buttons]
    if _a_scale(labels):
        # i18n: the answers of a question on a scale by SMS ("Reply with a number from 0 to 10").
        menu_line = t(
            lang, "Reply with a number from {low} to {high}", low=labels[0], high=labels[-1]
        )
        return SmsText(
            f"{body}\n{menu_line}", tuple(zip(labels, (b.data for b in buttons), strict=True))
        )
    shown = list(buttons)[:MAX_CHOICES]
    # i18n: the numbered answers of a question by SMS; {choices} is "1 Yes, 2 No".
    menu_line = t(lang, "Reply {choices}", choices=", ".join(_numbered(shown)))
    return SmsText(
        f"{body}\n{menu_line}", tuple((str(n), b.data) for n, b in enumerate(shown, start=1))
    )


def menu_keys(menu: Sequence[Sequence[str]]) -> list[str]:
    return [str(pair[0]) for pair in menu]


def _a_scale(labels: Sequence[str]) -> bool:
    """Every label a whole number, in steps of one (0, 1, ..., 10)."""
    if len(labels) < 2 or not all(label.isdecimal() for label in labels):
        return False
    values = [int(label) for label in labels]
    return values == list(range(values[0], values[0] + len(values)))


def _numbered(buttons: Iterable[Button]) -> list[str]:
    return [f"{n} {_plain(b.label)}" for n, b in enumerate(buttons, start=1)]


def _plain(label: str) -> str:
    """A button's label without its emoji: one would make the whole text UCS-2."""
    kept = "".join(
        ch
        for ch in label
        if unicodedata.category(ch) not in ("So", "Sk", "Cs", "Mn", "Cf") or ch.isalnum()
    )
    return " ".join(kept.split()) or label

"""An outbox payload as a text message (issue 16, step 4): what the sender hands the gateway.

A payload is rendered for Telegram at queue time (text and inline buttons). By SMS:

* the text is the payload's ``sms_text`` when it has one (a reminder without its emoji and its
  "tap below"), else its ``text``;
* a reminder's buttons become a numbered menu on a line of its own ("Reply 1 taken, 2 snooze
  30 min, 3 skip"), which :mod:`bot.services.sms_inbound` answers through the same service the
  buttons call;
* a message with any other buttons (a check-in, "Are you safe right now?", a support request)
  has **no SMS form yet**: answered by number, it would reach the wrong question, or none. For
  those, and for edits of an earlier Telegram message, this returns None and the sender keeps
  them on Telegram.

Pure: no database, no network.
"""

from __future__ import annotations

from typing import Any

from bot.domain.reminders import parse_tap, sms_menu

__all__ = ["sms_body"]


def sms_body(payload: dict[str, Any], lang: str) -> str | None:
    """The text to send for ``payload`` in ``lang`` (the menu's language), or None if it has
    no SMS form. Raises KeyError/TypeError for a payload without a text, like the Telegram
    renderer."""
    text = payload["text"]
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    if payload.get("edit_of") is not None:
        return None
    sms_text = payload.get("sms_text")
    body = sms_text if isinstance(sms_text, str) and sms_text else text
    rows = payload.get("buttons") or []
    if not rows:
        return body
    actions: set[str] = set()
    for row in rows:
        for button in row:
            tap = parse_tap(str(button.get("data", "")))
            if tap is None:
                return None
            actions.add(tap.action)
    menu = sms_menu(frozenset(actions), lang)
    if menu is None:
        return None
    return f"{body}\n{menu}"

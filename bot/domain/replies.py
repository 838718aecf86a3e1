"""What the bot says, independent of the channel that carries it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    # Opaque to the patient; the adapter puts it in callback_data (at most 64 bytes).
    data: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Offer a one-tap "share my location" key (Telegram can only ask for it on a reply keyboard).
    ask_location: bool = False
    # Remove a reply keyboard shown by an earlier message.
    clear_keyboard: bool = False
    # A PNG sent with the text (a chart); the text becomes its caption when short enough.
    image: bytes | None = None
    # Telegram fetches a preview of a link in a message; a one-time login link must not be
    # spent by that fetch.
    link_preview: bool = True
    # A file sent with the text as its caption: (file name, content), e.g. /mydata's JSON.
    document: tuple[str, bytes] | None = None
    # Safety-critical (crisis lines, "Are you safe right now?"): if Telegram cannot take it now,
    # it goes through the outbox and is delivered later rather than lost. Text and inline
    # buttons only (that is all the outbox carries).
    urgent: bool = False
    # The text as a text message (issue 16), when it must read differently there: no emoji
    # (one makes a whole text UCS-2, 70 characters a segment) and no "tap below". The SMS
    # adapter appends the buttons' numbered menu to it (bot/sms/render.py). None: ``text``.
    sms_text: str | None = None


@dataclass(frozen=True)
class TapResult:
    """The outcome of a button tap: what to say next and how to mark the tapped message."""

    replies: list[Reply] = field(default_factory=list)
    # Shown briefly by the client as the answer to the tap.
    notice: str | None = None
    # The tapped message is edited to show this choice (and lose its buttons); None leaves it.
    chosen: str | None = None
    # New buttons for the tapped message (with or without ``chosen``), e.g. a snooze menu.
    buttons: tuple[tuple[Button, ...], ...] | None = None
    # Replace the tapped message's text and buttons entirely (the next check-in question).
    edit: Reply | None = None


def rows(*labels_and_data: tuple[str, str], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(label, data) for label, data in labels_and_data]
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))

"""Chat ids for people reached only by text (issue 16, enrolment by text).

Everything a patient does is keyed by a chat id: their conversation, outbox rows, checks and
alerts. A patient who enrols by text has no Telegram chat, so their number's contact gives them
one in a range Telegram never uses: Telegram's chat ids have at most 52 significant bits
(https://core.telegram.org/bots/api#chat), so every id from 2**53 up is free, and
``BIGINT`` holds them. The sender sends a row for such a chat by SMS or not at all: it is never
handed to Telegram, which would answer "chat not found" and have the patient marked unreachable.

Pure: no database.
"""

from __future__ import annotations

from typing import Final

__all__ = ["TEXT_ONLY_BASE", "chat_for_contact", "contact_of_chat", "is_text_only"]

TEXT_ONLY_BASE: Final = 1 << 53


def chat_for_contact(contact_id: int) -> int:
    """The chat id of the person texting from the contact with this id."""
    if contact_id <= 0:
        raise ValueError("contact ids are positive")
    return TEXT_ONLY_BASE + contact_id


def is_text_only(chat_id: int) -> bool:
    return chat_id > TEXT_ONLY_BASE


def contact_of_chat(chat_id: int) -> int | None:
    """The contact id behind a text-only chat id; None for a Telegram chat."""
    return chat_id - TEXT_ONLY_BASE if is_text_only(chat_id) else None

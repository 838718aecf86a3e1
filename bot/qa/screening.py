"""Messages that are not a question the content could answer, recognised before retrieval.

Each gets its own short, kind reply (all of kind "unknown"): nothing typed, a wall of text,
another language, advertising, small talk. Crisis triage has already run on the full message.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum
from typing import Final

from bot.qa.lexicon import (
    AD_WORDS,
    FOREIGN_LANGUAGE_WORDS,
    SMALL_TALK_WORDS,
    SPANISH_WORDS,
    STOPWORDS,
    THANKS_WORDS,
)
from bot.qa.text import words

__all__ = ["MAX_CHARS", "Screen", "screen", "small_talk"]

# Longer than this is a story, not a question: answering one snippet out of it would pretend to
# have understood it. Real questions in the evaluation set are under 100 characters.
MAX_CHARS: Final = 700

_LINK_RE: Final = re.compile(
    r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|ru|shop|store|info|biz|xyz|top)\b",
    re.IGNORECASE,
)
_PERCENT_OFF_RE: Final = re.compile(r"\d\s*%\s*off\b", re.IGNORECASE)
_MONEY_RE: Final = re.compile(r"[$€£]\s?\d")
# Small talk may also carry a few of these without being a question ("help", "hello bot").
_SMALL_TALK_EXTRA: Final = frozenset({"help", "menu", "info"})


class Screen(Enum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    SPANISH = "spanish"
    OTHER_LANGUAGE = "other_language"
    ADVERTISING = "advertising"
    THANKS = "thanks"
    SMALL_TALK = "small_talk"


def _mostly_other_script(text: str) -> bool:
    letters = [ch for ch in unicodedata.normalize("NFKD", text) if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if ch.isascii())
    return latin < len(letters) / 2


def _advertising(text: str, tokens: list[str]) -> bool:
    if _LINK_RE.search(text) or _PERCENT_OFF_RE.search(text):
        return True
    signals = sum(1 for t in tokens if t in AD_WORDS) + len(_MONEY_RE.findall(text))
    return signals >= 2


def screen(text: str) -> Screen | None:
    """What kind of non-question ``text`` is, or None for a question to look up."""
    if not any(ch.isalnum() for ch in text):
        return Screen.EMPTY  # nothing, spaces, emoji, punctuation
    if len(text) > MAX_CHARS:
        return Screen.TOO_LONG
    if _mostly_other_script(text):
        return Screen.OTHER_LANGUAGE
    tokens = words(text)
    if not tokens:
        return Screen.EMPTY
    foreign = [t for t in tokens if t in FOREIGN_LANGUAGE_WORDS]
    english = sum(1 for t in tokens if t in STOPWORDS)
    if len(foreign) >= 2 and len(foreign) > english:
        spanish = sum(1 for t in foreign if t in SPANISH_WORDS)
        return Screen.SPANISH if spanish * 2 >= len(foreign) else Screen.OTHER_LANGUAGE
    if _advertising(text, tokens):
        return Screen.ADVERTISING
    return None


_CHATTER: Final = SMALL_TALK_WORDS | THANKS_WORDS | STOPWORDS | _SMALL_TALK_EXTRA


def small_talk(text: str) -> Screen | None:
    """THANKS or SMALL_TALK for a message made only of greetings, thanks and filler words.

    Asked only once retrieval found nothing to look up in the message: "i want to use so bad" is
    all stop words, but it is about cravings.
    """
    tokens = words(text)
    if tokens and all(t in _CHATTER for t in tokens):
        return Screen.THANKS if any(t in THANKS_WORDS for t in tokens) else Screen.SMALL_TALK
    return None

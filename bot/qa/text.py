"""Text normalisation and a light English stemmer, shared by the content index and the questions.

Both sides go through the same functions, so the stemmer only has to be *consistent*, not
linguistically right: "drinking", "drinks" and "drink" must meet, and "liver" must not meet "live".
"""

from __future__ import annotations

import re
from typing import Final

# Shared with the safety net's features: both read patients' words the same way (lower case,
# accents and apostrophes dropped, stretched letters "sooo" cut to two).
from bot.ml.features import normalise

__all__ = ["normalise", "stem", "words"]

_WORD_RE: Final = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The ASCII word tokens of ``text`` (letters of other scripts are dropped here)."""
    return _WORD_RE.findall(normalise(text))


# (suffix, replacement, shortest stem allowed); within a group the first that fits wins. Plurals
# go first so "cravings" -> "craving" -> "crav" meets "craving" -> "crav".
_PLURALS: Final = (("ies", "y", 2), ("sses", "ss", 2), ("es", "e", 3), ("s", "", 3))
_ENDINGS: Final = (
    ("ingly", "", 3),
    ("edly", "", 3),
    ("iness", "y", 3),
    ("ness", "", 3),
    ("ities", "ity", 3),
    ("ing", "", 3),
    ("ied", "y", 2),
    ("ed", "", 3),
    ("ly", "", 4),
)
_IRREGULAR: Final = {
    "used": "use", "uses": "use", "using": "use", "user": "use", "users": "use",
    "drank": "drink", "drunk": "drink",
    "forgot": "forget", "forgotten": "forget", "forgetting": "forget",
    "felt": "feel", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "ran": "run", "went": "go", "gone": "go", "got": "get", "gotten": "get",
    "this": "this", "is": "is", "was": "was", "has": "has", "does": "does", "us": "us",
    "news": "news", "always": "always", "sometimes": "sometime", "series": "series",
    "diabetes": "diabetes", "hepatitis": "hepatitis", "nausea": "nausea",
}  # fmt: skip
# Not plurals: "miss", "nervous", "hepatitis".
_KEEP_ENDINGS: Final = ("ss", "us", "is", "ous")
_VOWELS: Final = frozenset("aeiouy")
_DOUBLE_KEEP: Final = frozenset("lsz")


def _has_vowel(s: str) -> bool:
    return not _VOWELS.isdisjoint(s)


def _strip(word: str, rules: tuple[tuple[str, str, int], ...]) -> str:
    for suffix, replacement, shortest in rules:
        if word.endswith(suffix):
            candidate = word[: len(word) - len(suffix)] + replacement
            if len(candidate) >= shortest and _has_vowel(candidate):
                return candidate
            return word
    return word


def stem(word: str) -> str:
    """A light, deterministic suffix stripper (not Porter; see the module docstring)."""
    irregular = _IRREGULAR.get(word)
    if irregular is not None:
        word = irregular
    if len(word) <= 3 or word.isdigit():
        return word
    # Endings are stripped at most twice: "tiredness" -> "tired" -> "tir" meets "tired" -> "tir".
    base = word if word.endswith(_KEEP_ENDINGS) else _strip(word, _PLURALS)
    for _ in range(2):
        shorter = _strip(base, _ENDINGS)
        if shorter == base:
            break
        base = shorter
    # "stopped" -> "stopp" -> "stop", but "missed" -> "miss" and "falling" -> "fall".
    if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in _VOWELS | _DOUBLE_KEEP:
        base = base[:-1]
    # A final "e" is dropped so "take"/"taking", "dose"/"dosing", "crave"/"craving" meet.
    if len(base) >= 4 and base.endswith("e") and not base.endswith("ee"):
        base = base[:-1]
    return base

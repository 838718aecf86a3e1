"""The features both training and inference use: the same function on both sides, by design.

Words, word pairs and character n-grams inside each word (with its boundaries marked). Character
n-grams are what let a model trained on "suicide" still see "suicidal", "suicidio" and "sucide",
and what keeps one word the model has never met from mattering much: it adds a few features
among many instead of swinging a score. Words in the scope of a negation ("not going to *kill*
myself", "no quiero *morir*") also appear marked as negated, the usual way to let a bag of words
tell a statement from its denial.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import Final

__all__ = ["CHAR_RANGE", "features", "normalise", "tokens"]

CHAR_RANGE: Final = (3, 5)
_TOKEN_RE: Final = re.compile(r"[a-z0-9]+")
# "soooo", "diiieee": three or more of a letter become two, as people stretch words for emphasis.
_RUN_RE: Final = re.compile(r"([a-z])\1{2,}")
_APOSTROPHES: Final = dict.fromkeys(map(ord, "'`´ʹʻʼʽ‘’‛′＇"), None)


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes dropped ("don’t" -> "dont", "está" -> "esta")."""
    folded = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    if not folded.isascii():
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _RUN_RE.sub(r"\1\1", folded)


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(normalise(text))


@lru_cache(maxsize=1 << 16)
def _word_features(word: str) -> tuple[str, ...]:
    marked = f"<{word}>"
    low, high = CHAR_RANGE
    grams = {marked[i : i + n] for n in range(low, high + 1) for i in range(len(marked) - n + 1)}
    grams.add(f"w:{word}")
    return tuple(grams)


_NEGATIONS: Final = frozenset(
    [
        "not",
        "no",
        "never",
        "dont",
        "doesnt",
        "didnt",
        "wont",
        "wouldnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "havent",
        "hasnt",
        "nor",
        "nunca",
        "jamas",
        "tampoco",
        "ni",
    ]
)
_NEGATION_SCOPE: Final = 3
_CLAUSE_RE: Final = re.compile(r"[.,;:!?\n]+")


def _negated(text: str) -> set[str]:
    marked: set[str] = set()
    for clause in _CLAUSE_RE.split(text):
        scope = 0
        for word in tokens(clause):
            if word in _NEGATIONS:
                scope = _NEGATION_SCOPE
            elif scope:
                marked.add(f"n:{word}")
                scope -= 1
    return marked


def features(text: str) -> frozenset[str]:
    """Every feature of ``text`` (a set: presence, not counts, matters in short messages)."""
    words = tokens(text)
    found: set[str] = set()
    for word in words:
        found.update(_word_features(word))
    found.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    found.update(_negated(text))
    return frozenset(found)

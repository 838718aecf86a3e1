"""The safety model's vocabulary: groups of words that mean the same thing for a crisis.

Word and letter n-grams learn the words a writer used; the next writer uses others. The groups
in ``concepts.toml`` (death, means, taking, amount, opioids, the body, now, another person, a
question, the past...) turn each message into a few more features that do not depend on the
words: which groups appear, which follow which in the same clause, and which sit under a
negation. "Swallowed every pill I had" and "me tragué todas las pastillas" then share
``ingest > amount > means``, so what the model learns from one language or writer carries to
the others. The model still weighs every feature itself; the groups only say what belongs
together, never what is a crisis.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from bot.ml.features import features, tokens

__all__ = ["CONCEPTS_PATH", "concept_features", "concepts", "crisis_features", "lexicon_digest"]

CONCEPTS_PATH: Final = Path(__file__).with_name("concepts.toml")
_CLAUSE_RE: Final = re.compile(r"[.,;:!?\n]+|\s+(?:but|pero|and|y)\s+")
_NEGATION_SCOPE: Final = 3
# How far apart (in concepts, not words) two groups of one clause still make a pair.
_PAIR_REACH: Final = 2


@dataclass(frozen=True, slots=True)
class _Lexicon:
    words: dict[str, tuple[str, ...]]  # one word -> its groups
    prefixes: tuple[tuple[str, str], ...]  # (prefix, group), longest first
    phrases: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first word -> (words, group)


@cache
def _lexicon(path: Path = CONCEPTS_PATH) -> _Lexicon:
    data = tomllib.loads(path.read_text(encoding="utf-8"))["concepts"]
    words: dict[str, set[str]] = {}
    prefixes: set[tuple[str, str]] = set()
    phrases: dict[str, set[tuple[tuple[str, ...], str]]] = {}
    for group, entries in data.items():
        for entry in entries:
            prefix = entry.endswith("*")
            parts = tuple(tokens(entry.rstrip("*")))
            if not parts:
                raise ValueError(f"{path}: empty entry in {group}")
            if len(parts) > 1:
                phrases.setdefault(parts[0], set()).add((parts, group))
            elif prefix:
                prefixes.add((parts[0], group))
            else:
                words.setdefault(parts[0], set()).add(group)
    return _Lexicon(
        {w: tuple(sorted(g)) for w, g in words.items()},
        tuple(sorted(prefixes, key=lambda p: (-len(p[0]), p))),
        {w: tuple(sorted(p)) for w, p in phrases.items()},
    )


@lru_cache(maxsize=1 << 15)
def _word_groups(word: str) -> tuple[str, ...]:
    lex = _lexicon()
    found = set(lex.words.get(word, ()))
    found.update(group for prefix, group in lex.prefixes if word.startswith(prefix))
    return tuple(sorted(found))


def concepts(clause: str) -> list[tuple[int, str]]:
    """The groups found in ``clause`` as (word position, group), in order."""
    lex = _lexicon()
    words = tokens(clause)
    found: list[tuple[int, str]] = []
    for i, word in enumerate(words):
        phrases = [
            (i, group)
            for parts, group in lex.phrases.get(word, ())
            if tuple(words[i : i + len(parts)]) == parts
        ]
        # A phrase is read as a whole: "dead serious" is an idiom, not a death; "not breathing"
        # and "no respira" are about the body, not a denial of what follows.
        found.extend(phrases or [(i, group) for group in _word_groups(word)])
    return found


def concept_features(text: str) -> set[str]:
    """``c:group`` for each group present (``c:asks`` for a question mark), ``cc:a>b`` for
    groups that follow each other in a clause, ``cn:group`` for a group under a negation ("no
    quiero *morir*")."""
    # A question mark is the plainest sign of a question, and the clauses lose it.
    out: set[str] = {"c:asks"} if "?" in text else set()
    for clause in _CLAUSE_RE.split(text):
        if not clause or not clause.strip():
            continue
        found = concepts(clause)
        negated_until = -1
        sequence: list[str] = []
        for position, group in found:
            if group == "negation":
                out.add("c:negation")
                negated_until = position + _NEGATION_SCOPE
                continue
            if position <= negated_until:
                # Only negated: "I'm not high" has no "high" in it for the model.
                out.add(f"cn:{group}")
                # "I'm not high" must not give the pair "I" then "high".
                group = f"!{group}"
            else:
                out.add(f"c:{group}")
            if not sequence or sequence[-1] != group:
                sequence.append(group)
        for i, first in enumerate(sequence):
            for second in sequence[i + 1 : i + 1 + _PAIR_REACH]:
                if first != second:
                    out.add(f"cc:{first}>{second}")
    return out


def crisis_features(text: str) -> frozenset[str]:
    """What the safety model reads: the shared word and letter features plus the groups."""
    return features(text) | concept_features(text)


def lexicon_digest(path: Path = CONCEPTS_PATH) -> str:
    """Which vocabulary a model was trained with: a model reads the groups it learned."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]

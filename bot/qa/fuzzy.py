"""Typo tolerance: map an unknown word to a known word one or two edits away.

Symmetric-delete lookup (the SymSpell idea): every known word is indexed under the strings left
after deleting up to ``max_edits`` letters, and a query word looks up its own deletions, so a
correction costs a few dictionary probes instead of an edit distance against every word.

Corrections are deliberately narrow, because a wrong "correction" turns an off-topic word into an
on-topic one: only words of 4+ letters, one edit (two from 8 letters up), the first letter kept
(or swapped with the second), and a unique best candidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Final

__all__ = ["TypoCorrector"]

_MIN_LENGTH: Final = 4
_TWO_EDITS_FROM: Final = 8


def _max_edits(word: str) -> int:
    if len(word) < _MIN_LENGTH:
        return 0
    return 2 if len(word) >= _TWO_EDITS_FROM else 1


def _deletions(word: str, edits: int) -> set[str]:
    out = {word}
    for n in range(1, edits + 1):
        for positions in combinations(range(len(word)), n):
            out.add("".join(ch for i, ch in enumerate(word) if i not in positions))
    return out


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[len(a)][len(b)]


def _same_start(a: str, b: str) -> bool:
    return a[0] == b[0] or (a[:2] == b[1::-1])


class TypoCorrector:
    """Corrects words against a fixed vocabulary; ``preferred`` words win ties."""

    def __init__(self, vocabulary: Iterable[str], preferred: Iterable[str] = ()) -> None:
        self._known = frozenset(w for w in vocabulary if w.isalpha())
        self._preferred = frozenset(preferred)
        index: dict[str, list[str]] = {}
        for word in self._known:
            for deleted in _deletions(word, _max_edits(word)):
                index.setdefault(deleted, []).append(word)
        self._index = index

    def __contains__(self, word: str) -> bool:
        return word in self._known

    def correct(self, word: str) -> str | None:
        """The known word ``word`` most likely meant, or None if there is no clear one."""
        edits = _max_edits(word)
        if edits == 0 or not word.isalpha() or word in self._known:
            return None
        best: list[tuple[int, bool, str]] = []
        seen: set[str] = set()
        for deleted in _deletions(word, edits):
            for candidate in self._index.get(deleted, ()):
                if candidate in seen or not _same_start(word, candidate):
                    continue
                seen.add(candidate)
                distance = _distance(word, candidate)
                if distance <= min(edits, _max_edits(candidate)):
                    best.append((distance, candidate not in self._preferred, candidate))
        if not best:
            return None
        best.sort()
        if len(best) > 1 and best[0][:2] == best[1][:2]:
            return None  # two equally good readings: guessing would be worse than not knowing
        return best[0][2]

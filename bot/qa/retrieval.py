"""Find the snippets a question is about: analysis, a BM25F index, and how much of it matched.

Two numbers come out for each snippet, because one is not enough to know when to stay silent:

* ``bm25``: the usual relevance score (BM25 over three weighted fields: title, keywords, text).
  It ranks well but its scale depends on the question, so it cannot be a threshold on its own.
* ``coverage``: the share of the question's information (IDF-weighted) the snippet accounts for.
  Words the content has never seen ("cholesterol", "hair") count at the highest IDF, so a question
  that is mostly about something else scores low even if it says "naltrexone".

bot/qa/calibration.py combines them into the confidence that is compared with the threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from bot.qa.content import Content, Snippet
from bot.qa.fuzzy import TypoCorrector
from bot.qa.lexicon import (
    DOSING_WORDS,
    MEDICINE_CLASSES,
    PHRASES,
    PRODUCT,
    PRODUCT_NAMES,
    RX_PREFIX,
    STOPWORDS,
    SYNONYMS,
)
from bot.qa.text import stem, words

__all__ = ["Analyzer", "Index", "Query", "Retrieval", "Scored"]

# BM25 parameters. Snippets are all 2-4 sentences, so length normalisation matters less than
# usual (b below the textbook 0.75).
K1: Final = 1.2
B: Final = 0.5
# Field weights: the title and the curated keywords say what a snippet is *about*; the text also
# mentions things in passing.
FIELD_WEIGHTS: Final = (("title", 2.0), ("keywords", 2.0), ("text", 1.0))
# A word reached only through a typo correction counts a little less than one typed right.
TYPO_WEIGHT: Final = 0.8
_SPECIAL_PREFIXES: Final = (RX_PREFIX, "ad:")
_MAX_PHRASE: Final = 4
# The topic itself: a question made only of it ("what is naltrexone?") asks for the overview.
TOPIC: Final = stem("naltrexone")


def _special(token: str) -> bool:
    return token.startswith(_SPECIAL_PREFIXES)


@dataclass(frozen=True, slots=True)
class Query:
    """A question after analysis."""

    terms: dict[str, float]  # index term -> weight (1.0, or TYPO_WEIGHT when corrected)
    unknown: tuple[str, ...]  # content words the content has never seen (stems)
    medicines: frozenset[str]  # classes of other medicines named (lexicon.MEDICINE_CLASSES)
    advertising: bool  # names a product from the advertising list
    dosing: bool  # asks how much of something ("dose", "mg", "how much")

    @property
    def topic_only(self) -> bool:
        return not self.unknown and set(self.terms) == {TOPIC}


class Analyzer:
    """Words -> index terms: phrases, stop words, stemming, synonyms, typo correction."""

    def __init__(self) -> None:
        phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for phrase, replacement in PHRASES.items():
            phrases[tuple(phrase.split())] = tuple(replacement.split())
        singles: dict[str, tuple[str, ...]] = {}
        for key, value in SYNONYMS.items():
            terms = tuple(stem(w) for w in value.split() if w not in STOPWORDS)
            if " " in key:
                phrases.setdefault(tuple(key.split()), tuple(value.split()))
            else:
                singles[stem(key)] = terms
        for cls, names in MEDICINE_CLASSES.items():
            for name in names:
                token = (RX_PREFIX + cls,)
                if " " in name:
                    phrases[tuple(name.split())] = token
                else:
                    singles[stem(name)] = token
        for name in PRODUCT_NAMES:
            if " " in name:
                phrases[tuple(name.split())] = (PRODUCT,)
            else:
                singles[stem(name)] = (PRODUCT,)
        self._phrases = phrases
        self._phrase_starts = frozenset(p[0] for p in phrases)
        self._singles = singles
        # Every surface word the analyser has an opinion about; typo targets come from here.
        self.lexicon_words = frozenset(
            w for text in (*PHRASES, *SYNONYMS, *PRODUCT_NAMES, *STOPWORDS) for w in text.split()
        ) | frozenset(w for names in MEDICINE_CLASSES.values() for n in names for w in n.split())

    def surface(self, text: str) -> list[str]:
        """Words of ``text`` with known phrases folded into one surface word or special token."""
        tokens = words(text)
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if tokens[i] in self._phrase_starts:
                for size in range(min(_MAX_PHRASE, len(tokens) - i), 1, -1):
                    replacement = self._phrases.get(tuple(tokens[i : i + size]))
                    if replacement is not None:
                        out.extend(replacement)
                        i += size
                        break
                else:
                    out.append(tokens[i])
                    i += 1
            else:
                out.append(tokens[i])
                i += 1
        return out

    def word_terms(self, word: str) -> tuple[str, ...]:
        """Index terms of one surface word (empty for stop words and numbers)."""
        if _special(word):
            return (word,)
        if word in STOPWORDS or word.isdigit():
            return ()
        stemmed = stem(word)
        return self._singles.get(stemmed, (stemmed,))

    def terms(self, text: str) -> Iterator[str]:
        """Index terms of a snippet field, in order (no typo correction on curated text)."""
        for word in self.surface(text):
            yield from self.word_terms(word)


@dataclass(frozen=True, slots=True)
class Scored:
    snippet: Snippet
    bm25: float
    coverage: float


@dataclass(frozen=True, slots=True)
class Retrieval:
    query: Query
    ranked: tuple[Scored, ...]  # best first; only snippets sharing a term with the question


class Index:
    """BM25F over the snippets, built once (see bot.qa.answers for the shared instance)."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.analyzer = analyzer = Analyzer()
        self._tf: list[dict[str, float]] = []
        self._length: list[float] = []
        surface_words: set[str] = set()
        for snippet in content.snippets:
            tf: dict[str, float] = {}
            for field, weight in FIELD_WEIGHTS:
                text = (
                    " ".join(snippet.keywords) if field == "keywords" else getattr(snippet, field)
                )
                surface_words.update(words(text))
                for term in analyzer.terms(text):
                    tf[term] = tf.get(term, 0.0) + weight
            self._tf.append(tf)
            self._length.append(sum(tf.values()))
        n = len(content.snippets)
        self._avg_length = sum(self._length) / n
        df: Counter[str] = Counter(term for tf in self._tf for term in tf)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        # What a word the content has never seen is worth: the IDF of a term in no snippet.
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        # Snippets that may answer a question naming another medicine, by class.
        self._allowed: dict[str, frozenset[int]] = {
            cls: frozenset(i for i, s in enumerate(content.snippets) if cls in s.mentions)
            for cls in MEDICINE_CLASSES
        }
        self._corrector = TypoCorrector(
            surface_words | analyzer.lexicon_words, preferred=surface_words
        )

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._idf)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self.unseen_idf)

    def analyse(self, text: str) -> Query:
        weights: dict[str, float] = {}
        unknown: list[str] = []
        medicines: set[str] = set()
        advertising = False
        dosing = False
        for word in self.analyzer.surface(text):
            dosing = dosing or word in DOSING_WORDS
            weight = 1.0
            terms = self.analyzer.word_terms(word)
            if terms and not _special(terms[0]) and not all(t in self._idf for t in terms):
                corrected = self._corrector.correct(word)
                if corrected is not None:
                    terms, weight = self.analyzer.word_terms(corrected), TYPO_WEIGHT
            for term in terms:
                if term == PRODUCT:
                    advertising = True
                elif term.startswith(RX_PREFIX):
                    medicines.add(term.removeprefix(RX_PREFIX))
                    weights[term] = max(weights.get(term, 0.0), weight)
                elif term in self._idf:
                    weights[term] = max(weights.get(term, 0.0), weight)
                elif term not in unknown:
                    unknown.append(term)
        return Query(weights, tuple(unknown), frozenset(medicines), advertising, dosing)

    def _candidates(self, query: Query) -> Iterable[int]:
        """All snippets, or only those explicitly about every other medicine the question names."""
        if not query.medicines:
            return range(len(self._tf))
        allowed = frozenset.intersection(*(self._allowed[cls] for cls in query.medicines))
        return sorted(allowed)

    def search(self, text: str) -> Retrieval:
        query = self.analyse(text)
        total = sum(self.idf(t) for t in query.terms) + self.unseen_idf * len(query.unknown)
        scored: list[Scored] = []
        for i in self._candidates(query):
            tf = self._tf[i]
            norm = K1 * (1 - B + B * self._length[i] / self._avg_length)
            bm25 = 0.0
            matched = 0.0
            for term, weight in query.terms.items():
                f = tf.get(term)
                if not f:
                    continue
                idf = self.idf(term)
                bm25 += weight * idf * f * (K1 + 1) / (f + norm)
                matched += weight * idf
            if bm25 > 0:
                scored.append(Scored(self.content.snippets[i], bm25, matched / total))
        scored.sort(key=lambda s: (-s.bm25, s.snippet.id))
        return Retrieval(query, tuple(scored))

"""Find the snippets a question is about: analysis, a BM25F index, example questions and a model.

Four numbers come out for each candidate snippet; bot/qa/calibration.py turns them into the one
confidence that is compared with the answer threshold:

* ``bm25``: the usual relevance score (BM25F over the title, keywords, text, the other medicines
  it is about and its example questions). ``evidence`` is the same over the curated fields alone
  (not the examples): how central the matched words are to what the snippet says, which keeps a
  vague one-word message ("feel") from being answered by a snippet that merely mentions it.
* ``coverage``: the share of the question's information (IDF-weighted) the snippet accounts for.
  Words the content has never seen count against it, at a calibrated share of the highest IDF,
  so "can naltrexone cause hair loss" is not "covered" by the side-effects snippet. Words that
  only say how someone talks ("af", "actually", "quick question") are filler and never count;
  patients' spellings ("appt", "every1", "subs") are rewritten to the content's words first
  (bot/qa/lexicon.py).
* ``example``: question-to-question matching, the cosine similarity (IDF-weighted terms) between
  the question and the closest of the snippet's example questions in patients' own words.
* ``proba``: the probability the learned model (bot/qa/answer_model.json.gz, trained by
  ``python -m bot.qa.train`` on the example questions) gives the snippet; None for a snippet the
  model does not know (a clinic's own snippets, or content edited since training).

Context around a question ("my kid asked me", "long day at work.") is found by sentence: when a
message has a question sentence and other sentences, the others weigh less (a calibrated
``context_weight``), so a sentence about one's day cannot hide the question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from bot.ml.features import features
from bot.ml.linear import LinearModel
from bot.qa.content import Content, Snippet
from bot.qa.fuzzy import TypoCorrector
from bot.qa.lexicon import (
    DOSING_WORDS,
    FILLER_WORDS,
    MEDICINE_CLASSES,
    PATIENT_WORDS,
    PEOPLE_WORDS,
    PHRASES,
    PRODUCT,
    PRODUCT_NAMES,
    RX_PREFIX,
    SPANISH_STOPWORDS,
    SPANISH_WORDS,
    STOPWORDS,
    SYNONYMS,
)
from bot.qa.text import stem, words

__all__ = [
    "Analyzer",
    "Index",
    "Query",
    "Retrieval",
    "Scored",
    "Sentence",
    "Tuning",
    "reads_spanish",
]

# BM25 parameters. Snippets are all 2-4 sentences, so length normalisation matters less than
# usual (b below the textbook 0.75).
K1: Final = 1.2
B: Final = 0.5
# Field weights: the title, the curated keywords and the medicines a snippet is explicitly about
# say what it is *about*; the text also mentions things in passing; the example questions are
# many and repetitive, so each of their words counts once per snippet however often it recurs.
FIELD_WEIGHTS: Final = (
    ("title", 2.0),
    ("keywords", 2.0),
    ("mentions", 2.0),
    ("text", 1.0),
    ("examples", 1.0),
)
assert FIELD_WEIGHTS[-1][0] == "examples", "the curated fields are indexed before the examples"
# A word reached only through a typo correction counts a little less than one typed right.
TYPO_WEIGHT: Final = 0.8
_SPECIAL_PREFIXES: Final = (RX_PREFIX, "ad:")
_MAX_PHRASE: Final = 4
# The topic itself: a question made only of it ("what is naltrexone?") asks for the overview.
TOPIC: Final = stem("naltrexone")
# How many of the model's best labels become candidates even without a shared term (their
# evidence is then zero, so they can only rank, never be answered on the model alone).
MODEL_CANDIDATES: Final = 3


def _set(text: str) -> frozenset[str]:
    """Whitespace-separated words; long word lists read better as a block of text."""
    return frozenset(text.split())


_ENGLISH: Final = STOPWORDS | FILLER_WORDS
_SPANISH: Final = SPANISH_WORDS | SPANISH_STOPWORDS
# Everything that is neither indexed nor counted: English framing, filler, Spanish framing.
_IGNORED: Final = STOPWORDS | FILLER_WORDS | SPANISH_STOPWORDS

# Sentences end at . ! ? ; or a line break. A question mark marks a question sentence.
_SENTENCE_RE: Final = re.compile(r"[^.!?;\n]+[.!?;\n]*")
# A sentence opening with one of these (after filler) asks something.
_QUESTION_STARTS: Final = _set(
    """
    what whats how hows why when where which who whos whose can cant could couldnt should
    shouldnt would wouldnt will wont is isnt are arent am do dont does doesnt did didnt was were
    has have may might must shall any anyone anybody if whether que como cuando donde cual
    puedo puede debo es hay por
    """
)
_LEADING_FILLER: Final = FILLER_WORDS | _set(
    "so and but also ok okay hey hi hello well like oh then plus just i"
)
# "my kid asked me what my medicine does": what follows the reporting verb is the question.
_REPORTING: Final = _set(
    "asked asks asking ask wondering wondered wonder know knows tell told explain curious"
)
_REPORTED_OBJECTS: Final = _set("me us him her them you")
_WH: Final = _set("what how why when where whether if which who")
# "rough day at work can i have a beer": a question starting mid-sentence.
_MODALS: Final = _set("can could should would will is are am do does did what how why when where")
_SUBJECTS: Final = _set(
    "i u you it we my this that they he she naltrexone vivitrol do does long much"
)


def _special(token: str) -> bool:
    return token.startswith(_SPECIAL_PREFIXES)


@dataclass(frozen=True, slots=True)
class Tuning:
    """How much unknown words and context sentences weigh (calibrated with the thresholds)."""

    # An unknown content word counts as this share of the highest IDF (that of a term no snippet
    # has): 1.0 is "as informative as the rarest word", 0.0 ignores unknown words altogether.
    unknown_weight: float = 0.6
    # Terms (and unknown words) of context sentences count this much of a question's.
    context_weight: float = 0.5


@dataclass(frozen=True, slots=True)
class Sentence:
    words: tuple[str, ...]  # surface words after patients' spellings and phrases were folded
    question: bool
    # "my kid asked me" before "what my medicine does": who asks, never what is asked.
    framing: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """A question after analysis."""

    terms: dict[str, float]  # index term -> weight (1.0; less when corrected or in context)
    unknown: tuple[tuple[str, float], ...]  # content words the index has never seen, weighted
    medicines: frozenset[str]  # classes of other medicines named (lexicon.MEDICINE_CLASSES)
    advertising: bool  # names a product from the advertising list
    dosing: bool  # asks how much of something ("dose", "mg", "how much")
    model_text: str = ""  # the words the learned model reads (canonical, typos corrected)
    has_context: bool = False  # some sentences were read as context around the question
    spanish: bool = False  # asked in Spanish (matched through the Spanish example questions)

    @property
    def topic_only(self) -> bool:
        return not self.unknown and set(self.terms) == {TOPIC}


def _fold(
    tokens: Sequence[str], table: Mapping[tuple[str, ...], tuple[str, ...]], starts: frozenset[str]
) -> list[str]:
    """Replace the longest phrases of ``table`` found in ``tokens`` (left to right)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] in starts:
            for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
                replacement = table.get(tuple(tokens[i : i + size]))
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


def _split_reported(tokens: list[str]) -> list[tuple[list[str], bool]]:
    """Split a sentence where a question starts inside it: (piece, is framing) pairs.

    "my kid asked me | what my medicine does": the first piece only says who asks (framing).
    "rough day at work | can i have a beer": a statement, then the question.
    """
    for i in range(1, len(tokens) - 1):
        word = tokens[i]
        if word in _REPORTING and not any(t in _WH for t in tokens[:i]):
            # ("what does an overdose look like so i know what to watch for" is one question.)
            j = i + 1
            if j < len(tokens) and tokens[j] in _REPORTED_OBJECTS:
                j += 1
            # "asked me what ...", "wants to know if ...", "asked me can i ..."
            if j < len(tokens) and (tokens[j] in _WH or tokens[j] in _MODALS):
                return [(tokens[:j], True), *_split_reported(tokens[j:])]
        elif (
            word in _MODALS
            and tokens[i + 1] in _SUBJECTS
            and not any(t in _QUESTION_STARTS for t in tokens[:i])
        ):
            return [(tokens[:i], False), *_split_reported(tokens[i:])]
    return [(tokens, False)]


# "my last methadone dose" names a dose that was taken; "the right methadone dose" asks for one.
_TAKEN_DOSE: Final = _set("last next missed first my previous final morning daily every")


def _asks_dose(words: Sequence[str], position: int) -> bool:
    """Whether the word at ``position`` asks how much of a medicine to take."""
    word = words[position]
    if word not in DOSING_WORDS:
        return False
    if word in ("dose", "doses"):
        return not any(w in _TAKEN_DOSE for w in words[max(0, position - 2) : position])
    return True


def _asks(tokens: Sequence[str], marked: bool) -> bool:
    if marked:
        return True
    for token in tokens:
        if token not in _LEADING_FILLER:
            return token in _QUESTION_STARTS
    return False


class Analyzer:
    """Words -> index terms: patients' spellings, phrases, stop words, stemming, synonyms."""

    def __init__(self) -> None:
        patient: dict[tuple[str, ...], tuple[str, ...]] = {
            tuple(key.split()): tuple(value.split()) for key, value in PATIENT_WORDS.items()
        }
        phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for phrase, replacement in PHRASES.items():
            phrases[tuple(phrase.split())] = tuple(replacement.split())
        singles: dict[str, tuple[str, ...]] = {}
        # What the learned model reads for a word: the canonical words, unstemmed.
        canonical: dict[str, str] = {}
        for key, value in SYNONYMS.items():
            terms = tuple(stem(w) for w in value.split() if w not in _IGNORED)
            if " " in key:
                phrases.setdefault(tuple(key.split()), tuple(value.split()))
            else:
                singles[stem(key)] = terms
                canonical[stem(key)] = value
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
        self._patient = patient
        self._patient_starts = frozenset(p[0] for p in patient)
        self._phrases = phrases
        self._phrase_starts = frozenset(p[0] for p in phrases)
        self._singles = singles
        self._canonical = canonical
        # Every surface word the analyser has an opinion about; typo targets come from here.
        # Patients' spellings are not targets (their standard words are): "city" must not be
        # "corrected" into a Spanish word.
        self.lexicon_words = (
            frozenset(
                w
                for text in (
                    *PHRASES,
                    *SYNONYMS,
                    *PRODUCT_NAMES,
                    *STOPWORDS,
                    *PATIENT_WORDS.values(),
                )
                for w in text.split()
            )
            | frozenset(w for names in MEDICINE_CLASSES.values() for n in names for w in n.split())
            | FILLER_WORDS
        )

    def fold(self, tokens: Sequence[str]) -> list[str]:
        """Patients' spellings, then known phrases, folded into surface words."""
        rewritten = _fold(tokens, self._patient, self._patient_starts)
        return _fold(rewritten, self._phrases, self._phrase_starts)

    def surface(self, text: str) -> list[str]:
        """Words of ``text`` with known phrases folded into one surface word or special token."""
        return self.fold(words(text))

    def sentences(self, text: str) -> list[Sentence]:
        """The sentences of a message, each marked as a question or as context around one.

        When no sentence reads as a question, all of them are the question.
        """
        pieces: list[tuple[list[str], bool, bool]] = []
        for match in _SENTENCE_RE.finditer(text):
            raw = match.group(0)
            tokens = words(raw)
            if not tokens:
                continue
            parts = _split_reported(tokens)
            for k, (part, framing) in enumerate(parts):
                marked = "?" in raw and k == len(parts) - 1
                pieces.append((part, _asks(part, marked) and not framing, framing))
        if not any(question for _, question, _ in pieces):
            return [Sentence(tuple(self.fold(part)), True) for part, _, _ in pieces]
        return [
            Sentence(tuple(self.fold(part)), question, framing)
            for part, question, framing in pieces
        ]

    def word_terms(self, word: str) -> tuple[str, ...]:
        """Index terms of one surface word (empty for stop words, filler and numbers)."""
        if _special(word):
            return (word,)
        if word in _IGNORED or (word.isdigit() and len(word) < 3):
            return ()  # "988" and "911" are what a question is about; "2" or "10" are not
        stemmed = stem(word)
        return self._singles.get(stemmed, (stemmed,))

    def canonical(self, word: str) -> str:
        """The word as the learned model reads it ("booze" -> "alcohol", "subs" -> "rx:...")."""
        if _special(word) or word.isdigit():
            return word
        stemmed = stem(word)
        value = self._canonical.get(stemmed)
        if value is not None:
            return value
        terms = self._singles.get(stemmed)
        if terms and _special(terms[0]):
            return terms[0].replace(":", "_")
        return word

    def terms(self, text: str) -> Iterator[str]:
        """Index terms of a snippet field, in order (no typo correction on curated text)."""
        for word in self.surface(text):
            yield from self.word_terms(word)

    def model_text(self, surface_words: Iterable[str]) -> str:
        return " ".join(self.canonical(w) for w in surface_words if w)


@dataclass(frozen=True, slots=True)
class Scored:
    snippet: Snippet
    bm25: float
    coverage: float
    example: float = 0.0  # cosine with the closest example question of the snippet
    proba: float | None = None  # the learned model's probability; None if it has no label
    evidence: float = 0.0  # BM25F over the curated fields alone (title, keywords, text)


@dataclass(frozen=True, slots=True)
class Retrieval:
    query: Query
    # Best BM25 first: snippets sharing a term with the question, then the model's best guesses.
    ranked: tuple[Scored, ...]
    proba: Mapping[str, float] = field(default_factory=dict)  # the model's whole distribution


class Index:
    """BM25F over the snippets and an index of their example questions, built once.

    ``content`` is the shared content; ``clinic`` a clinic's own snippets, searched with it (one
    index per clinic: bot.qa.answers keeps them). ``model`` is the learned model, if any.
    """

    def __init__(
        self,
        content: Content,
        *,
        clinic: Content | None = None,
        model: LinearModel | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        self.content = content
        self.clinic = clinic
        self.model = model
        self.tuning = tuning or Tuning()
        self.snippets: tuple[Snippet, ...] = content.snippets + (
            clinic.snippets if clinic is not None else ()
        )
        self.analyzer = analyzer = Analyzer()
        self._tf: list[dict[str, float]] = []
        self._length: list[float] = []
        self._curated_tf: list[dict[str, float]] = []
        self._curated_length: list[float] = []
        surface_words: set[str] = set()
        example_words: set[str] = set()
        example_terms: list[tuple[int, frozenset[str]]] = []
        for i, snippet in enumerate(self.snippets):
            tf: dict[str, float] = {}
            curated: dict[str, float] = {}
            for name, weight in FIELD_WEIGHTS:
                if name == "examples":
                    asked = _examples(snippet)
                    # English examples only: "city" must not be "corrected" into "cita".
                    for example in getattr(snippet, "examples", ()):
                        example_words.update(words(example))
                    seen: set[str] = set()
                    for example in asked:
                        terms = frozenset(analyzer.terms(example))
                        seen.update(terms)
                        example_terms.append((i, terms))
                    example_terms.append((i, frozenset(analyzer.terms(snippet.title))))
                    # The examples come last in FIELD_WEIGHTS: what is there so far is curated.
                    curated = dict(tf)
                    for term in seen:
                        tf[term] = tf.get(term, 0.0) + weight
                    continue
                if name == "mentions":
                    for cls in snippet.mentions:
                        term = RX_PREFIX + cls
                        tf[term] = tf.get(term, 0.0) + weight
                    continue
                text = " ".join(snippet.keywords) if name == "keywords" else getattr(snippet, name)
                surface_words.update(words(text))
                for term in analyzer.terms(text):
                    tf[term] = tf.get(term, 0.0) + weight
            self._tf.append(tf)
            self._length.append(sum(tf.values()))
            self._curated_tf.append(curated)
            self._curated_length.append(sum(curated.values()))
        n = len(self.snippets)
        self._avg_length = sum(self._length) / n
        self._avg_curated_length = sum(self._curated_length) / n
        df: Counter[str] = Counter(term for tf in self._tf for term in tf)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        curated_df: Counter[str] = Counter(term for tf in self._curated_tf for term in tf)
        self._curated_idf = {
            t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in curated_df.items()
        }
        # What a word the content has never seen is worth at most: the IDF of a term in no snippet.
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        # Example questions: term -> examples having it, each example's squared norm.
        self._example_owner: list[int] = []
        self._example_norm: list[float] = []
        postings: dict[str, list[int]] = {}
        for owner, terms in example_terms:
            if not terms:
                continue
            k = len(self._example_owner)
            self._example_owner.append(owner)
            self._example_norm.append(math.sqrt(sum(self._idf[t] ** 2 for t in terms)))
            for term in terms:
                postings.setdefault(term, []).append(k)
        self._postings = {t: tuple(ks) for t, ks in postings.items()}
        # Snippets that may answer a question naming another medicine, by class.
        self._allowed: dict[str, frozenset[int]] = {
            cls: frozenset(i for i, s in enumerate(self.snippets) if cls in s.mentions)
            for cls in MEDICINE_CLASSES
        }
        self._corrector = TypoCorrector(
            surface_words | example_words | analyzer.lexicon_words, preferred=surface_words
        )
        self._position = {s.id: i for i, s in enumerate(self.snippets)}
        self._labels: dict[str, int] = {}
        if model is not None:
            self._labels = {
                label: self._position[label]
                for label in model.labels
                if label in self._position and self.snippets[self._position[label]].clinic is None
            }

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._idf)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self.unseen_idf)

    def get(self, snippet_id: str) -> Snippet:
        return self.snippets[self._position[snippet_id]]

    def __contains__(self, snippet_id: object) -> bool:
        return snippet_id in self._position

    def _correct(self, word: str) -> tuple[str, float]:
        terms = self.analyzer.word_terms(word)
        if terms and not _special(terms[0]) and not all(t in self._idf for t in terms):
            corrected = self._corrector.correct(word)
            if corrected is not None:
                return corrected, TYPO_WEIGHT
        return word, 1.0

    def analyse(self, text: str, tuning: Tuning | None = None) -> Query:
        tuning = tuning or self.tuning
        weights: dict[str, float] = {}
        unknown: dict[str, float] = {}
        medicines: set[str] = set()
        advertising = False
        dosing = False
        model_words: list[str] = []
        sentences = self.analyzer.sentences(text)
        has_context = not all(s.question for s in sentences)
        for sentence in sentences:
            if sentence.framing:
                continue
            scale = 1.0 if sentence.question else tuning.context_weight
            for position, raw in enumerate(sentence.words):
                if not sentence.question and raw in PEOPLE_WORDS:
                    continue  # "my husband is on the shot.": who, not what
                dosing = dosing or _asks_dose(sentence.words, position)
                word, weight = self._correct(raw)
                if word not in FILLER_WORDS:  # how someone talks is noise to the model too
                    model_words.append(word)
                weight *= scale
                for term in self.analyzer.word_terms(word):
                    if term == PRODUCT:
                        advertising = True
                    elif term.startswith(RX_PREFIX):
                        medicines.add(term.removeprefix(RX_PREFIX))
                        weights[term] = max(weights.get(term, 0.0), weight)
                    elif term in self._idf:
                        weights[term] = max(weights.get(term, 0.0), weight)
                    else:
                        unknown[term] = max(unknown.get(term, 0.0), scale)
        return Query(
            weights,
            tuple(unknown.items()),
            frozenset(medicines),
            advertising,
            dosing,
            self.analyzer.model_text(model_words),
            has_context,
            reads_spanish(text),
        )

    def _candidates(self, query: Query) -> Sequence[int] | range:
        """All snippets, or only those explicitly about every other medicine the question names."""
        if not query.medicines:
            return range(len(self.snippets))
        allowed = frozenset.intersection(*(self._allowed[cls] for cls in query.medicines))
        return sorted(allowed)

    def proba(self, query: Query) -> dict[str, float]:
        """The learned model's distribution over the snippets it knows (empty without a model)."""
        if self.model is None or not self._labels or not query.model_text:
            return {}
        return self.model.proba_features(features(query.model_text))

    def search(self, text: str, tuning: Tuning | None = None) -> Retrieval:
        tuning = tuning or self.tuning
        query = self.analyse(text, tuning)
        unknown_mass = sum(w for _, w in query.unknown) * tuning.unknown_weight * self.unseen_idf
        total = sum(self.idf(t) * w for t, w in query.terms.items()) + unknown_mass
        # Question-to-question: cosine between the question and each example question.
        q_norm = math.sqrt(
            sum((self.idf(t) * w) ** 2 for t, w in query.terms.items())
            + sum((w * tuning.unknown_weight * self.unseen_idf) ** 2 for _, w in query.unknown)
        )
        dots: dict[int, float] = {}
        for term, weight in query.terms.items():
            idf = self._idf.get(term)
            if idf is None:
                continue
            for k in self._postings.get(term, ()):
                dots[k] = dots.get(k, 0.0) + weight * idf * idf
        example: dict[int, float] = {}
        if q_norm > 0:
            for k, dot in dots.items():
                owner = self._example_owner[k]
                similarity = dot / (q_norm * self._example_norm[k])
                if similarity > example.get(owner, 0.0):
                    example[owner] = similarity
        proba = self.proba(query)
        model_top = sorted(proba, key=lambda label: -proba[label])[:MODEL_CANDIDATES]
        scored: list[Scored] = []
        candidates = self._candidates(query)
        allowed = frozenset(candidates)
        extra = {self._labels[label] for label in model_top if label in self._labels} & allowed
        for i in candidates:
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
            if bm25 > 0 or i in example or i in extra:
                snippet = self.snippets[i]
                p = proba.get(snippet.id) if snippet.id in self._labels else None
                coverage = matched / total if total > 0 else 0.0
                evidence = self._evidence(i, query)
                scored.append(Scored(snippet, bm25, coverage, example.get(i, 0.0), p, evidence))
        scored.sort(key=lambda s: (-s.bm25, s.snippet.id))
        return Retrieval(query, tuple(scored), proba)

    def _evidence(self, i: int, query: Query) -> float:
        tf = self._curated_tf[i]
        norm = K1 * (1 - B + B * self._curated_length[i] / self._avg_curated_length)
        score = 0.0
        for term, weight in query.terms.items():
            f = tf.get(term)
            if f:
                idf = self._curated_idf[term]
                score += weight * idf * f * (K1 + 1) / (f + norm)
        return score


def reads_spanish(text: str) -> bool:
    """Whether ``text`` reads as Spanish: more Spanish words than English function words.

    Words both languages have ("me", "a", "no") count for neither: "tell me a joke" is English.
    """
    tokens = words(text)
    english = sum(1 for t in tokens if t in _ENGLISH)
    spanish = sum(1 for t in tokens if t in _SPANISH and t not in _ENGLISH)
    return spanish >= 2 and spanish > english


def _examples(snippet: Snippet) -> tuple[str, ...]:
    """The snippet's example questions, English and Spanish (none in older content files)."""
    english: tuple[str, ...] = getattr(snippet, "examples", ())
    spanish: tuple[str, ...] = getattr(snippet, "examples_es", ())
    return (*english, *spanish)

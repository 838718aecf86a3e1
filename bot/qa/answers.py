"""Answer a patient's free-text question from the curated snippets, or say honestly that we can't.

Public entry point: :func:`answer`. Crisis triage (bot.domain.triage) must run *before* it; this
module never decides about crises. The index is built once per process (:func:`load` /
:func:`warm_up`) and shared, with one more per clinic that has its own snippets; answering is a
pure lookup.

A reply quotes one snippet verbatim (in the patient's language: content/snippets.es.toml for
Spanish), then every snippet it must travel with (``always_with``:
stopping naltrexone and the overdose risk that follows), then at most one close runner-up about
the same topic; it names each one's source and ends with the "general information, not medical
advice" line. A clinic's own snippets are marked as the clinic's words. Nothing is generated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from bot.i18n import N_, t
from bot.ml.linear import LinearModel
from bot.qa.calibration import Calibration, Signals, confidence
from bot.qa.content import Content, ContentError, Snippet, load_content
from bot.qa.model import load_model
from bot.qa.retrieval import Index, Retrieval, Scored
from bot.qa.screening import Screen, screen, small_talk

__all__ = [
    "Answer",
    "Decision",
    "Engine",
    "Hit",
    "answer",
    "choose",
    "decide",
    "engine",
    "load",
    "warm_up",
]

log = logging.getLogger(__name__)

# Texts are English catalog ids (N_), said in the patient's language with ``t(lang, ...)``; each
# that ends with the urgent line carries it whole, so a translator words it as one message.
URGENT: Final = N_("If it's urgent, call 911 or 988.")
DISCLAIMER: Final = N_(
    "This is general information, not medical advice. Your care team knows your situation best."
)
NO_INFO: Final = N_(
    "Sorry, I don't have information about that, so I can't answer it. Your care team is the "
    "best place to ask; they know your situation. If it's urgent, call 911 or 988."
)
OTHER_MEDICINE: Final = N_(
    "Sorry, I don't have information about that medicine, so I can't answer it. I can only "
    "share information about naltrexone; your care team or pharmacist can tell you about other "
    "medicines. If it's urgent, call 911 or 988."
)
CLINIC_PREFIX: Final = N_("From your clinic: ")
# A clinic snippet without a Spanish text, quoted in English to a Spanish-speaking patient.
ENGLISH_ONLY_NOTE: Final = N_("(This information from your clinic is only available in English.)")
SOURCE_LINE: Final = N_("Source: {source}")
SCREEN_REPLIES: Final[dict[Screen, str]] = {
    Screen.EMPTY: N_(
        "I didn't catch a question there. You can ask me about naltrexone, like “What are the "
        "side effects?” or “Can I drink alcohol on naltrexone?” For anything else, your care "
        "team is the best place to ask. If it's urgent, call 911 or 988."
    ),
    Screen.TOO_LONG: N_(
        "Thank you for telling me all that. I can only answer short questions about naltrexone, "
        "so I don't have an answer for a message this long. Could you ask one question in a "
        "sentence or two? Your care team is the best place for the whole story. "
        "If it's urgent, call 911 or 988."
    ),
    # Spanish questions are answered (in the patient's language): this reply is only for a
    # Spanish message nothing answers, as NO_INFO.
    Screen.SPANISH: NO_INFO,
    Screen.OTHER_LANGUAGE: N_(
        "Sorry, I can only answer questions in English or Spanish, so I don't have an answer "
        "for that. Please ask your care team. If it's urgent, call 911 or 988."
    ),
    Screen.ADVERTISING: NO_INFO,
    Screen.THANKS: N_(
        "You're welcome. I'm here if you have another question about naltrexone; for anything "
        "else, your care team is the best place to ask. If it's urgent, call 911 or 988."
    ),
    Screen.SMALL_TALK: N_(
        "I'm here to answer questions about naltrexone, like “What are the side effects?” or "
        "“Can I drink alcohol on naltrexone?” I don't have information about other things; your "
        "care team is the best place to ask. If it's urgent, call 911 or 988."
    ),
}


@dataclass(frozen=True, slots=True)
class Hit:
    """A snippet quoted in a reply."""

    id: str
    title: str
    source: str
    score: float  # the calibrated confidence in [0, 1] (bot/qa/calibration.py)


@dataclass(frozen=True, slots=True)
class Answer:
    kind: Literal["answer", "unknown"]
    text: str  # exactly what the patient sees: plain text, no Markdown or HTML
    snippets: list[Hit]


@dataclass(frozen=True, slots=True)
class Decision:
    """Why :func:`answer` said what it said (for the benchmark and tests, never shown)."""

    answer: Answer
    reason: str  # "answer", "below-threshold", "other-medicine", "no-match" or a Screen value
    retrieval: Retrieval | None


class Engine:
    """The shared index, the model, the calibration, and one index per clinic (built lazily)."""

    def __init__(
        self, content: Content, model: LinearModel | None, calibration: Calibration
    ) -> None:
        self.model = model
        self.calibration = calibration
        self.index = Index(content, model=model, tuning=calibration.tuning)
        self._clinics: dict[str, Index] = {}
        self._lock = threading.Lock()

    @property
    def content(self) -> Content:
        return self.index.content

    def for_clinic(self, code: str | None) -> Index:
        """The index for a clinic's patients: the shared snippets plus the clinic's own."""
        if code is None:
            return self.index
        from bot.qa import content as content_module

        normalise = getattr(content_module, "normalise_clinic_code", None)
        key = normalise(code) if normalise is not None else code.strip().upper()
        if not key:
            return self.index
        cached = self._clinics.get(key)
        if cached is not None:
            return cached
        index = self._build_clinic(key, strict=False)
        with self._lock:
            return self._clinics.setdefault(key, index)

    def load_clinics(self) -> list[str]:
        """Build every clinic's index now (start-up): a malformed clinic file raises here."""
        from bot.qa import content as content_module

        clinics_dir = getattr(content_module, "clinics_dir", None)
        if clinics_dir is None or not clinics_dir().is_dir():
            return []
        codes = sorted(path.stem for path in clinics_dir().glob("*.toml"))
        for code in codes:
            if code.upper() in self._clinics:
                continue  # built (and checked) already
            index = self._build_clinic(code, strict=True)
            with self._lock:
                self._clinics[code.upper()] = index
        return codes

    def _build_clinic(self, code: str, *, strict: bool) -> Index:
        from bot.qa import content as content_module

        loader = getattr(content_module, "load_clinic_content", None)
        clinic_path = getattr(content_module, "clinic_path", None)
        if loader is None or clinic_path is None:
            return self.index
        try:
            if not clinic_path(code).is_file():
                return self.index  # most clinics add nothing of their own
            clinic = loader(code, shared=self.content)
        except ContentError as exc:
            if strict:
                raise
            # A file added or broken since start-up: answer from the shared content rather than
            # cost the patient a reply; staff see the error in the logs.
            log.error("qa: clinic content not loaded, answering from shared content (%s)", exc)
            return self.index
        return Index(self.content, clinic=clinic, model=self.model, tuning=self.calibration.tuning)


_engine: Engine | None = None
_lock = threading.Lock()


def load(path: Path | None = None, *, model_path: Path | None = None) -> Index:
    """Build the shared index from ``path`` (default: content/snippets.toml) and return it.

    Raises :class:`ContentError` on a malformed file: call it at start-up so a bad edit stops
    the bot instead of surfacing in a patient's chat.
    """
    global _engine
    content = load_content(path)
    model = load_model(model_path)
    calibration = Calibration.from_json(model.meta.get("calibration") if model else None)
    built = Engine(content, model, calibration)
    with _lock:
        _engine = built
    return built.index


def engine() -> Engine:
    """The shared engine, built now if it has not been yet."""
    current = _engine
    if current is not None:
        return current
    with _lock:
        if _engine is not None:
            return _engine
    load()
    assert _engine is not None
    return _engine


def warm_up() -> Index:
    """The shared index, built now if it has not been yet; every clinic's content is checked."""
    built = engine()
    built.load_clinics()
    return built.index


def _unknown(text: str, reason: str, retrieval: Retrieval | None, lang: str) -> Decision:
    return Decision(Answer("unknown", t(lang, text), []), reason, retrieval)


def _quote(snippet: Snippet, lang: str) -> str:
    _, text, source = snippet.shown(lang)
    if snippet.clinic:
        text = t(lang, CLINIC_PREFIX) + text
        if lang != "en" and snippet.translation(lang) is None:
            text = f"{t(lang, ENGLISH_ONLY_NOTE)}\n{text}"
    return f"{text}\n{t(lang, SOURCE_LINE, source=source)}"


def _compose(quoted: list[tuple[Snippet, float]], lang: str) -> Answer:
    parts = [_quote(snippet, lang) for snippet, _ in quoted]
    text = "\n\n".join([*parts, t(lang, DISCLAIMER)])
    hits = []
    for snippet, score in quoted:
        title, _, source = snippet.shown(lang)
        hits.append(Hit(snippet.id, title, source, round(min(1.0, score), 3)))
    return Answer("answer", text, hits)


def ranked(retrieval: Retrieval, calibration: Calibration) -> list[tuple[Scored, float]]:
    """The candidates by calibrated confidence, best first (ties: BM25, then id, for stability)."""
    signals = Signals.of(retrieval)
    scored = [(s, confidence(s, signals, calibration)) for s in retrieval.ranked]
    if retrieval.query.topic_only:
        # "naltrexone?": the snippet whose example questions are just that (the overview).
        scored.sort(key=lambda pair: (-pair[0].example, -(pair[0].proba or 0.0), -pair[1]))
    else:
        scored.sort(key=lambda pair: (-pair[1], -pair[0].bm25, pair[0].snippet.id))
    return scored


def choose(retrieval: Retrieval, calibration: Calibration) -> tuple[Scored, float] | None:
    """The snippet to answer with, or None: the calibrated decision, without the wording."""
    query = retrieval.query
    if query.advertising:
        return None
    if query.medicines and (query.dosing or not retrieval.ranked):
        return None
    candidates = ranked(retrieval, calibration)
    if not candidates or not _sure(candidates[0], retrieval, calibration):
        return None
    return candidates[0]


def _sure(best: tuple[Scored, float], retrieval: Retrieval, calibration: Calibration) -> bool:
    # A question made only of "naltrexone" ("naltrexone?", "what is naltrexone") asks for the
    # overview, whichever snippet ranks it first: there is nothing else it could be about.
    return best[1] >= calibration.threshold or retrieval.query.topic_only


def _same_topic(first: Scored, other: Scored, calibration: Calibration) -> bool:
    """Whether a runner-up is about the same thing: a shared fact, or the model splits the two."""
    if set(first.snippet.facts) & set(other.snippet.facts):
        return True
    floor = calibration.both_proba
    first_p = first.proba if first.proba is not None else first.example
    other_p = other.proba if other.proba is not None else other.example
    return first_p >= floor and other_p >= floor


def _companions(snippet: Snippet, index: Index) -> Iterable[Snippet]:
    """The snippets ``snippet`` must always be quoted with, in order (and theirs, once)."""
    for companion_id in snippet.always_with:
        if companion_id in index:
            companion = index.get(companion_id)
            yield companion
            yield from _companions(companion, index)


def _quoted(
    candidates: list[tuple[Scored, float]], index: Index, calibration: Calibration
) -> list[tuple[Snippet, float]]:
    first, first_score = candidates[0]
    scores = {scored.snippet.id: score for scored, score in candidates}
    quoted: list[tuple[Snippet, float]] = []
    seen: set[str] = set()

    def add(snippet: Snippet, score: float) -> None:
        if snippet.id in seen:
            return
        seen.add(snippet.id)
        quoted.append((snippet, score))
        for companion in _companions(snippet, index):
            # Quoted by rule, not because it matched: its own score, or 0 if it did not match.
            add(companion, scores.get(companion.id, 0.0))

    add(first.snippet, first_score)
    for scored, score in candidates[1:]:
        if score < calibration.threshold:
            break
        # Replies stay short: a runner-up must be nearly as confident as the first, unless it is
        # the patient's clinic's own answer on the same topic (who to call, where to go).
        close = score >= calibration.second_ratio * first_score
        own = scored.snippet.clinic is not None and first.snippet.clinic is None
        if not (close or own):
            continue
        if scored.snippet.id not in seen and _same_topic(first, scored, calibration):
            add(scored.snippet, score)
            break
    return quoted


def decide(
    text: str,
    index: Index | None = None,
    *,
    clinic: str | None = None,
    calibration: Calibration | None = None,
    lang: str = "en",
) -> Decision:
    """The answer to ``text`` with the reason behind it (calibration overridable to tune it).

    The question may be in English or Spanish whatever ``lang`` is; the reply is in ``lang``, the
    patient's language.
    """
    shared = engine() if index is None or calibration is None else None
    if index is None:
        assert shared is not None
        index = shared.for_clinic(clinic)
    if calibration is None:
        assert shared is not None
        calibration = shared.calibration
    screened = screen(text)
    if screened is not None and screened is not Screen.SPANISH:
        return _unknown(SCREEN_REPLIES[screened], screened.value, None, lang)
    retrieval = index.search(text)
    query = retrieval.query
    if query.advertising:
        return _unknown(NO_INFO, Screen.ADVERTISING.value, retrieval, lang)
    if query.medicines and (query.dosing or not retrieval.ranked):
        # Another medicine's dose is never ours to discuss, even if a snippet names it.
        return _unknown(OTHER_MEDICINE, "other-medicine", retrieval, lang)
    candidates = ranked(retrieval, calibration)
    if not candidates or not _sure(candidates[0], retrieval, calibration):
        # Greetings and thanks ("hi", "help", "thanks!") get a friendlier "unknown", but only when
        # there is no answer: "i want to use so bad" is made of filler words and is about cravings.
        chatter = small_talk(text)
        if chatter is not None:
            return _unknown(SCREEN_REPLIES[chatter], chatter.value, retrieval, lang)
        if not candidates:
            return _unknown(NO_INFO, "no-match", retrieval, lang)
        reply = OTHER_MEDICINE if query.medicines else NO_INFO
        return _unknown(reply, "below-threshold", retrieval, lang)
    quoted = _quoted(candidates, index, calibration)
    return Decision(_compose(quoted, lang), "answer", retrieval)


def answer(text: str, *, clinic: str | None = None, lang: str = "en") -> Answer:
    """Reply to one free-text question (after crisis triage). Never raises on any input.

    ``clinic`` is the patient's clinic code: that clinic's own snippets are searched too, and
    quoted as the clinic's words. ``lang`` is the patient's language ("en" or "es"): the reply
    quotes the snippets in it, whichever language the question was asked in. A malformed content
    file raises :class:`ContentError` from the first call (or, better, from :func:`warm_up` at
    start-up): that is a deployment error, not something to hide from staff.
    """
    try:
        return decide(text, clinic=clinic, lang=lang).answer
    except ContentError:
        raise
    except Exception as exc:  # a bug must not cost the patient a reply
        log.error("qa: could not answer a question (%s)", type(exc).__name__)
        return Answer("unknown", t(lang, NO_INFO), [])

"""Answer a patient's free-text question from the curated snippets, or say honestly that we can't.

Public entry point: :func:`answer`. Crisis triage (bot.domain.triage) must run *before* it; this
module never decides about crises. The index is built once per process (:func:`load` /
:func:`warm_up`) and shared; answering is a pure lookup.

A reply quotes one or two snippets verbatim, names each one's source and ends with the
"general information, not medical advice" line. Nothing is generated.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from bot.qa.calibration import (
    ANSWER_THRESHOLD,
    MIN_EVIDENCE,
    SECOND_SNIPPET_RATIO,
    confidence,
)
from bot.qa.content import ContentError, Snippet, load_content
from bot.qa.retrieval import Index, Retrieval, Scored
from bot.qa.screening import Screen, screen, small_talk

__all__ = ["Answer", "Decision", "Hit", "answer", "decide", "load", "warm_up"]

log = logging.getLogger(__name__)

URGENT: Final = "If it's urgent, call 911 or 988."
DISCLAIMER: Final = (
    "This is general information, not medical advice. Your care team knows your situation best."
)
NO_INFO: Final = (
    "Sorry, I don't have information about that, so I can't answer it. Your care team is the "
    f"best place to ask; they know your situation. {URGENT}"
)
OTHER_MEDICINE: Final = (
    "Sorry, I don't have information about that medicine, so I can't answer it. I can only "
    "share information about naltrexone; your care team or pharmacist can tell you about other "
    f"medicines. {URGENT}"
)
EXAMPLES: Final = "like “What are the side effects?” or “Can I drink alcohol on naltrexone?”"
SCREEN_REPLIES: Final[dict[Screen, str]] = {
    Screen.EMPTY: (
        f"I didn't catch a question there. You can ask me about naltrexone, {EXAMPLES} "
        f"For anything else, your care team is the best place to ask. {URGENT}"
    ),
    Screen.TOO_LONG: (
        "Thank you for telling me all that. I can only answer short questions about naltrexone, "
        "so I don't have an answer for a message this long. Could you ask one question in a "
        "sentence or two? Your care team is the best place for the whole story. "
        f"{URGENT}"
    ),
    Screen.SPANISH: (
        "Sorry, I can only answer questions in English for now, so I don't have an answer for "
        f"that. Please ask your care team. {URGENT}\n\n"
        "Lo siento, por ahora solo puedo responder preguntas en inglés. Por favor, pregúntale a "
        "tu equipo de atención. Si es urgente, llama al 911 o al 988."
    ),
    Screen.OTHER_LANGUAGE: (
        "Sorry, I can only answer questions in English for now, so I don't have an answer for "
        f"that. Please ask your care team. {URGENT}"
    ),
    Screen.ADVERTISING: NO_INFO,
    Screen.THANKS: (
        "You're welcome. I'm here if you have another question about naltrexone; for anything "
        f"else, your care team is the best place to ask. {URGENT}"
    ),
    Screen.SMALL_TALK: (
        f"I'm here to answer questions about naltrexone, {EXAMPLES} I don't have information "
        f"about other things; your care team is the best place to ask. {URGENT}"
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


_index: Index | None = None
_lock = threading.Lock()


def load(path: Path | None = None) -> Index:
    """Build the shared index from ``path`` (default: content/snippets.toml) and return it.

    Raises :class:`ContentError` on a malformed file: call it at start-up so a bad edit stops
    the bot instead of surfacing in a patient's chat.
    """
    global _index
    index = Index(load_content(path))
    with _lock:
        _index = index
    return index


def warm_up() -> Index:
    """The shared index, built now if it has not been yet."""
    index = _index
    if index is not None:
        return index
    with _lock:
        if _index is not None:
            return _index
    return load()


def _unknown(text: str, reason: str, retrieval: Retrieval | None = None) -> Decision:
    return Decision(Answer("unknown", text, []), reason, retrieval)


def _quote(snippet: Snippet) -> str:
    return f"{snippet.text}\nSource: {snippet.source}"


def _compose(quoted: list[tuple[Snippet, float]]) -> Answer:
    parts = [_quote(snippet) for snippet, _ in quoted]
    text = "\n\n".join([*parts, DISCLAIMER])
    hits = [Hit(s.id, s.title, s.source, round(score, 3)) for s, score in quoted]
    return Answer("answer", text, hits)


@dataclass(frozen=True, slots=True)
class _Settings:
    threshold: float
    min_evidence: float

    def confidence(self, scored: Scored, *, topic_only: bool = False) -> float:
        return confidence(
            scored.coverage, scored.bm25, topic_only=topic_only, min_evidence=self.min_evidence
        )


def _second(
    retrieval: Retrieval, first: Scored, index: Index, settings: _Settings
) -> tuple[Snippet, float] | None:
    """The snippet quoted after ``first``: its required companion, else a close runner-up."""
    if first.snippet.also is not None:
        companion = index.content.get(first.snippet.also)
        for scored in retrieval.ranked:
            if scored.snippet.id == companion.id:
                return companion, settings.confidence(scored)
        return companion, 0.0  # quoted by rule, not because it matched
    for scored in retrieval.ranked[1:2]:
        # No topic-only exemption here: "what is naltrexone" wants the overview, not a runner-up.
        score = settings.confidence(scored)
        if scored.bm25 >= SECOND_SNIPPET_RATIO * first.bm25 and score >= settings.threshold:
            return scored.snippet, score
    return None


def decide(
    text: str,
    index: Index | None = None,
    *,
    threshold: float = ANSWER_THRESHOLD,
    min_evidence: float = MIN_EVIDENCE,
) -> Decision:
    """The answer to ``text`` with the reason behind it (thresholds overridable to calibrate)."""
    index = index or warm_up()
    settings = _Settings(threshold, min_evidence)
    screened = screen(text)
    if screened is not None:
        return _unknown(SCREEN_REPLIES[screened], screened.value)
    retrieval = index.search(text)
    query = retrieval.query
    if query.advertising:
        return _unknown(SCREEN_REPLIES[Screen.ADVERTISING], Screen.ADVERTISING.value, retrieval)
    if query.medicines and (query.dosing or not retrieval.ranked):
        # Another medicine's dose is never ours to discuss, even if a snippet names it.
        return _unknown(OTHER_MEDICINE, "other-medicine", retrieval)
    first = retrieval.ranked[0] if retrieval.ranked else None
    score = 0.0 if first is None else settings.confidence(first, topic_only=query.topic_only)
    if first is None or score < settings.threshold:
        # Greetings and thanks ("hi", "help", "thanks!") get a friendlier "unknown", but only when
        # there is no answer: "i want to use so bad" is made of filler words and is about cravings.
        chatter = small_talk(text)
        if chatter is not None:
            return _unknown(SCREEN_REPLIES[chatter], chatter.value, retrieval)
        if first is None:
            return _unknown(NO_INFO, "no-match", retrieval)
        reply = OTHER_MEDICINE if query.medicines else NO_INFO
        return _unknown(reply, "below-threshold", retrieval)
    quoted = [(first.snippet, score)]
    second = _second(retrieval, first, index, settings)
    if second is not None:
        quoted.append(second)
    return Decision(_compose(quoted), "answer", retrieval)


def answer(text: str) -> Answer:
    """Reply to one free-text question (after crisis triage). Never raises on any input.

    A malformed content file raises :class:`ContentError` from the first call (or, better, from
    :func:`warm_up` at start-up): that is a deployment error, not something to hide from staff.
    """
    try:
        return decide(text).answer
    except ContentError:
        raise
    except Exception as exc:  # a bug must not cost the patient a reply
        log.error("qa: could not answer a question (%s)", type(exc).__name__)
        return Answer("unknown", NO_INFO, [])

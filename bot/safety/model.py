"""The learned layer of the safety net: a linear model over word and character n-grams.

It sits beside the rules (bot.domain.triage), never instead of them: a message is a crisis if
either says so. Its job is the messages the rules were never written for: other phrasings,
Spanish, typos, slang. Trained by ``python -m bot.safety.train`` on the corpus in
bot/safety/corpus/; the thresholds were chosen on the corpus's cross-fitted scores (each example
scored by a model fitted without it) and are stored in the model file with the figures behind them.

Long messages are read in overlapping windows as well as whole, so a crisis sentence in the
middle of a paragraph about one's day is not diluted by the rest.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.ml.features import features, tokens
from bot.ml.linear import LinearModel
from bot.safety.concepts import crisis_features

__all__ = ["CRISIS_LABELS", "MODEL_PATH", "ModelVerdict", "load", "predict", "warm_up"]

log = logging.getLogger(__name__)

MODEL_PATH: Final = Path(__file__).with_name("crisis_model.json.gz")
CRISIS_LABELS: Final = (
    "suicide_self_harm",
    "overdose_emergency",
    "poisoning",
    "medical_emergency",
    "use_in_progress",
)
# What a model file says it was trained on (``meta["feature_set"]``): the shared word and letter
# features alone (older files say nothing), or those and the groups of bot/safety/concepts.toml.
# "/2": a group under a negation is only its negated feature (2026-12-08; "/1" also gave the
# group itself, so "I'm not high" read as high). A file of another version is refused at load.
WORD_FEATURES: Final = "words/1"
CONCEPT_FEATURES: Final = "words+concepts/2"
# Windows: whole sentences up to about this many words, overlapping by one sentence.
WINDOW_WORDS: Final = 30
MAX_WINDOWS: Final = 40
_SENTENCE_RE: Final = re.compile(r"(?<=[.!?;\n])\s+|\s+(?:but|pero|and then|y luego)\s+")


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    crisis: float  # probability that the message (or one window of it) is a crisis
    check: float  # probability of an ambiguous risk signal (crisis included: it is more)
    kind: str | None  # the most likely crisis label when ``crisis`` passes its threshold
    tier: str | None  # "crisis", "check" or None, by the model's own thresholds
    # How sure the model must be to back a rule that matched only a bare word (bot.safety.net).
    weak_threshold: float = 0.0
    # Under this check score the model vetoes any rule: the message gets the check instead.
    veto_threshold: float = 0.0


_model: LinearModel | None = None
_lock = threading.Lock()


def load(path: Path = MODEL_PATH) -> LinearModel:
    global _model
    model = LinearModel.load(path)
    missing = {"none", "check", *CRISIS_LABELS} - set(model.labels)
    if missing or "thresholds" not in model.meta:
        raise ValueError(f"{path}: not a crisis model (missing {sorted(missing)} or thresholds)")
    if model.meta.get("feature_set", WORD_FEATURES) not in (WORD_FEATURES, CONCEPT_FEATURES):
        raise ValueError(f"{path}: features {model.meta['feature_set']!r}: retrain the model")
    with _lock:
        _model = model
    return model


def warm_up() -> LinearModel:
    model = _model
    if model is not None:
        return model
    with _lock:
        if _model is not None:
            return _model
    return load()


def _windows(text: str) -> list[str]:
    if len(tokens(text)) <= WINDOW_WORDS:
        return [text]
    sentences = [s for s in _SENTENCE_RE.split(text) if s and s.strip()]
    windows: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        words = len(tokens(sentence))
        if current and size + words > WINDOW_WORDS:
            windows.append(" ".join(current))
            current, size = current[-1:], len(tokens(current[-1]))
        current.append(sentence)
        size += words
    if current:
        windows.append(" ".join(current))
    # A sentence with no punctuation at all (voice to text) is cut into word windows instead.
    out: list[str] = []
    for window in windows:
        words_in = window.split()
        if len(words_in) <= 2 * WINDOW_WORDS:
            out.append(window)
            continue
        step = WINDOW_WORDS * 3 // 4
        out.extend(" ".join(words_in[i : i + WINDOW_WORDS]) for i in range(0, len(words_in), step))
    return out[:MAX_WINDOWS]


def predict(text: str, model: LinearModel | None = None) -> ModelVerdict:
    model = model or warm_up()
    thresholds = model.meta["thresholds"]
    featurize = crisis_features if model.meta.get("feature_set") == CONCEPT_FEATURES else features
    best_crisis, best_check, best_kind = 0.0, 0.0, None
    for window in _windows(text):
        proba = model.proba_features(featurize(window))
        crisis = sum(proba[label] for label in CRISIS_LABELS)
        check = crisis + proba["check"]
        if crisis > best_crisis:
            best_crisis = crisis
            best_kind = max(CRISIS_LABELS, key=proba.__getitem__)
        best_check = max(best_check, check)
    tier = None
    if best_crisis >= thresholds["crisis"]:
        tier = "crisis"
    elif best_check >= thresholds["check"]:
        tier = "check"
    kind = best_kind if tier == "crisis" else None
    weak = float(thresholds.get("weak", 0.0))
    veto = float(thresholds.get("veto", 0.0))
    return ModelVerdict(best_crisis, best_check, kind, tier, weak, veto)

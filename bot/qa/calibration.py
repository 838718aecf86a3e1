"""When to answer: one confidence per candidate snippet, and the threshold it must reach.

The confidence is the probability that the candidate is the right answer, from a small logistic
regression over what retrieval measured (bot/qa/retrieval.py):

* ``proba``: the answer model's probability for the snippet, ``proba_share`` (it divided by the
  model's best), ``proba_margin`` (its lead over the best other snippet) and ``model_top`` (1 if
  it is the model's first choice);
* ``none``: the model's probability that no snippet answers the question (its out-of-scope
  class), which is how a question about something else is recognised without letting one
  unfamiliar word count against an answer;
* ``example``: the closest example question of the snippet (question-to-question matching);
* ``coverage``: the share of the question's words the snippet accounts for; ``evidence``: how
  central those words are to the snippet's own text (saturating), which keeps a vague one-word
  message ("feel") from being answered by a snippet that merely mentions it; ``topic_only``: the
  question is only "naltrexone?", which the overview answers; ``spanish``: the question is in
  Spanish. Spanish words are rewritten to the content's English ones (bot/qa/lexicon.py), so
  coverage and evidence mean for a Spanish question what they mean for an English one (an
  unknown Spanish word counts against an answer as an unknown English one does).

Its weights are fitted by ``python -m bot.qa.train`` on cross-validated example questions and
out-of-scope questions, never on an evaluation set; the threshold (and how much unknown words and
context sentences weigh in coverage) is then chosen on the development sets
(tests/data/qa_eval.toml and qa_eval_es.toml) only, maximising +1 per right answer, -1 per wrong
snippet, -2 per answer to a must-be-unknown question. All of it is stored in the model's
metadata (readable copy: bot/qa/answer_model.meta.json). The defaults below apply only when no
model file is present: a hand-set rule on coverage and the example match.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

from bot.qa.retrieval import Retrieval, Scored, Tuning

__all__ = [
    "ANSWER_THRESHOLD",
    "FEATURES",
    "NONE",
    "SECOND_SNIPPET_RATIO",
    "Calibration",
    "Signals",
    "confidence",
    "feature_vector",
]

# The answer model's label for "no snippet answers this" (never a snippet id: no underscore).
NONE: Final = "_none"
FEATURES: Final = (
    "proba",
    "proba_share",
    "proba_margin",
    "model_top",
    "none",
    "example",
    "coverage",
    "evidence",
    "topic_only",
    "spanish",
)
# The curated BM25 at which ``evidence`` saturates (half of it at EVIDENCE_SCALE).
EVIDENCE_SCALE: Final = 3.0
ANSWER_THRESHOLD: Final = 0.5
# A runner-up is quoted only if it is nearly as confident as the first and about the same topic.
SECOND_SNIPPET_RATIO: Final = 0.85
# Without a model: coverage and the example match, both needed.
_DEFAULT_WEIGHTS: Final = (0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 4.0, 4.0, 2.0, 0.0)
_DEFAULT_BIAS: Final = -7.0


@dataclass(frozen=True, slots=True)
class Calibration:
    threshold: float = ANSWER_THRESHOLD
    weights: tuple[float, ...] = _DEFAULT_WEIGHTS  # one per FEATURES entry
    bias: float = _DEFAULT_BIAS
    second_ratio: float = SECOND_SNIPPET_RATIO
    # Two snippets are about the same topic when they rest on a shared fact, or when the model
    # gives each at least this probability (the question is split between exactly those two).
    both_proba: float = 0.25
    tuning: Tuning = field(default_factory=Tuning)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["weights"] = dict(zip(FEATURES, self.weights, strict=True))
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Calibration:
        """From a model's metadata; missing keys take the defaults."""
        if not data:
            return cls()
        values: dict[str, Any] = {
            k: float(data[k])
            for k in ("threshold", "bias", "second_ratio", "both_proba")
            if k in data
        }
        weights = data.get("weights")
        if isinstance(weights, Mapping):
            values["weights"] = tuple(float(weights.get(name, 0.0)) for name in FEATURES)
        tuning = data.get("tuning")
        if isinstance(tuning, Mapping):
            known = {f.name for f in fields(Tuning)}
            values["tuning"] = Tuning(**{k: float(v) for k, v in tuning.items() if k in known})
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Signals:
    """What one retrieval says about the question as a whole (shared by its candidates)."""

    best: float  # the model's highest probability for a snippet
    second: float  # and its second highest
    top: str | None  # the model's first choice among snippets
    none: float  # the model's probability for "no snippet answers this"
    topic_only: bool
    spanish: bool = False

    @classmethod
    def of(cls, retrieval: Retrieval) -> Signals:
        proba = retrieval.proba
        snippets = sorted(((p, label) for label, p in proba.items() if label != NONE), reverse=True)
        best, top = snippets[0] if snippets else (0.0, None)
        second = snippets[1][0] if len(snippets) > 1 else 0.0
        query = retrieval.query
        return cls(best, second, top, proba.get(NONE, 0.0), query.topic_only, query.spanish)


def feature_vector(scored: Scored, signals: Signals) -> tuple[float, ...]:
    """The FEATURES of one candidate, in order."""
    if scored.proba is None:
        # A snippet the model does not know (a clinic's own): its example match stands in.
        proba, share, margin, top = scored.example, scored.example, 0.0, 0.0
    else:
        proba = scored.proba
        share = proba / signals.best if signals.best > 0 else 0.0
        top = 1.0 if scored.snippet.id == signals.top else 0.0
        # How far ahead of the best other snippet (negative when another is ahead).
        margin = proba - (signals.second if top else signals.best)
    evidence = scored.evidence / (scored.evidence + EVIDENCE_SCALE)
    coverage = scored.coverage
    return (
        proba,
        share,
        margin,
        top,
        signals.none,
        scored.example,
        coverage,
        evidence,
        1.0 if signals.topic_only else 0.0,
        1.0 if signals.spanish else 0.0,
    )


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def combine(vector: Sequence[float], calibration: Calibration) -> float:
    total = calibration.bias
    for weight, value in zip(calibration.weights, vector, strict=True):
        total += weight * value
    return _sigmoid(total)


def confidence(scored: Scored, signals: Signals, calibration: Calibration) -> float:
    """The calibrated score in [0, 1] compared with ``calibration.threshold``."""
    return combine(feature_vector(scored, signals), calibration)

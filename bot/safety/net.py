"""The safety net: what every free-text message is checked for before anything else reads it.

Three tiers. *Crisis*: an answer with crisis lines at once and an urgent alert. *Check*: an
ambiguous risk signal, answered with "Are you safe right now?" and one-tap answers (silence alerts
the care team). Otherwise nothing, and the message goes on to whatever else reads it.

Two layers, recall first: the rules (bot.domain.triage: exact phrases, negation, idioms; they
explain themselves by rule id) and a learned model (bot.safety.model: the phrasings nobody wrote a
rule for). Either one is enough for a crisis; the check tier has rules of its own
(bot.safety.check_rules) and the model's own threshold. Nothing here raises: the rules fail closed
and a model that cannot be used leaves the rules in charge (and says so in the log once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.triage import CrisisKind, triage
from bot.ml.features import tokens
from bot.safety import model
from bot.safety.check_rules import check_rule
from bot.safety.frames import craving, framed
from bot.safety.language import Lang, detect

__all__ = ["WEAK_RULES", "Assessment", "Tier", "assess"]

SHORT_MESSAGE_WORDS = 3

# Rules that match a bare mention rather than a statement about now (see the module docstring).
WEAK_RULES = frozenset(
    {"od.overdose_mention", "od.es_overdose_mention", "od.emergency_number", "ssh.suicide"}
)

log = logging.getLogger(__name__)


class Tier(StrEnum):
    CRISIS = "crisis"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class Assessment:
    tier: Tier | None
    kind: CrisisKind | None  # set for a crisis
    lang: Lang
    rule: str | None  # a rule id, or "model"; never any of the patient's words
    model_crisis: float  # the model's crisis probability (for metrics; 0 if it did not run)

    @property
    def is_crisis(self) -> bool:
        return self.tier is Tier.CRISIS

    @property
    def is_check(self) -> bool:
        return self.tier is Tier.CHECK


_model_failed = False


def _predict(text: str) -> model.ModelVerdict | None:
    global _model_failed
    try:
        return model.predict(text)
    except Exception as exc:  # the rules still run; a broken model must not silence them
        if not _model_failed:
            log.error("safety model unavailable, rules only (%s)", type(exc).__name__)
            _model_failed = True
        return None


def weak_match(rule: str | None, text: str) -> bool:
    """Whether a rule match needs the model's agreement to be a crisis (see the docstring)."""
    # A bare "OVERDOSE" or "911" on its own is a cry for help, not a mention of one.
    if len(tokens(text)) <= SHORT_MESSAGE_WORDS:
        return False
    return rule in WEAK_RULES or framed(text)


def assess(text: str) -> Assessment:
    """Classify one message. Pure apart from reading the model file once; never raises."""
    lang = detect(text)
    rules = triage(text)
    # A few words ("no", "stop", "later") or the same one over and over give an n-gram model
    # nothing to read: such messages are the rules' alone.
    words = tokens(text)
    readable = len(words) > SHORT_MESSAGE_WORDS and len(set(words)) > SHORT_MESSAGE_WORDS
    verdict = _predict(text) if readable else None
    score = verdict.crisis if verdict is not None else 0.0
    if rules.kind is not None:
        if verdict is not None:
            if weak_match(rules.matched_rule, text):
                vetoed = verdict.crisis < verdict.weak_threshold
            else:
                vetoed = verdict.check < verdict.veto_threshold
            if vetoed:
                return Assessment(Tier.CHECK, None, lang, rules.matched_rule, score)
        return Assessment(Tier.CRISIS, rules.kind, lang, rules.matched_rule, score)
    if verdict is not None and verdict.tier == Tier.CRISIS and verdict.kind is not None:
        if rules.cancelled or craving(text):
            # The rules saw the phrase and read it as negated or idiomatic ("I'm not going to
            # kill myself"), which word n-grams cannot, or the message is about a craving, which
            # alone is not a crisis: the model alone makes it a check.
            return Assessment(Tier.CHECK, None, lang, "model", score)
        return Assessment(Tier.CRISIS, CrisisKind(verdict.kind), lang, "model", score)
    check = check_rule(text)
    if check is not None:
        return Assessment(Tier.CHECK, None, lang, check, score)
    if verdict is not None and verdict.tier == Tier.CHECK:
        return Assessment(Tier.CHECK, None, lang, "model", score)
    return Assessment(None, None, lang, None, score)

"""Scoring an answerer against an evaluation set file.

Two files share one format: the development set (tests/data/qa_eval.toml), which thresholds are
calibrated on and whose misses may be read one by one, and the held-out set
(tests/data/sealed/qa_heldout.toml), written by someone else and never tuned on. Shared by the
tests that enforce the floors (tests/unit/test_qa_eval.py), the benchmark (bench/bench_answers.py)
and the calibration (bot/qa/train.py), so all count exactly the same way.

Format: ``[[answerable]]`` with ``q`` and ``expect`` (a snippet id or a list of equally right
ids), ``[[unknown]]`` with ``q`` (and ``category``, if any), optionally ``[[crisis]]`` (``q``,
``kind``) and ``[[not_crisis]]`` (``q``). Any question may carry ``clinic`` (the patient's clinic
code), ``split`` (a free label; "dev" when absent) and ``lang``, the language it is written in
("en" or "es"; a top-level ``lang = "es"`` sets it for the whole file, default "en"), so the
figures can be reported per language (:meth:`EvalSet.language`, :func:`score_by_language`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Answerer",
    "EvalSet",
    "QaScore",
    "Question",
    "TriageScore",
    "Unanswerable",
    "load_eval_set",
    "score_by_language",
    "score_qa",
    "score_triage",
]

# What an answerer under evaluation returns for a question (its text and the patient's clinic
# code, or None): the snippet ids its top answer counts as (usually one; a baseline paragraph may
# stand for several), or None for "unknown".
Answerer = Callable[[str, str | None], frozenset[str] | None]
DEFAULT_SPLIT = "dev"
DEFAULT_LANG = "en"


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    expect: frozenset[str]
    split: str = DEFAULT_SPLIT
    clinic: str | None = None
    lang: str = DEFAULT_LANG


@dataclass(frozen=True, slots=True)
class Unanswerable:
    text: str
    category: str
    split: str = DEFAULT_SPLIT
    clinic: str | None = None
    lang: str = DEFAULT_LANG


@dataclass(frozen=True, slots=True)
class EvalSet:
    answerable: tuple[Question, ...]
    unknown: tuple[Unanswerable, ...]
    crisis: tuple[tuple[str, str], ...]  # (message, expected kind)
    not_crisis: tuple[str, ...]

    def split(self, name: str | None) -> EvalSet:
        """Only the questions labelled with one split; None keeps all."""
        if name is None:
            return self
        return EvalSet(
            tuple(q for q in self.answerable if q.split == name),
            tuple(q for q in self.unknown if q.split == name),
            self.crisis,
            self.not_crisis,
        )

    def language(self, lang: str | None) -> EvalSet:
        """Only the questions written in ``lang``; None keeps all."""
        if lang is None:
            return self
        return EvalSet(
            tuple(q for q in self.answerable if q.lang == lang),
            tuple(q for q in self.unknown if q.lang == lang),
            self.crisis,
            self.not_crisis,
        )

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of its questions, English first."""
        found = {q.lang for q in self.answerable} | {q.lang for q in self.unknown}
        return tuple(sorted(found, key=lambda lang: (lang != DEFAULT_LANG, lang)))

    def __add__(self, other: EvalSet) -> EvalSet:
        return EvalSet(
            self.answerable + other.answerable,
            self.unknown + other.unknown,
            self.crisis + other.crisis,
            self.not_crisis + other.not_crisis,
        )


def load_eval_set(path: Path) -> EvalSet:
    """Read a set file (see the module docstring for the format)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    default_lang = data.get("lang", DEFAULT_LANG)
    answerable = []
    for item in data.get("answerable", []):
        expect = item["expect"]
        ids = frozenset([expect] if isinstance(expect, str) else expect)
        split = item.get("split", DEFAULT_SPLIT)
        lang = item.get("lang", default_lang)
        answerable.append(Question(item["q"], ids, split, item.get("clinic"), lang))
    unknown = [
        Unanswerable(
            i["q"],
            i.get("category", "uncategorised"),
            i.get("split", DEFAULT_SPLIT),
            i.get("clinic"),
            i.get("lang", default_lang),
        )
        for i in data.get("unknown", [])
    ]
    crisis = [(i["q"], i["kind"]) for i in data.get("crisis", [])]
    not_crisis = [i["q"] for i in data.get("not_crisis", [])]
    return EvalSet(tuple(answerable), tuple(unknown), tuple(crisis), tuple(not_crisis))


@dataclass(frozen=True, slots=True)
class QaScore:
    answerable: int
    correct: int  # answered, and the top snippet is an expected one
    wrong: int  # answered with a snippet that is not expected
    unknown: int
    abstained: int  # "unknown" questions that got "unknown"
    failures: tuple[str, ...] = field(default=())

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy on answerable questions (abstaining counts as a miss)."""
        return self.correct / self.answerable if self.answerable else 0.0

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.answerable if self.answerable else 0.0

    @property
    def abstention(self) -> float:
        """Share of must-be-unknown questions that got "unknown"."""
        return self.abstained / self.unknown if self.unknown else 0.0

    @property
    def false_answer_rate(self) -> float:
        return 1.0 - self.abstention if self.unknown else 0.0


def score_qa(answerer: Answerer, eval_set: EvalSet) -> QaScore:
    correct = wrong = abstained = 0
    failures: list[str] = []
    for question in eval_set.answerable:
        got = answerer(question.text, question.clinic)
        if got is None:
            failures.append(f"unknown, expected {sorted(question.expect)}: {question.text!r}")
        elif got & question.expect:
            correct += 1
        else:
            wrong += 1
            failures.append(
                f"got {sorted(got)}, expected {sorted(question.expect)}: {question.text!r}"
            )
    for item in eval_set.unknown:
        got = answerer(item.text, item.clinic)
        if got is None:
            abstained += 1
        else:
            failures.append(
                f"answered {sorted(got)}, expected unknown ({item.category}): {item.text!r}"
            )
    return QaScore(
        len(eval_set.answerable), correct, wrong, len(eval_set.unknown), abstained,
        tuple(failures),
    )  # fmt: skip


def score_by_language(answerer: Answerer, eval_set: EvalSet) -> dict[str, QaScore]:
    """:func:`score_qa` for each language of the set's questions, English first."""
    return {lang: score_qa(answerer, eval_set.language(lang)) for lang in eval_set.languages}


@dataclass(frozen=True, slots=True)
class TriageScore:
    crisis: int
    caught: int
    right_kind: int
    not_crisis: int
    false_alarms: int
    missed: tuple[str, ...]
    alarmed: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.caught / self.crisis if self.crisis else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_alarms / self.not_crisis if self.not_crisis else 0.0


def score_triage(classify: Callable[[str], str | None], eval_set: EvalSet) -> TriageScore:
    """``classify`` returns the crisis kind of a message, or None when it is not a crisis."""
    missed: list[str] = []
    right_kind = 0
    for message, kind in eval_set.crisis:
        got = classify(message)
        if got is None:
            missed.append(message)
        elif got == kind:
            right_kind += 1
    alarmed = [m for m in eval_set.not_crisis if classify(m) is not None]
    caught = len(eval_set.crisis) - len(missed)
    return TriageScore(
        len(eval_set.crisis), caught, right_kind, len(eval_set.not_crisis), len(alarmed),
        tuple(missed), tuple(alarmed),
    )  # fmt: skip


def top_ids(ids: Iterable[str]) -> frozenset[str] | None:
    """Helper for answerers: the first id as a set, or None when there is none."""
    for first in ids:
        return frozenset([first])
    return None

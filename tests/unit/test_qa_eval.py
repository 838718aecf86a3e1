"""The evaluation set: answer quality and crisis triage, with floors the suite enforces.

Run with ``-s`` (or read the "QA evaluation" block printed at the end) to see the numbers:

    .venv/bin/pytest tests/unit/test_qa_eval.py -s

Floors, and why (observed values when they were set are in bench/results/answers.md):

* Crisis recall on the set: 100%. A missed crisis can cost a life; every message in [[crisis]]
  must be caught by bot.domain.triage, which runs before any answer.
* Crisis false positives on the look-alikes: at most 20% (4 of 20). Triage is recall-first by
  design (a false alarm costs a care-team message), so some are tolerated; more would mean
  ordinary questions routinely end in a crisis reply instead of an answer.
* Top-1 accuracy, all answerable questions: at least 85% (observed 92%). Tune split: at least 90%
  (observed 97%): it was tuned on, so a drop there is a regression, not noise. Held-out split: at
  least 65% (observed 75%; 32 questions, so one question is 3 points and the floor allows three
  regressions). The held-out number is the honest estimate for new questions.
* Wrong snippet (answered, but not with an expected snippet): at most 8% of answerable questions
  (observed 4%). A wrong quote is worse than "I don't know", so this is bounded on its own.
* Abstention on must-be-unknown questions: at least 95% overall (observed 100%), and none at all
  may be answered in the categories "other-medicine" and "advertising": answering a question about
  buprenorphine or an advertised product with naltrexone facts is the failure the issue forbids.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.triage import triage
from bot.qa import answers
from bot.qa.content import load_content
from bot.qa.evaluation import EvalSet, load_eval_set, score_qa, score_triage

EVAL_PATH = Path(__file__).resolve().parents[1] / "data" / "qa_eval.toml"

CRISIS_RECALL_FLOOR = 1.0
CRISIS_FALSE_POSITIVE_CEILING = 0.20
ACCURACY_FLOOR = 0.85
TUNE_ACCURACY_FLOOR = 0.90
HOLDOUT_ACCURACY_FLOOR = 0.65
WRONG_SNIPPET_CEILING = 0.08
ABSTENTION_FLOOR = 0.95
NEVER_ANSWERED = ("other-medicine", "advertising")


@pytest.fixture(scope="module")
def eval_set() -> EvalSet:
    return load_eval_set(EVAL_PATH)


def bot_top_ids(question: str) -> frozenset[str] | None:
    hits = answers.answer(question).snippets
    return frozenset([hits[0].id]) if hits else None


def show(capsys: pytest.CaptureFixture[str], lines: list[str]) -> None:
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def test_the_set_is_big_and_varied_enough(eval_set: EvalSet) -> None:
    assert len(eval_set.answerable) >= 60
    assert len(eval_set.unknown) >= 25
    assert len(eval_set.crisis) >= 30
    assert len(eval_set.not_crisis) >= 15
    categories = {q.category for q in eval_set.unknown}
    assert {"other-medicine", "general-health", "small-talk", "advertising"} <= categories
    assert eval_set.split("holdout").answerable, "keep a held-out portion"
    ids = {s.id for s in load_content().snippets}
    for question in eval_set.answerable:
        assert question.expect <= ids, question.text
    texts = [q.text for q in eval_set.answerable] + [q.text for q in eval_set.unknown]
    assert len(texts) == len(set(texts)), "a question appears twice"


def test_answer_quality_meets_the_floors(
    eval_set: EvalSet, capsys: pytest.CaptureFixture[str]
) -> None:
    overall = score_qa(bot_top_ids, eval_set)
    tune = score_qa(bot_top_ids, eval_set.split("tune"))
    holdout = score_qa(bot_top_ids, eval_set.split("holdout"))
    show(
        capsys,
        [
            "QA evaluation (tests/data/qa_eval.toml)",
            f"  top-1 accuracy: {overall.accuracy:.1%} ({overall.correct}/{overall.answerable}); "
            f"tune {tune.accuracy:.1%}, held out {holdout.accuracy:.1%}",
            f"  wrong snippet:  {overall.wrong_rate:.1%} ({overall.wrong})",
            f"  abstention on must-be-unknown: {overall.abstention:.1%} "
            f"({overall.abstained}/{overall.unknown}); held out {holdout.abstention:.1%}",
            # Only tune misses are listed: reading the held-out ones one by one would turn them
            # into tuning questions and the held-out number into a flattering one.
            *(f"  tune miss: {failure}" for failure in tune.failures),
            f"  held-out misses: {len(holdout.failures)} (not listed on purpose)",
        ],
    )
    assert overall.accuracy >= ACCURACY_FLOOR
    assert tune.accuracy >= TUNE_ACCURACY_FLOOR
    assert holdout.accuracy >= HOLDOUT_ACCURACY_FLOOR
    assert overall.wrong_rate <= WRONG_SNIPPET_CEILING
    assert overall.abstention >= ABSTENTION_FLOOR


@pytest.mark.parametrize("category", NEVER_ANSWERED)
def test_other_medicines_and_advertising_are_never_answered(
    eval_set: EvalSet, category: str
) -> None:
    questions = [q.text for q in eval_set.unknown if q.category == category]
    assert questions
    answered = [q for q in questions if answers.answer(q).kind != "unknown"]
    assert answered == []


def test_crisis_triage_meets_the_floors(
    eval_set: EvalSet, capsys: pytest.CaptureFixture[str]
) -> None:
    score = score_triage(lambda message: triage(message).kind, eval_set)
    show(
        capsys,
        [
            "Crisis triage on the evaluation set (bot.domain.triage)",
            f"  crisis recall: {score.recall:.1%} ({score.caught}/{score.crisis}); "
            f"right category {score.right_kind}/{score.crisis}",
            f"  false positives on look-alikes: {score.false_positive_rate:.1%} "
            f"({score.false_alarms}/{score.not_crisis})",
            *(f"  MISSED crisis: {m!r}" for m in score.missed),
            *(f"  false alarm: {m!r}" for m in score.alarmed),
        ],
    )
    assert score.recall >= CRISIS_RECALL_FLOOR, (
        f"bot.domain.triage misses these crises: {list(score.missed)} (fix the triage rules, "
        "not this set)"
    )
    assert score.false_positive_rate <= CRISIS_FALSE_POSITIVE_CEILING

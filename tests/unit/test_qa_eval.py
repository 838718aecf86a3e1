"""The evaluation sets: answer quality and crisis triage, with floors the suite enforces.

Run with ``-s`` (or read the "QA evaluation" block printed at the end) to see the numbers:

    .venv/bin/pytest tests/unit/test_qa_eval.py -s

Two sets share one format (bot/qa/evaluation.py):

* the DEVELOPMENT set, tests/data/qa_eval.toml: the thresholds are calibrated on it
  (``python -m bot.qa.train``) and its misses are listed here, to read one by one;
* the HELD-OUT sets, tests/data/sealed/qa_heldout.toml and qa_heldout_b.toml, each written by
  someone else from the snippets' titles and texts alone and never tuned on: only their totals
  are printed, and the assertions compare plain numbers, so a failure never shows a question
  (listing their misses would turn them into tuning questions).

Floors, and why (the observed figures are in bench/results/answers.md):

* Top-1 accuracy on answerable questions: at least 90% on development; the target held out is
  85%. A question answered with the wrong snippet, or not answered, counts as a miss.
* Abstention on must-be-unknown questions: the target is 95% on every set; on development it is
  enforced, and none at all may be answered in the categories "other-medicine" and
  "advertising": answering a question about another medicine or an advertised product with
  naltrexone facts is the failure the issue forbids.
* Held out, the targets are not reached yet (bench/results/answers.md): the floors there are what
  this version reaches, so nothing slips back, and each names its target.
* Crisis recall on the development set: 100%. A missed crisis can cost a life; every message in
  [[crisis]] must be caught by bot.domain.triage, which runs before any answer. Look-alikes:
  at most 20% false alarms (triage is recall-first by design).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain.triage import triage
from bot.qa import answers
from bot.qa.content import load_content
from bot.qa.evaluation import EvalSet, load_eval_set, score_qa, score_triage

DATA = Path(__file__).resolve().parents[1] / "data"
DEV_PATH = DATA / "qa_eval.toml"
HELDOUT_PATHS = (DATA / "sealed" / "qa_heldout.toml", DATA / "sealed" / "qa_heldout_b.toml")

CRISIS_RECALL_FLOOR = 1.0
CRISIS_FALSE_POSITIVE_CEILING = 0.20
DEV_ACCURACY_FLOOR = 0.90
HELDOUT_ACCURACY_TARGET = 0.85
ABSTENTION_FLOOR = 0.95
# Reached by this version: top-1 0.830 and 0.802, abstention 0.835 and 0.827 (sets A and B).
HELDOUT_ACCURACY_FLOOR = 0.79
HELDOUT_ABSTENTION_FLOOR = 0.81
NEVER_ANSWERED = ("other-medicine", "advertising")


@pytest.fixture(scope="module")
def dev() -> EvalSet:
    return load_eval_set(DEV_PATH)


def bot_top_ids(question: str, clinic: str | None) -> frozenset[str] | None:
    hits = answers.answer(question, clinic=clinic).snippets
    return frozenset([hits[0].id]) if hits else None


def show(capsys: pytest.CaptureFixture[str], lines: list[str]) -> None:
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def test_the_development_set_is_big_and_varied_enough(dev: EvalSet) -> None:
    content = load_content()
    assert len(dev.answerable) >= 250
    assert len(dev.unknown) >= 80
    assert len(dev.crisis) >= 30
    assert len(dev.not_crisis) >= 15
    categories = {q.category for q in dev.unknown}
    assert {"other-medicine", "general-health", "small-talk", "advertising"} <= categories
    ids = {s.id for s in content.snippets}
    for question in dev.answerable:
        assert question.expect <= ids, question.text
    # Every shared snippet is asked about at least once.
    asked = set().union(*(q.expect for q in dev.answerable))
    assert ids <= asked, sorted(ids - asked)
    texts = [q.text for q in dev.answerable] + [q.text for q in dev.unknown]
    assert len(texts) == len(set(texts)), "a question appears twice"


def test_no_example_question_copies_a_development_question(dev: EvalSet) -> None:
    # The examples teach retrieval: one equal to a development question would make the
    # development figures flatter than the truth.
    examples = {
        _fold(e): s.id for s in load_content().snippets for e in (*s.examples, *s.examples_es)
    }
    copied = [q.text for q in (*dev.answerable, *dev.unknown) if _fold(q.text) in examples]
    assert copied == []


def test_answer_quality_on_the_development_set_meets_the_floors(
    dev: EvalSet, capsys: pytest.CaptureFixture[str]
) -> None:
    score = score_qa(bot_top_ids, dev)
    show(
        capsys,
        [
            f"QA evaluation, development set ({DEV_PATH.name})",
            f"  top-1 accuracy: {score.accuracy:.1%} ({score.correct}/{score.answerable}); "
            f"wrong snippet {score.wrong_rate:.1%} ({score.wrong})",
            f"  abstention on must-be-unknown: {score.abstention:.1%} "
            f"({score.abstained}/{score.unknown})",
            *(f"  miss: {failure}" for failure in score.failures),
        ],
    )
    assert score.accuracy >= DEV_ACCURACY_FLOOR
    assert score.abstention >= ABSTENTION_FLOOR


@pytest.mark.parametrize("path", HELDOUT_PATHS, ids=lambda p: p.stem)
def test_answer_quality_on_the_held_out_sets_holds(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    if not path.is_file():
        pytest.skip(f"no held-out set {path.name}")
    score = score_qa(bot_top_ids, load_eval_set(path))
    # Plain numbers only: an assertion on ``score`` would print its failures, the questions.
    accuracy, abstention = score.accuracy, score.abstention
    show(
        capsys,
        [
            f"QA evaluation, held-out set {path.name} (totals only, on purpose)",
            f"  top-1 accuracy: {accuracy:.1%} ({score.correct}/{score.answerable}); "
            f"abstention {abstention:.1%} ({score.abstained}/{score.unknown})",
        ],
    )
    assert HELDOUT_ACCURACY_FLOOR < HELDOUT_ACCURACY_TARGET
    assert accuracy >= HELDOUT_ACCURACY_FLOOR, f"top-1 {accuracy:.3f}"
    assert abstention >= HELDOUT_ABSTENTION_FLOOR, f"abstention {abstention:.3f}"


@pytest.mark.parametrize("category", NEVER_ANSWERED)
def test_other_medicines_and_advertising_are_never_answered(dev: EvalSet, category: str) -> None:
    questions = [q.text for q in dev.unknown if q.category == category]
    assert questions
    answered = [q for q in questions if answers.answer(q).kind != "unknown"]
    assert answered == []


def test_crisis_triage_meets_the_floors(dev: EvalSet, capsys: pytest.CaptureFixture[str]) -> None:
    score = score_triage(lambda message: triage(message).kind, dev)
    show(
        capsys,
        [
            "Crisis triage on the development set (bot.domain.triage)",
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

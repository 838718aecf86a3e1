"""The evaluation sets: answer quality and crisis triage, with floors the suite enforces.

Run with ``-s`` (or read the "QA evaluation" block printed at the end) to see the numbers:

    .venv/bin/pytest tests/unit/test_qa_eval.py -s

Two sets share one format (bot/qa/evaluation.py):

* the DEVELOPMENT sets, tests/data/qa_eval.toml (English, with a few Spanish questions marked
  ``lang = "es"``) and tests/data/qa_eval_es.toml (Spanish): the thresholds are calibrated on them
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
* Held out (bench/results/answers.md), top-1 reaches its target since 2026-12-07, abstention not
  yet: the floors there are what this version reaches, so nothing slips back.
* Spanish (issue 15): the same floors per language. The figures are reported per language
  (bot.qa.evaluation.score_by_language), so the Spanish questions cannot hide behind the English
  ones; Spanish questions are scored with the patient's language "es" (the reply quotes the
  Spanish snippets; the snippet chosen is the same whatever the reply language). A Spanish
  held-out set (tests/data/sealed/qa_heldout_es*.toml, written by someone else and never tuned
  on) reaches the issue's 85% top-1 since 2026-12-07 (86.2%), not yet its 95% abstention (88.1%):
  both are held to what this version reaches, so nothing slips back (bench/results/answers_es.md).
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
DEV_ES_PATH = DATA / "qa_eval_es.toml"
HELDOUT_PATHS = (DATA / "sealed" / "qa_heldout.toml", DATA / "sealed" / "qa_heldout_b.toml")
# The Spanish held-out set's name is its author's choice; only its totals are ever printed.
HELDOUT_ES_GLOB = "qa_heldout_es*.toml"
SPANISH_HELDOUT_ACCURACY_TARGET = 0.85
# Reached by this version: top-1 0.862, abstention 0.881 (0.700 and 0.898 before the examples and
# vocabulary of 2026-12-07; 0.468 and 0.881 before Spanish). The top-1 floor is the target.
SPANISH_HELDOUT_ACCURACY_FLOOR = 0.85
SPANISH_HELDOUT_ABSTENTION_FLOOR = 0.87
# Spanish development abstention: the English floor, 95%, which the calibration keeps too
# (bot/qa/train.py); reached 95.2% (bench/results/answers_es.md).
SPANISH_DEV_ABSTENTION_FLOOR = 0.95

CRISIS_RECALL_FLOOR = 1.0
CRISIS_FALSE_POSITIVE_CEILING = 0.20
DEV_ACCURACY_FLOOR = 0.90
HELDOUT_ACCURACY_TARGET = 0.85
ABSTENTION_FLOOR = 0.95
# Reached by this version: top-1 0.915 and 0.912 (the target is met), abstention 0.898 and 0.875
# (sets A and B; 0.861/0.834 and 0.869/0.863 before 2026-12-07's examples).
HELDOUT_ACCURACY_FLOOR = 0.90
HELDOUT_ABSTENTION_FLOOR = 0.86
NEVER_ANSWERED = ("other-medicine", "advertising")


@pytest.fixture(scope="module")
def dev() -> EvalSet:
    return load_eval_set(DEV_PATH)


@pytest.fixture(scope="module")
def dev_es() -> EvalSet:
    return load_eval_set(DEV_ES_PATH)


def bot_top_ids(question: str, clinic: str | None) -> frozenset[str] | None:
    hits = answers.answer(question, clinic=clinic).snippets
    return frozenset([hits[0].id]) if hits else None


def spanish_patient_top_ids(question: str, clinic: str | None) -> frozenset[str] | None:
    hits = answers.answer(question, clinic=clinic, lang="es").snippets
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


def test_the_spanish_development_set_is_big_and_varied_enough(
    dev: EvalSet, dev_es: EvalSet
) -> None:
    spanish = dev.language("es") + dev_es
    assert {q.lang for q in dev_es.answerable} == {"es"}
    assert len(dev_es.answerable) >= 80
    assert len(dev_es.unknown) >= 40
    assert {"other-medicine", "general-health", "small-talk", "advertising"} <= {
        q.category for q in dev_es.unknown
    }
    ids = {s.id for s in load_content().snippets}
    for question in spanish.answerable:
        assert question.expect <= ids, question.text
    texts = [q.text for q in (*dev.answerable, *dev.unknown, *dev_es.answerable, *dev_es.unknown)]
    assert len(texts) == len(set(texts)), "a question appears twice"
    # Patients drop accents: at least a third of the Spanish questions have none.
    plain = [q.text for q in dev_es.answerable if q.text.isascii()]
    assert len(plain) * 3 >= len(dev_es.answerable)


def test_no_example_question_copies_a_development_question(dev: EvalSet, dev_es: EvalSet) -> None:
    # The examples teach retrieval: one equal to a development question would make the
    # development figures flatter than the truth.
    examples = {
        _fold(e): s.id for s in load_content().snippets for e in (*s.examples, *s.examples_es)
    }
    both = dev + dev_es
    copied = [q.text for q in (*both.answerable, *both.unknown) if _fold(q.text) in examples]
    assert copied == []


def test_answer_quality_on_the_development_set_meets_the_floors(
    dev: EvalSet, capsys: pytest.CaptureFixture[str]
) -> None:
    score = score_qa(bot_top_ids, dev.language("en"))
    show(
        capsys,
        [
            f"QA evaluation, development set ({DEV_PATH.name}, English questions)",
            f"  top-1 accuracy: {score.accuracy:.1%} ({score.correct}/{score.answerable}); "
            f"wrong snippet {score.wrong_rate:.1%} ({score.wrong})",
            f"  abstention on must-be-unknown: {score.abstention:.1%} "
            f"({score.abstained}/{score.unknown})",
            *(f"  miss: {failure}" for failure in score.failures),
        ],
    )
    assert score.accuracy >= DEV_ACCURACY_FLOOR
    assert score.abstention >= ABSTENTION_FLOOR


def test_spanish_answer_quality_on_the_development_sets_meets_the_floors(
    dev: EvalSet, dev_es: EvalSet, capsys: pytest.CaptureFixture[str]
) -> None:
    spanish = dev.language("es") + dev_es
    scores = {
        "Spanish-speaking patient": score_qa(spanish_patient_top_ids, spanish),
        "English-speaking patient": score_qa(bot_top_ids, spanish),
    }
    lines = [f"QA evaluation, Spanish questions ({DEV_ES_PATH.name} and {DEV_PATH.name})"]
    for who, score in scores.items():
        lines += [
            f"  {who}: top-1 {score.accuracy:.1%} ({score.correct}/{score.answerable}); "
            f"wrong snippet {score.wrong}; abstention {score.abstention:.1%} "
            f"({score.abstained}/{score.unknown})"
        ]
    score = scores["Spanish-speaking patient"]
    show(capsys, [*lines, *(f"  miss: {failure}" for failure in score.failures)])
    # The reply's language never changes which snippet is chosen.
    assert scores["English-speaking patient"] == score
    assert score.accuracy >= DEV_ACCURACY_FLOOR
    assert score.abstention >= SPANISH_DEV_ABSTENTION_FLOOR


def _spanish_heldout_paths() -> list[Path]:
    return sorted((DATA / "sealed").glob(HELDOUT_ES_GLOB))


@pytest.mark.parametrize(
    "path", _spanish_heldout_paths() or [None], ids=lambda p: p.stem if p else "none"
)
def test_spanish_answer_quality_on_the_held_out_set_holds(
    capsys: pytest.CaptureFixture[str], path: Path | None
) -> None:
    if path is None:
        pytest.skip("no Spanish held-out set yet")
    score = score_qa(spanish_patient_top_ids, load_eval_set(path))
    # Plain numbers only: an assertion on ``score`` would print its failures, the questions.
    accuracy, abstention = score.accuracy, score.abstention
    show(
        capsys,
        [
            f"QA evaluation, Spanish held-out set {path.name} (totals only, on purpose)",
            f"  top-1 accuracy: {accuracy:.1%} ({score.correct}/{score.answerable}); "
            f"abstention {abstention:.1%} ({score.abstained}/{score.unknown})",
        ],
    )
    assert SPANISH_HELDOUT_ACCURACY_FLOOR >= SPANISH_HELDOUT_ACCURACY_TARGET
    assert accuracy >= SPANISH_HELDOUT_ACCURACY_FLOOR, f"top-1 {accuracy:.3f}"
    assert abstention >= SPANISH_HELDOUT_ABSTENTION_FLOOR, f"abstention {abstention:.3f}"


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
    assert HELDOUT_ACCURACY_FLOOR >= HELDOUT_ACCURACY_TARGET
    assert accuracy >= HELDOUT_ACCURACY_FLOOR, f"top-1 {accuracy:.3f}"
    assert abstention >= HELDOUT_ABSTENTION_FLOOR, f"abstention {abstention:.3f}"


@pytest.mark.parametrize("category", NEVER_ANSWERED)
def test_other_medicines_and_advertising_are_never_answered(
    dev: EvalSet, dev_es: EvalSet, category: str
) -> None:
    questions = [q.text for q in (*dev.unknown, *dev_es.unknown) if q.category == category]
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

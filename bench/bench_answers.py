"""Benchmark free-text answers: speed, quality on the development and held-out sets, a baseline.

    .venv/bin/python -m bench.bench_answers [--article PATH] [--write bench/results/answers.md]
        [--dev tests/data/qa_eval.toml] [--dev-es tests/data/qa_eval_es.toml]
        [--heldout tests/data/sealed/qa_heldout.toml]

Measures answer latency (p50/p99 over the development questions), the time to build the index
(content, model and index), and top-1 accuracy and abstention of the bot next to plain BM25 over
the source article's paragraphs, on the development set and the held-out set side by side. The
held-out columns say "not present" until that file exists; only its totals are ever reported.
Per language: the English and Spanish development questions apart, Spanish ones asked by a
Spanish-speaking patient (``lang="es"``: the reply quotes the Spanish snippets).
Thresholds are calibrated by ``python -m bot.qa.train`` (development set only), not here.

The article is not part of the repository; pass its path with --article (or RB_ARTICLE).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.domain.triage import triage
from bot.qa import answers
from bot.qa.content import Content
from bot.qa.evaluation import (
    Answerer,
    EvalSet,
    QaScore,
    load_eval_set,
    score_qa,
    score_triage,
)

ROOT = Path(__file__).resolve().parent.parent
DEV_PATH = ROOT / "tests" / "data" / "qa_eval.toml"
DEV_ES_PATH = ROOT / "tests" / "data" / "qa_eval_es.toml"
HELDOUT_PATH = ROOT / "tests" / "data" / "sealed" / "qa_heldout.toml"
DEFAULT_ARTICLE = Path(os.environ.get("RB_ARTICLE", "/work/shared/source/what-is-naltrexone.txt"))
LATENCY_ROUNDS = 20
BUILD_ROUNDS = 10
NOT_PRESENT = "not present"
NOT_MEASURED = "not measured"

# Utility used to calibrate the baseline the way bot/qa/train.py calibrates the bot: a wrong
# snippet is as bad as a right one is good, and answering a question we should not answer
# (another medicine, general health) is worse.
RIGHT, WRONG, FALSE_ANSWER = 1.0, -1.0, -2.0


def utility(score: QaScore) -> float:
    false_answers = score.unknown - score.abstained
    return RIGHT * score.correct + WRONG * score.wrong + FALSE_ANSWER * false_answers


# --------------------------------------------------------------------------------------------
# The reference: plain BM25 over the article's paragraphs
# --------------------------------------------------------------------------------------------

# Lucene's classic English stop words: what "plain BM25" usually means in practice.
_PLAIN_STOP = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
     "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
     "these", "they", "this", "to", "was", "will", "with"]
)  # fmt: skip


def _plain_tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in _PLAIN_STOP]


def article_paragraphs(path: Path) -> list[str]:
    """One paragraph per line; bullet lines belong to the paragraph above them."""
    paragraphs: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- ") and paragraphs:
            paragraphs[-1] += " " + line[2:]
        else:
            paragraphs.append(line)
    return paragraphs


class PlainBM25:
    def __init__(self, paragraphs: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [_plain_tokens(p) for p in paragraphs]
        self.k1, self.b = k1, b
        n = len(self.docs)
        self.avg = sum(map(len, self.docs)) / n
        df: dict[str, int] = {}
        for doc in self.docs:
            for term in set(doc):
                df[term] = df.get(term, 0) + 1
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def top(self, question: str) -> tuple[int, float]:
        terms = set(_plain_tokens(question))
        best, best_score = -1, 0.0
        for i, doc in enumerate(self.docs):
            norm = self.k1 * (1 - self.b + self.b * len(doc) / self.avg)
            score = 0.0
            for term in terms:
                f = doc.count(term)
                if f:
                    score += self.idf[term] * f * (self.k1 + 1) / (f + norm)
            if score > best_score:
                best, best_score = i, score
        return best, best_score


def paragraph_snippets(paragraphs: Sequence[str], content: Content) -> list[frozenset[str]]:
    """Which curated snippets each paragraph is the origin of (by the snippet's `origin`)."""
    out: list[set[str]] = [set() for _ in paragraphs]
    for snippet in content.snippets:
        if snippet.origin is None:
            continue
        for i, paragraph in enumerate(paragraphs):
            if snippet.origin in paragraph:
                out[i].add(snippet.id)
    return [frozenset(ids) for ids in out]


def baseline_answerer(bm25: PlainBM25, mapping: list[frozenset[str]], threshold: float) -> Answerer:
    def answerer(question: str, clinic: str | None) -> frozenset[str] | None:
        index, score = bm25.top(question)
        if index < 0 or score <= threshold:
            return None
        return mapping[index]  # empty when the paragraph is no snippet's origin: a wrong answer

    return answerer


def bot_answerer(lang: str = "en") -> Answerer:
    def answerer(question: str, clinic: str | None) -> frozenset[str] | None:
        hits = answers.answer(question, clinic=clinic, lang=lang).snippets
        return frozenset([hits[0].id]) if hits else None

    return answerer


def language_rows(dev: EvalSet, dev_es: EvalSet | None) -> list[str]:
    """Per-language rows: the English questions, and the Spanish ones of both files."""
    both = dev + dev_es if dev_es is not None else dev
    rows = []
    for lang in both.languages:
        questions = both.language(lang)
        score = score_qa(bot_answerer(lang), questions)
        rows.append(f"| {lang} | {cells(score)} |")
    return rows


def calibrate_baseline(bm25: PlainBM25, mapping: list[frozenset[str]], dev: EvalSet) -> float:
    best = (-math.inf, 0.0)
    for step in range(0, 121):
        threshold = step / 10
        value = utility(score_qa(baseline_answerer(bm25, mapping, threshold), dev))
        if value >= best[0]:  # later (higher) thresholds win ties: more cautious
            best = (value, threshold)
    return best[1]


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def time_calls(fn: Callable[[str], object], messages: Sequence[str], rounds: int) -> list[float]:
    for message in messages:  # warm caches (regexes, fold tables) before measuring
        fn(message)
    samples = []
    for _ in range(rounds):
        for message in messages:
            start = time.perf_counter_ns()
            fn(message)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def time_builds(rounds: int) -> list[float]:
    """What start-up costs: read and validate the content, load the model, build the index."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        answers.load()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def ask_pipeline(message: str) -> object:
    """What `recovery-bot ask` and the bot do per message: triage first, then answer."""
    if triage(message).is_crisis:
        return None
    return answers.answer(message)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def cells(score: QaScore | None, missing: str = NOT_PRESENT) -> str:
    if score is None:
        return f"{missing} | {missing} | {missing}"
    return (
        f"{score.correct}/{score.answerable} ({pct(score.accuracy)}) | "
        f"{score.wrong} ({pct(score.wrong_rate)}) | "
        f"{score.abstained}/{score.unknown} ({pct(score.abstention)})"
    )


def report(
    article: Path,
    dev_path: Path,
    heldout_path: Path | None,
    command: str,
    dev_es_path: Path | None = DEV_ES_PATH,
) -> str:
    """The report; ``heldout_path`` None: the held-out set is not read in this run."""
    dev = load_eval_set(dev_path)
    dev_es = load_eval_set(dev_es_path) if dev_es_path and dev_es_path.is_file() else None
    present = heldout_path is not None and heldout_path.is_file()
    held_out = load_eval_set(heldout_path) if heldout_path is not None and present else None
    missing = NOT_PRESENT if heldout_path is not None else NOT_MEASURED
    first_build = time_builds(1)[0]
    builds = time_builds(BUILD_ROUNDS)
    index = answers.warm_up()
    engine = answers.engine()
    questions = [q.text for q in dev.answerable] + [q.text for q in dev.unknown]
    everything = questions + [m for m, _ in dev.crisis] + list(dev.not_crisis)
    latency = time_calls(answers.answer, questions, LATENCY_ROUNDS)
    pipeline = time_calls(ask_pipeline, everything, LATENCY_ROUNDS)
    long_message = ("I have been thinking about my treatment a lot lately and " * 80)[:4096]
    long_latency = time_calls(answers.answer, [long_message], LATENCY_ROUNDS)

    paragraphs = article_paragraphs(article)
    mapping = paragraph_snippets(paragraphs, index.content)
    plain = PlainBM25(paragraphs)
    baseline_threshold = calibrate_baseline(plain, mapping, dev)
    systems: list[tuple[str, Answerer]] = [
        ("bot (bot.qa)", bot_answerer()),
        ("plain BM25, answers whenever a word matches", baseline_answerer(plain, mapping, 0.0)),
        (
            f"plain BM25, threshold {baseline_threshold:g} calibrated on development",
            baseline_answerer(plain, mapping, baseline_threshold),
        ),
    ]
    rows = []
    for name, answerer in systems:
        dev_score = score_qa(answerer, dev)
        held_score = score_qa(answerer, held_out) if held_out is not None else None
        rows.append(f"| {name} | {cells(dev_score)} | {cells(held_score, missing)} |")
    crisis = score_triage(lambda m: triage(m).kind, dev)
    model = engine.model
    meta = dict(model.meta) if model is not None else {}
    calibration = engine.calibration

    def ms(values: list[float], p: float) -> str:
        return f"{percentile(values, p):.3f} ms"

    if heldout_path is None:
        held_note = "not measured in this run (`--skip-heldout`)"
    elif held_out is None:
        held_note = f"`{_shown(heldout_path)}`: {NOT_PRESENT} yet"
    else:
        held_note = (
            f"`{_shown(heldout_path)}` with {len(held_out.answerable)} answerable and "
            f"{len(held_out.unknown)} must-be-unknown questions (totals only, never tuned on)"
        )
    lines = [
        "# Free-text answers: benchmark",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        ".venv/bin/python -m bot.qa.train   # only after editing the content or the lexicon",
        command,
        "```",
        "",
        "The same evaluation, with its floors enforced, runs in the test suite: "
        "`.venv/bin/pytest tests/unit/test_qa_eval.py -s`. Timings vary by machine; the tests "
        "never assert them.",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"{len(index.content.snippets)} snippets; development set "
        f"`{_shown(dev_path)}` with {len(dev.answerable)} answerable and "
        f"{len(dev.unknown)} must-be-unknown questions, {len(dev.crisis)} crisis messages and "
        f"{len(dev.not_crisis)} look-alikes; held-out set {held_note}.",
        "",
        "## Speed",
        "",
        "| measure | p50 | p99 | max | goal |",
        "| --- | --- | --- | --- | --- |",
        f"| `answer()` over the {len(questions)} development questions x {LATENCY_ROUNDS} | "
        f"{ms(latency, 50)} | {ms(latency, 99)} | {max(latency):.3f} ms | p99 < 5 ms |",
        f"| triage + `answer()` over all {len(everything)} messages x {LATENCY_ROUNDS} | "
        f"{ms(pipeline, 50)} | {ms(pipeline, 99)} | {max(pipeline):.3f} ms | |",
        f"| `answer()` on a 4,096-character message | {ms(long_latency, 50)} | "
        f"{ms(long_latency, 99)} | {max(long_latency):.3f} ms | |",
        f"| index build (load + validate content, load model, index), {BUILD_ROUNDS} builds | "
        f"{ms(builds, 50)} | {ms(builds, 99)} | {max(builds):.3f} ms | < 500 ms |",
        "",
        f"First build in this process (cold): {first_build:.1f} ms.",
        "",
        "## Quality: development and held-out side by side",
        "",
        "Top-1 accuracy: answered with an expected snippet (abstaining counts as a miss). "
        'Abstention: must-be-unknown questions that got "unknown". The plain BM25 reference '
        f"ranks the article's {len(paragraphs)} paragraphs (lines; bullets joined to the line "
        "above) with Lucene's stop words, no stemming or synonyms; a paragraph counts as the "
        "snippets whose `origin` it contains, so it can never get the team-written safety "
        "snippets right.",
        "",
        "| system | dev top-1 | dev wrong snippet | dev abstention | held-out top-1 | "
        "held-out wrong snippet | held-out abstention |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "Floors (tests/unit/test_qa_eval.py): top-1 at least 90% on development and 85% held "
        "out; abstention at least 95% on both.",
        "",
        "## Quality per language (development)",
        "",
        "The questions of the development set by the language they are written in, with those "
        f"of `{_shown(dev_es_path) if dev_es_path else 'none'}`; each asked by a patient of that "
        "language (a Spanish one gets the Spanish snippets). Same floors per language.",
        "",
        "| language | dev top-1 | dev wrong snippet | dev abstention |",
        "| --- | --- | --- | --- |",
        *language_rows(dev, dev_es),
        "",
        "## The answer model and its calibration",
        "",
    ]
    if model is None:
        lines.append("No model file: answers use the fallback rule of bot/qa/calibration.py.")
    else:
        training = meta.get("training", {})
        development = meta.get("development", {})
        lines += [
            f"`bot/qa/answer_model.json.gz`: {len(model.labels)} labels (the snippets and "
            f"'none'), {len(model.index)} features, "
            f"{(ROOT / 'bot' / 'qa' / 'answer_model.json.gz').stat().st_size / 1024:.0f} KiB; "
            f"trained on {training.get('texts')} texts with C={training.get('c')} "
            f"(cross-validated accuracy on held-out example questions: "
            f"{training.get('cv_accuracy')}).",
            "",
            f"Calibration (development set only): threshold {calibration.threshold:g}, "
            f"unknown-word weight {calibration.tuning.unknown_weight:g}, context weight "
            f"{calibration.tuning.context_weight:g}; at calibration: top-1 "
            f"{development.get('top1')}, abstention {development.get('abstention')}.",
        ]
    lines += [
        "",
        "## Crisis triage on the development set (bot.domain.triage, unchanged)",
        "",
        f"- recall: {crisis.caught}/{crisis.crisis} ({pct(crisis.recall)}); "
        f"right category: {crisis.right_kind}/{crisis.crisis}",
        f"- false positives on look-alikes: {crisis.false_alarms}/{crisis.not_crisis} "
        f"({pct(crisis.false_positive_rate)})",
        "",
    ]
    return "\n".join(lines)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--write", type=Path, help="also write the report to this file")
    parser.add_argument("--dev", type=Path, default=DEV_PATH, help="development set file")
    parser.add_argument(
        "--dev-es", type=Path, default=DEV_ES_PATH, help="Spanish development set file"
    )
    parser.add_argument("--heldout", type=Path, default=HELDOUT_PATH, help="held-out set file")
    parser.add_argument(
        "--skip-heldout",
        action="store_true",
        help="do not read the held-out set (for whoever tunes the bot: they must never see it)",
    )
    args = parser.parse_args(argv)
    if not args.article.is_file():
        print(f"bench_answers: no article at {args.article}; pass --article", file=sys.stderr)
        return 2
    command = ".venv/bin/python -m bench.bench_answers --article " + str(args.article)
    if args.write:
        command += f" --write {args.write}"
    heldout = None if args.skip_heldout else args.heldout.resolve()
    text = report(args.article, args.dev.resolve(), heldout, command, args.dev_es.resolve())
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

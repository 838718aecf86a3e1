"""Benchmark free-text answers: speed, quality, and plain BM25 over the article as the reference.

    .venv/bin/python -m bench.bench_answers [--article PATH] [--write bench/results/answers.md]
    .venv/bin/python -m bench.bench_answers --calibrate

Measures answer latency (p50/p99 over the evaluation set), index build time, and the evaluation
numbers of the bot next to plain BM25 over the source article's paragraphs, on the same questions.
``--calibrate`` grid-searches the two constants of bot/qa/calibration.py on the "tune" split only.

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
from dataclasses import dataclass
from pathlib import Path

from bot.domain.triage import triage
from bot.qa import answers
from bot.qa.calibration import ANSWER_THRESHOLD, MIN_EVIDENCE
from bot.qa.content import Content, load_content
from bot.qa.evaluation import EvalSet, QaScore, load_eval_set, score_qa, score_triage
from bot.qa.retrieval import Index

ROOT = Path(__file__).resolve().parent.parent
EVAL_PATH = ROOT / "tests" / "data" / "qa_eval.toml"
DEFAULT_ARTICLE = Path(os.environ.get("RB_ARTICLE", "/work/shared/source/what-is-naltrexone.txt"))
LATENCY_ROUNDS = 30
BUILD_ROUNDS = 30

# Utility used to calibrate both systems: a wrong snippet is as bad as a right one is good, and
# answering a question we should not answer (another medicine, general health) is worse.
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


Answerer = Callable[[str], frozenset[str] | None]


def baseline_answerer(bm25: PlainBM25, mapping: list[frozenset[str]], threshold: float) -> Answerer:
    def answerer(question: str) -> frozenset[str] | None:
        index, score = bm25.top(question)
        if index < 0 or score <= threshold:
            return None
        return mapping[index]  # empty when the paragraph is no snippet's origin: a wrong answer

    return answerer


def bot_answerer(
    index: Index, threshold: float = ANSWER_THRESHOLD, min_evidence: float = MIN_EVIDENCE
) -> Answerer:
    def answerer(question: str) -> frozenset[str] | None:
        hits = answers.decide(
            question, index, threshold=threshold, min_evidence=min_evidence
        ).answer.snippets
        return frozenset([hits[0].id]) if hits else None

    return answerer


# --------------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    threshold: float
    min_evidence: float
    score: QaScore

    @property
    def utility(self) -> float:
        return utility(self.score)


def calibrate_bot(index: Index, tune: EvalSet) -> list[Setting]:
    settings = []
    for t in range(5, 100, 5):
        for e in range(0, 17):
            threshold, min_evidence = t / 100, e / 2
            score = score_qa(bot_answerer(index, threshold, min_evidence), tune)
            settings.append(Setting(threshold, min_evidence, score))
    # Best utility first; among equals the most cautious threshold, then the smallest evidence
    # floor that does the job (a higher floor only costs short, genuine questions like "booze?").
    settings.sort(key=lambda s: (-s.utility, -s.threshold, s.min_evidence))
    return settings


def calibrate_baseline(bm25: PlainBM25, mapping: list[frozenset[str]], tune: EvalSet) -> float:
    best = (-math.inf, 0.0)
    for step in range(0, 121):
        threshold = step / 10
        value = utility(score_qa(baseline_answerer(bm25, mapping, threshold), tune))
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
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        Index(load_content())
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


def qa_row(name: str, split: str, s: QaScore) -> str:
    return (
        f"| {name} | {split} | {s.correct}/{s.answerable} ({pct(s.accuracy)}) | "
        f"{s.wrong} ({pct(s.wrong_rate)}) | {s.abstained}/{s.unknown} ({pct(s.abstention)}) |"
    )


def report(article: Path, command: str) -> str:
    eval_set = load_eval_set(EVAL_PATH)
    first_build = time_builds(1)[0]
    builds = time_builds(BUILD_ROUNDS)
    index = answers.load()
    questions = [q.text for q in eval_set.answerable] + [q.text for q in eval_set.unknown]
    everything = questions + [m for m, _ in eval_set.crisis] + list(eval_set.not_crisis)
    latency = time_calls(answers.answer, questions, LATENCY_ROUNDS)
    pipeline = time_calls(ask_pipeline, everything, LATENCY_ROUNDS)
    long_message = ("I have been thinking about my treatment a lot lately and " * 80)[:4096]
    long_latency = time_calls(answers.answer, [long_message], LATENCY_ROUNDS)

    paragraphs = article_paragraphs(article)
    mapping = paragraph_snippets(paragraphs, index.content)
    plain = PlainBM25(paragraphs)
    tune, holdout = eval_set.split("tune"), eval_set.split("holdout")
    baseline_threshold = calibrate_baseline(plain, mapping, tune)
    systems: list[tuple[str, Answerer]] = [
        ("bot (bot.qa)", bot_answerer(index)),
        ("plain BM25, answers whenever a word matches", baseline_answerer(plain, mapping, 0.0)),
        (
            f"plain BM25, threshold {baseline_threshold:g} calibrated on tune",
            baseline_answerer(plain, mapping, baseline_threshold),
        ),
    ]
    # The questions plain BM25 over the article could get right at all: those whose expected
    # snippet comes from an article paragraph (unknown questions kept, so abstention still counts).
    from_article = frozenset(snippet_id for ids in mapping for snippet_id in ids)
    article_only = EvalSet(
        tuple(q for q in eval_set.answerable if q.expect & from_article),
        eval_set.unknown,
        eval_set.crisis,
        eval_set.not_crisis,
    )
    subsets = (
        ("all", eval_set),
        ("tune", tune),
        ("holdout", holdout),
        ("article-answerable", article_only),
    )
    rows = []
    for name, answerer in systems:
        for split_name, subset in subsets:
            rows.append(qa_row(name, split_name, score_qa(answerer, subset)))
    crisis = score_triage(lambda m: triage(m).kind, eval_set)
    unmapped = sorted(
        s.id for s in index.content.snippets if not any(s.id in ids for ids in mapping)
    )

    def ms(values: list[float], p: float) -> str:
        return f"{percentile(values, p):.3f} ms"

    lines = [
        "# Free-text answers: benchmark",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        command,
        "```",
        "",
        "The same evaluation, with its floors enforced, runs in the test suite: "
        "`.venv/bin/pytest tests/unit/test_qa_eval.py -s`. Timings vary by machine; the tests "
        "never assert them.",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"{len(index.content.snippets)} snippets; evaluation set `tests/data/qa_eval.toml` with "
        f"{len(eval_set.answerable)} answerable and {len(eval_set.unknown)} must-be-unknown "
        f"questions ({len(holdout.answerable)} + {len(holdout.unknown)} held out), "
        f"{len(eval_set.crisis)} crisis messages and {len(eval_set.not_crisis)} look-alikes.",
        "",
        "## Speed",
        "",
        "| measure | p50 | p99 | max | goal |",
        "| --- | --- | --- | --- | --- |",
        f"| `answer()` over the {len(questions)} evaluation questions x {LATENCY_ROUNDS} | "
        f"{ms(latency, 50)} | {ms(latency, 99)} | {max(latency):.3f} ms | p99 < 5 ms |",
        f"| triage + `answer()` over all {len(everything)} messages x {LATENCY_ROUNDS} | "
        f"{ms(pipeline, 50)} | {ms(pipeline, 99)} | {max(pipeline):.3f} ms | |",
        f"| `answer()` on a 4,096-character message | {ms(long_latency, 50)} | "
        f"{ms(long_latency, 99)} | {max(long_latency):.3f} ms | |",
        f"| index build (load + validate + index), {BUILD_ROUNDS} builds | {ms(builds, 50)} | "
        f"{ms(builds, 99)} | {max(builds):.3f} ms | < 200 ms |",
        "",
        f"First build in this process (cold): {first_build:.1f} ms.",
        "",
        "## Quality, side by side",
        "",
        "Top-1 accuracy: answered with an expected snippet (abstaining counts as a miss). "
        'Abstention: must-be-unknown questions that got "unknown". The plain BM25 reference '
        f"ranks the article's {len(paragraphs)} paragraphs (lines; bullets joined to the line "
        "above) with Lucene's stop words, no stemming or synonyms; a paragraph counts as the "
        "snippets whose `origin` it contains, so it can never get the team-written safety "
        "snippets right, and the product list and call-to-action are fair game for it. The "
        '"article-answerable" rows keep only the questions whose expected snippet comes from '
        "the article, where the reference has a fair chance.",
        "",
        "| system | split | top-1 accuracy | wrong snippet | abstention on unknown |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"Snippets with no article paragraph (team-written from FDA/SAMHSA facts): "
        f"{len(unmapped)} of {len(index.content.snippets)}.",
        "",
        "## Crisis triage on the evaluation set (bot.domain.triage, unchanged)",
        "",
        f"- recall: {crisis.caught}/{crisis.crisis} ({pct(crisis.recall)}); "
        f"right category: {crisis.right_kind}/{crisis.crisis}",
        f"- false positives on look-alikes: {crisis.false_alarms}/{crisis.not_crisis} "
        f"({pct(crisis.false_positive_rate)})",
        "",
    ]
    if crisis.alarmed:
        lines += ["Look-alikes flagged as crises:", ""]
        lines += [f"- {m!r}" for m in crisis.alarmed]
        lines.append("")
    if crisis.missed:
        lines += ["Crisis messages triage misses (the eval test fails on these):", ""]
        lines += [f"- {m!r}" for m in crisis.missed]
        lines.append("")
    lines += ["## Threshold calibration (`--calibrate`)", "", calibration_report(), ""]
    return "\n".join(lines)


def calibration_report() -> str:
    eval_set = load_eval_set(EVAL_PATH)
    index = answers.load()
    tune, holdout = eval_set.split("tune"), eval_set.split("holdout")
    settings = calibrate_bot(index, tune)
    best = settings[0]
    lines = [
        "Grid search on the tune split only (utility: +1 right, -1 wrong snippet, -2 answer to a "
        "must-be-unknown question; ties: higher threshold, then lower evidence floor). Top 12:",
        "",
        "| threshold | min evidence | utility | accuracy | wrong | abstention |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in settings[:12]:
        lines.append(
            f"| {s.threshold:.2f} | {s.min_evidence:.1f} | {s.utility:.0f} | "
            f"{pct(s.score.accuracy)} | {s.score.wrong} | {pct(s.score.abstention)} |"
        )
    chosen = score_qa(bot_answerer(index, best.threshold, best.min_evidence), holdout)
    current = score_qa(bot_answerer(index), tune)
    lines += [
        "",
        f"Best: ANSWER_THRESHOLD = {best.threshold:.2f}, MIN_EVIDENCE = {best.min_evidence:.1f} "
        f"(holdout with it, for information only: accuracy {pct(chosen.accuracy)}, "
        f"abstention {pct(chosen.abstention)}).",
        f"In bot/qa/calibration.py now: ANSWER_THRESHOLD = {ANSWER_THRESHOLD}, "
        f"MIN_EVIDENCE = {MIN_EVIDENCE} (tune utility {utility(current):.0f}).",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--write", type=Path, help="also write the report to this file")
    parser.add_argument("--calibrate", action="store_true", help="grid-search the thresholds")
    args = parser.parse_args(argv)
    if args.calibrate:
        print(calibration_report())
        return 0
    if not args.article.is_file():
        print(f"bench_answers: no article at {args.article}; pass --article", file=sys.stderr)
        return 2
    command = ".venv/bin/python -m bench.bench_answers --article " + str(args.article)
    if args.write:
        command += f" --write {args.write}"
    text = report(args.article, command)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How the safety net does on a writer it never met: the corpus's writers left out in turn.

    .venv/bin/python -m bench.bench_safety_writers [--words-only] [--folds 3]

The development split of the corpus leaves out whole templates and hand-written blocks, but every
writer still has other blocks in training, so it says little about a stranger's phrasing, which is
what the sets kept outside the project measure. Here the independent writers' files
(``<lang>.hand.w?.*`` blocks) are split into ``--folds`` groups; for each, the model is trained
(``bot.safety.train.train``, thresholds included) on everything else, and that group's messages
are read by the whole net (rules and that model) and by the model alone. Templates and the team's
own blocks are always trained on.

Printed: the whole net's crisis recall, crises at least checked, check messages flagged and
look-alikes taken for a crisis, per language; and the model's separability alone, as crisis
recall at fixed shares (5%, 10%, 15%) of the left-out look-alikes scored above the cut, which
compares two feature sets without the thresholds' choice in the way. ``--words-only`` trains
without the vocabulary groups of bot/safety/concepts.toml, for comparison. Takes about 70 s of
CPU per fold. The sealed held-out set is not read.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from collections.abc import Sequence

from bot.safety import corpus, net, train
from bot.safety import model as safety_model
from bot.safety.model import CRISIS_LABELS

_WRITER = re.compile(r"^(en|es)\.hand\.(w[a-y])\.")
FALSE_ALARM_SHARES = (0.05, 0.10, 0.15)


def writer_of(example: corpus.Example) -> str | None:
    match = _WRITER.match(example.group)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _recall_at(positives: list[float], negatives: list[float], share: float) -> float:
    ranked = sorted(negatives, reverse=True)
    cut = ranked[min(len(ranked) - 1, int(share * len(ranked)))]
    return sum(p > cut for p in positives) / len(positives)


def run(folds: int, concepts: bool) -> str:
    examples = corpus.generate(train.SEED)
    writers = sorted({w for e in examples if (w := writer_of(e)) is not None})
    groups = [set(writers[i::folds]) for i in range(folds)]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    scores: list[tuple[str, bool, float]] = []
    real_generate, real_concepts = corpus.generate, train.CONCEPTS
    started = time.perf_counter()
    train.CONCEPTS = concepts
    try:
        for left_out in groups:
            corpus.generate = lambda seed=0, out=left_out: [  # type: ignore[misc]
                e for e in examples if writer_of(e) not in out
            ]
            try:
                fitted, _ = train.train()
            finally:
                corpus.generate = real_generate
            safety_model._model = fitted
            for e in (e for e in examples if writer_of(e) in left_out):
                tier = net.assess(e.text).tier
                crisis = e.label in CRISIS_LABELS
                if crisis:
                    _add(counts, f"crisis recall {e.lang}", tier is net.Tier.CRISIS)
                    _add(counts, f"crises at least checked {e.lang}", tier is not None)
                elif e.label == "check":
                    _add(counts, f"check messages flagged {e.lang}", tier is not None)
                else:
                    _add(
                        counts, f"look-alikes taken for a crisis {e.lang}", tier is net.Tier.CRISIS
                    )
                if crisis or e.label == "none":
                    score = safety_model.predict(e.text, fitted).crisis
                    scores.append((e.lang, crisis, score))
    finally:
        train.CONCEPTS = real_concepts
        safety_model._model = None
    lines = [
        f"features: {'words and vocabulary groups' if concepts else 'words only'}; "
        f"{folds} folds of {len(writers)} writers; {time.perf_counter() - started:.0f} s",
        "",
        "| whole net, left-out writers | rate |",
        "|---|---|",
    ]
    for key in sorted(counts):
        hits, total = counts[key]
        lines.append(f"| {key} | {hits / total:.3f} ({hits}/{total}) |")
    lines += ["", "| model alone: crisis recall with this share of look-alikes above the cut | "
              + " | ".join(f"{s:.0%}" for s in FALSE_ALARM_SHARES) + " |",
              "|---|" + "---|" * len(FALSE_ALARM_SHARES)]  # fmt: skip
    for lang in corpus.LANGS:
        positives = [s for code, crisis, s in scores if code == lang and crisis]
        negatives = [s for code, crisis, s in scores if code == lang and not crisis]
        row = " | ".join(f"{_recall_at(positives, negatives, s):.3f}" for s in FALSE_ALARM_SHARES)
        lines.append(f"| {lang} | {row} |")
    return "\n".join(lines)


def _add(counts: dict[str, list[int]], key: str, hit: bool) -> None:
    counts[key][0] += hit
    counts[key][1] += 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--words-only", action="store_true")
    args = parser.parse_args(argv)
    print(run(args.folds, concepts=not args.words_only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

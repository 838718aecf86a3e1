"""Train the safety net's model: ``python -m bot.safety.train`` (needs the ``train`` extra).

One reproducible command: the corpus generator (bot/safety/corpus.py, fixed seed) gives the
examples; each is scored by a model fitted without its fold (whole templates and hand-written
blocks, :func:`bot.safety.corpus.fold_of`), those scores choose the thresholds and give the
figures written into the model file, and the model is fitted on every example. The sealed
held-out sets under tests/data/sealed/ are never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from bot.ml.features import features
from bot.ml.linear import LinearModel
from bot.safety import corpus
from bot.safety.concepts import crisis_features, lexicon_digest
from bot.safety.model import CONCEPT_FEATURES, CRISIS_LABELS, MODEL_PATH, WORD_FEATURES

__all__ = ["corpus_digest", "main", "train"]

# Recall first: the crisis threshold is the highest that keeps this share of the development
# crises, unless that costs more than MAX_FALSE_ALARM of the development look-alikes (here the
# cross-fitted scores). 0.07 since 2026-12-08 (0.05 of one development split before): on writers
# left out of training (bench/bench_safety_writers.py) it catches more of their crises than the
# old cut (0.855/0.842 against 0.842/0.838, English/Spanish) and takes fewer of their look-alikes
# for a crisis (0.094/0.086 against 0.111/0.094). 0.05 of these scores lost recall (0.827/0.825);
# 0.08 put development-set look-alikes over the cut (bench/results/safety.md, 2026-12-08).
TARGET_RECALL = 0.98
MAX_FALSE_ALARM = 0.07
CHECK_TARGET_RECALL = 0.90
CHECK_MAX_FALSE_ALARM = 0.05
# Among development messages where only a bare-word rule fired, the model must back this share of
# the real crises; the rest of those matches become checks rather than crises. 0.90 since
# 2026-12-08 (0.95 before, a cut of 0.15 instead of 0.38): on writers left out of training it
# turned 22 look-alikes taken for a crisis into checks and 3 crises into checks.
WEAK_TARGET_RECALL = 0.90
# Every other rule match needs only the faintest agreement: the cut below which the model vetoes a
# rule (the message gets the check instead) keeps this share of the development crises the rules
# catch. On the development split it still removed most of the rules' false alarms. (0.995 until
# the corpus grew by three writers on 2026-12-07: the cut then rose from 0.046 to 0.080 and vetoed
# "pretty sure its alcohol poisoning" of the development set; 0.997 gives 0.048.)
VETO_TARGET_RECALL = 0.997
SEED = 0
# Inverse regularisation: chosen by recall at a fixed false-alarm rate on the development split.
C = 32.0
# Whether the model also reads the groups of words in bot/safety/concepts.toml.
CONCEPTS = True
# Folds of the cross-fitted scores the thresholds are chosen on (see :func:`train`).
FOLDS = 5


def corpus_digest(examples: Sequence[corpus.Example]) -> str:
    h = hashlib.sha256()
    for example in examples:
        h.update(f"{example.label}\t{example.lang}\t{example.text}\n".encode())
    return h.hexdigest()[:16]


def _threshold(pos: list[float], neg: list[float], recall: float, max_false: float) -> float:
    """The highest cut that keeps ``recall`` of ``pos``, lowered no further than ``max_false``
    of ``neg`` allows."""
    pos = sorted(pos, reverse=True)
    keep = pos[min(len(pos) - 1, max(0, int(recall * len(pos)) - 1))]
    neg = sorted(neg, reverse=True)
    floor = neg[min(len(neg) - 1, int(max_false * len(neg)))] if neg else 0.0
    return round(max(keep, floor + 1e-6), 4)


def _weak_threshold(
    dev_set: Sequence[corpus.Example], scored: Sequence[tuple[float, float]]
) -> float:
    from bot.domain.triage import triage
    from bot.safety.net import WEAK_RULES

    backed = sorted(
        (
            crisis
            for (crisis, _), e in zip(scored, dev_set, strict=True)
            if e.label in CRISIS_LABELS and triage(e.text).matched_rule in WEAK_RULES
        ),
        reverse=True,
    )
    if not backed:
        return 0.0
    return round(backed[min(len(backed) - 1, int(WEAK_TARGET_RECALL * len(backed)))], 4)


def _veto_threshold(
    dev_set: Sequence[corpus.Example], scored: Sequence[tuple[float, float]]
) -> float:
    from bot.domain.triage import triage

    # On the check score (crisis or check): a rule is vetoed only when the model reads the message
    # as neither, so "nobody would miss me" stays a crisis when the model calls it a check.
    caught = sorted(
        check
        for (_, check), e in zip(scored, dev_set, strict=True)
        if e.label in CRISIS_LABELS and triage(e.text).kind is not None
    )
    if not caught:
        return 0.0
    return round(caught[int((1 - VETO_TARGET_RECALL) * len(caught))], 4)


def _scores(m: LinearModel, texts: list[str]) -> list[tuple[float, float]]:
    from bot.safety.model import predict

    out = []
    for text in texts:
        verdict = predict(text, m)
        out.append((verdict.crisis, verdict.check))
    return out


def train(seed: int = SEED, folds: int | None = None) -> tuple[LinearModel, dict[str, object]]:
    """The model fitted on the whole corpus, with thresholds chosen on cross-fitted scores.

    Each example is scored by a model fitted without its fold (whole groups, every stratum
    dealt out across the ``FOLDS`` folds), and the thresholds are chosen on those scores: every
    example in the corpus is a development example once. A single development split chose
    them on a fifth of the look-alikes, and adding a handful of examples could move a group
    across it and the crisis cut with it (2026-12-07); ``folds=0`` does that for comparison,
    fitting the model on the train split only."""
    from bot.ml.train import fit

    folds = FOLDS if folds is None else folds
    examples = corpus.generate(seed)
    kind = CONCEPT_FEATURES if CONCEPTS else WORD_FEATURES
    cache: dict[str, frozenset[str]] = {}

    def featurize(text: str) -> frozenset[str]:
        found = cache.get(text)
        if found is None:
            found = cache[text] = frozenset((crisis_features if CONCEPTS else features)(text))
        return found

    def fitted(chosen: Sequence[corpus.Example]) -> LinearModel:
        return fit(
            [e.text for e in chosen],
            [e.label for e in chosen],
            c=C,
            class_weight=None,
            min_df=2,
            meta={"thresholds": {"crisis": 0.5, "check": 0.5}, "feature_set": kind},
            featurize=featurize,
        )

    if folds:
        dev_set = examples
        where = [corpus.fold_of(e.group, folds) for e in examples]
        scored: list[tuple[float, float]] = [(0.0, 0.0)] * len(examples)
        for k in range(folds):
            inside = [i for i, f in enumerate(where) if f == k]
            fold_model = fitted([e for e, f in zip(examples, where, strict=True) if f != k])
            texts = [examples[i].text for i in inside]
            for i, score in zip(inside, _scores(fold_model, texts), strict=True):
                scored[i] = score
        model = fitted(examples)
        sizes = {"train": len(examples), "dev": len(dev_set), "folds": folds}
    else:
        train_set, dev_set = corpus.split(examples)
        model = fitted(train_set)
        scored = _scores(model, [e.text for e in dev_set])
        sizes = {"train": len(train_set), "dev": len(dev_set)}
    crisis_pos = [c for (c, _), e in zip(scored, dev_set, strict=True) if e.label in CRISIS_LABELS]
    none_scores = [(c, k) for (c, k), e in zip(scored, dev_set, strict=True) if e.label == "none"]
    check_pos = [k for (_, k), e in zip(scored, dev_set, strict=True) if e.label == "check"]
    t_crisis = _threshold(crisis_pos, [c for c, _ in none_scores], TARGET_RECALL, MAX_FALSE_ALARM)
    t_check = _threshold(
        check_pos, [k for _, k in none_scores], CHECK_TARGET_RECALL, CHECK_MAX_FALSE_ALARM
    )
    t_weak = _weak_threshold(dev_set, scored)
    t_veto = _veto_threshold(dev_set, scored)

    def rate(values: list[float], cut: float) -> float:
        return round(sum(v >= cut for v in values) / len(values), 4) if values else 0.0

    figures: dict[str, object] = {
        "examples": sizes,
        "dev": {
            "crisis_recall": rate(crisis_pos, t_crisis),
            "check_or_crisis_recall_on_check": rate(check_pos, t_check),
            "none_flagged_crisis": rate([c for c, _ in none_scores], t_crisis),
            "none_flagged_check_or_crisis": rate([k for _, k in none_scores], t_check),
        },
        "corpus": corpus_digest(examples),
        "seed": seed,
        "features": len(model.index),
        "feature_set": kind,
    }
    if CONCEPTS:
        figures["concepts"] = lexicon_digest()
    thresholds = {"crisis": t_crisis, "check": t_check, "weak": t_weak, "veto": t_veto}
    meta = {"thresholds": thresholds, **figures}
    return LinearModel(model.labels, model.bias, model.index, model.weights, meta), figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.train", description=__doc__)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--folds", type=int, default=FOLDS, help="0: one development split instead")
    args = parser.parse_args(argv)
    model, figures = train(folds=args.folds)
    model.save(args.out)
    print(json.dumps({"thresholds": model.meta["thresholds"], **figures}, indent=2))
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the answer model and calibrate when to answer: ``python -m bot.qa.train``.

Needs the ``train`` extra (scikit-learn); the running bot never imports this module.

1. Training texts: every shared snippet's example questions (English and Spanish), its title and
   each keyword, labelled with the snippet's id, plus the questions of bot/qa/out_of_scope.toml
   under a "none of these" label (bot.qa.calibration.NONE), plus copies of each English question
   with something patients write around questions added (:data:`CONTEXTS`) and with its opening
   swapped for an equivalent one (:data:`FRAMES`), all read through the same analyser
   the bot uses (patients' spellings and synonyms folded, typos corrected), so the model sees
   what it will see. The "none" class is what lets an unknown word cost nothing by itself: a
   question is out of scope because the model recognises it as such, not because one word was
   unfamiliar.
2. The regularisation strength C is chosen by stratified cross-validation on those questions.
3. The confidence (bot/qa/calibration.py) is a logistic regression over the retrieval signals,
   fitted on the same cross-validation: each example question is looked up by a model and an
   index that never saw it, so its signals are what a new question gets.
4. Only then the development sets (tests/data/qa_eval.toml, English, and qa_eval_es.toml,
   Spanish, read as one) are used, to choose the threshold, how
   much unknown words and context sentences weigh in coverage, and how strongly the confidence
   combiner is regularised: the best of +1 per right answer,
   -1 per wrong snippet, -2 per answer to a must-be-unknown question, among settings that keep
   abstention at least at its floor (and, with questions in two languages, every language its
   own top-1 and abstention floors, so one language's gain is never the other's loss); ties go
   to the higher threshold. The held-out set is never
   read here.
5. The model, with the calibration and the hashes of the content and the lexicon in its metadata,
   goes to bot/qa/answer_model.json.gz (byte-for-byte reproducible), and the metadata to
   bot/qa/answer_model.meta.json for review.

Re-run it after editing content/snippets.toml or bot/qa/lexicon.py; a test fails until you do.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from bot.ml.linear import LinearModel
from bot.ml.train import fit
from bot.qa.answers import Engine, choose
from bot.qa.calibration import FEATURES, NONE, Calibration, Signals, feature_vector
from bot.qa.content import Content, load_content
from bot.qa.evaluation import EvalSet, load_eval_set
from bot.qa.model import MODEL_PATH, RECIPE, content_hash, lexicon_hash, write_meta
from bot.qa.retrieval import Index, Retrieval, Tuning
from bot.qa.screening import Screen, screen

__all__ = ["NONE", "calibrate", "main", "out_of_scope", "train_model", "training_set"]

ROOT: Final = Path(__file__).resolve().parents[2]
DEV_SET: Final = ROOT / "tests" / "data" / "qa_eval.toml"
DEV_SET_ES: Final = ROOT / "tests" / "data" / "qa_eval_es.toml"
OUT_OF_SCOPE: Final = Path(__file__).with_name("out_of_scope.toml")
C_GRID: Final = (8.0, 16.0, 32.0)
FOLDS: Final = 5
MIN_DF: Final = 3
# Weights under this (for every snippet) are left out of the file: they change no decision.
PRUNE: Final = 0.1
# How strongly the confidence combiner may be regularised (chosen with the threshold).
COMBINER_CS: Final = (0.2, 1.0, 5.0)
# The grid searched on the development set. Context sentences always weigh less than the
# question (the issue this answers: a sentence about one's day must not hide the question), so
# 1.0 is not offered even where the development set would not notice.
TUNINGS: Final = tuple(
    Tuning(unknown_weight=u, context_weight=c) for u in (0.0, 0.25, 0.5, 0.75) for c in (0.25, 0.5)
)
THRESHOLDS: Final = tuple(t / 100 for t in range(5, 96))
ABSTENTION_FLOOR: Final = 0.95
# Each language's questions must keep the suite's floors on their own (tests/unit/test_qa_eval.py),
# so one language's gain is never paid for by the other: top-1 and abstention per language.
TOP1_FLOOR: Final = 0.90
LANGUAGE_ABSTENTION_FLOORS: Final = {"en": 0.95, "es": 0.95}
RIGHT, WRONG, FALSE_ANSWER = 1.0, -1.0, -2.0


def out_of_scope(path: Path = OUT_OF_SCOPE) -> list[str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [str(q) for q in data["questions"]]


# What patients write around a question, added to a copy of each English training question (in
# and out of scope alike) so the model learns that none of it says what the question is about.
CONTEXTS: Final = (
    "hey, ",
    "hi there. ",
    "ok so ",
    "so basically ",
    "random question but ",
    "my sister was asking me about this. ",
    "my son asked ",
    "my girlfriend keeps asking me ",
    "my sponsor wanted to know ",
    "i just got home from work and ",
    "its late and i cant sleep. ",
    "been thinking about this all day. ",
    "i started vivitrol last month. ",
    "im on naltrexone for my drinking. ",
    "im on the shot for opioids. ",
    "i have my appointment tomorrow. ",
    "sorry if this is dumb, ",
    "real quick, ",
    "im kind of nervous. ",
    "long week. ",
    "this might sound weird but ",
)
ENDINGS: Final = ("", "", " thanks", " lol", "?", " idk", " please help")


# How a question starts, in groups that fit the same rest of a sentence ("can i | drink on it",
# "is it ok to | drink on it"). A copy of each English training question that starts with one
# gets another of its group, so the model learns the topic from the rest, not from the framing.
FRAMES: Final = (
    (
        "can i ",
        "is it ok to ",
        "is it safe to ",
        "should i ",
        "am i allowed to ",
        "is it bad to ",
        "what happens if i ",
        "what if i ",
        "will i be ok if i ",
    ),
    (
        "does naltrexone ",
        "will naltrexone ",
        "can naltrexone ",
        "does vivitrol ",
        "will the shot ",
        "does the shot ",
        "can the pills ",
        "do the pills ",
    ),
    ("how do i ", "what should i do to ", "whats the best way to ", "how can i "),
    ("what is ", "whats ", "what's ", "tell me about ", "explain "),
    ("is naltrexone ", "is vivitrol ", "is the shot ", "are the pills "),
    ("why do i ", "why would i ", "how come i "),
    ("what happens if ", "what happens when ", "what if "),
    ("is it normal to ", "is it common to ", "is it normal that i "),
    ("do i need to ", "do i have to ", "am i supposed to "),
    ("will i ", "could i ", "am i going to "),
    ("does it ", "will it ", "can it "),
    ("how long does ", "how long will ", "for how long does "),
)


def _reframe(text: str) -> str | None:
    """``text`` with its opening swapped for another of the same group, or None."""
    lowered = text.lower()
    for group in FRAMES:
        for frame in group:
            if lowered.startswith(frame):
                others = [f for f in group if f != frame]
                return _pick(others, text, "frame") + text[len(frame) :]
    return None


@dataclass(frozen=True)
class Text:
    """One training text: what the patient wrote, its label, and whether it is a question."""

    raw: str
    label: str
    question: bool  # example and out-of-scope questions; titles and keywords are not
    origin: int = -1  # for a copy with context added: the position of the text it copies


def _pick(options: Sequence[str], text: str, salt: str) -> str:
    """A choice that depends on the text only, so training is reproducible."""
    digest = hashlib.sha256(f"{salt}:{text}".encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def training_texts(content: Content, negatives: Sequence[str]) -> list[Text]:
    out = [Text(q, NONE, True) for q in negatives]
    for snippet in content.snippets:
        asked = (*getattr(snippet, "examples", ()), *getattr(snippet, "examples_es", ()))
        out += [Text(t, snippet.id, True) for t in asked]
        out += [Text(t, snippet.id, False) for t in (snippet.title, *snippet.keywords)]
    english = {q for q in negatives} | {
        e for snippet in content.snippets for e in getattr(snippet, "examples", ())
    }
    for i, text in enumerate(list(out)):
        if text.question and text.raw in english:
            variant = _pick(CONTEXTS, text.raw, "context") + text.raw
            variant += _pick(ENDINGS, text.raw, "ending")
            out.append(Text(variant, text.label, True, origin=i))
            reframed = _reframe(text.raw)
            if reframed is not None:
                out.append(Text(reframed, text.label, True, origin=i))
    return out


def training_set(index: Index, texts: Sequence[Text]) -> tuple[list[str], list[str]]:
    """(model texts, labels), read through ``index``'s analyser."""
    model_texts: list[str] = []
    labels: list[str] = []
    for text in texts:
        model_text = index.analyse(text.raw).model_text
        if model_text:
            model_texts.append(model_text)
            labels.append(text.label)
    return model_texts, labels


def _folds(texts: Sequence[Text], folds: int) -> list[set[int]]:
    """Deterministic stratified folds over the questions: each label's dealt round-robin.

    A copy with context added goes to the fold of the question it copies, so no model is
    tested on a question it has seen with a different preamble.
    """
    out: list[set[int]] = [set() for _ in range(folds)]
    fold_of: dict[int, int] = {}
    counters: dict[str, int] = {}
    for i, text in enumerate(texts):
        if not text.question or text.origin >= 0:
            continue
        k = counters.get(text.label, 0)
        counters[text.label] = k + 1
        fold_of[i] = k % folds
        out[k % folds].add(i)
    for i, text in enumerate(texts):
        if text.origin >= 0:
            out[fold_of[text.origin]].add(i)
    return out


def _without(content: Content, held: set[str]) -> Content:
    """``content`` with the example questions in ``held`` removed (for cross-validation)."""
    snippets = tuple(
        replace(
            s,
            examples=tuple(e for e in s.examples if e not in held),
            examples_es=tuple(e for e in s.examples_es if e not in held),
        )
        for s in content.snippets
    )
    return replace(content, snippets=snippets)


@dataclass
class Fold:
    index: Index
    held: list[Text]


def cross_validation(content: Content, texts: list[Text], c_grid: Sequence[float]) -> Any:
    """Per C: the fold indexes (each with a model that never saw its held-out questions)."""
    by_c: dict[float, list[Fold]] = {c: [] for c in c_grid}
    for held_ids in _folds(texts, FOLDS):
        held = [texts[i] for i in sorted(held_ids)]
        reduced = _without(content, {t.raw for t in held})
        plain = Index(reduced)
        train = [t for i, t in enumerate(texts) if i not in held_ids]
        model_texts, labels = training_set(plain, train)
        for c in c_grid:
            model = fit(model_texts, labels, c=c, min_df=MIN_DF, prune=PRUNE)
            by_c[c].append(Fold(Index(reduced, model=model), held))
    return by_c


def _accuracy(folds: list[Fold]) -> float:
    right = total = 0
    for fold in folds:
        assert fold.index.model is not None
        for text in fold.held:
            proba = fold.index.model.proba(fold.index.analyse(text.raw).model_text)
            right += max(proba, key=lambda label: proba[label]) == text.label
            total += 1
    return right / total if total else 0.0


def combiner_rows(folds: list[Fold], tuning: Tuning) -> tuple[Any, Any]:
    """The candidates of the folds' held-out questions: features, and whether each is right."""
    import numpy as np

    rows: list[tuple[float, ...]] = []
    targets: list[int] = []
    for fold in folds:
        for text in fold.held:
            retrieval = fold.index.search(text.raw, tuning)
            signals = Signals.of(retrieval)
            for scored in retrieval.ranked:
                rows.append(feature_vector(scored, signals))
                targets.append(int(scored.snippet.id == text.label))
    return np.asarray(rows), np.asarray(targets)


def fit_combiner(rows: Any, targets: Any, c: float) -> tuple[tuple[float, ...], float]:
    """The confidence weights (a logistic regression over the candidates' features)."""
    from sklearn.linear_model import LogisticRegression

    combiner = LogisticRegression(C=c, max_iter=2000)
    combiner.fit(rows, targets)
    weights = tuple(round(float(w), 4) for w in combiner.coef_[0])
    return weights, round(float(combiner.intercept_[0]), 4)


def train_model(
    content: Content, negatives: Sequence[str], *, c: float | None = None
) -> tuple[LinearModel, dict[str, Any], list[Fold]]:
    texts = training_texts(content, negatives)
    by_c = cross_validation(content, texts, (c,) if c is not None else C_GRID)
    scores = {k: _accuracy(folds) for k, folds in by_c.items()}
    best = max(scores, key=lambda k: (scores[k], -k))  # ties: the stronger regularisation
    model_texts, labels = training_set(Index(content), texts)
    model = fit(model_texts, labels, c=best, min_df=MIN_DF, prune=PRUNE)
    info = {
        "texts": len(model_texts),
        "snippets": len(set(labels) - {NONE}),
        "out_of_scope": len(negatives),
        "features": len(model.index),
        "c": best,
        "cv_accuracy": {f"{k:g}": round(v, 4) for k, v in scores.items()},
    }
    return model, info, by_c[best]


# --------------------------------------------------------------------------------------------
# Calibration on the development set
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    utility: float
    right: int
    wrong: int
    false_answers: int
    answerable: int
    unknown: int

    @property
    def accuracy(self) -> float:
        return self.right / self.answerable if self.answerable else 0.0

    @property
    def abstention(self) -> float:
        return 1 - self.false_answers / self.unknown if self.unknown else 1.0


def _ruled_out(text: str, retrieval: Retrieval) -> bool:
    """What bot.qa.answers.decide answers "unknown" before looking at confidence."""
    screened = screen(text)
    return screened is not None and screened is not Screen.SPANISH


def _floors_kept(tops: list[tuple[float, bool, bool]], langs: list[str], threshold: float) -> bool:
    """Whether every language keeps its top-1 and abstention floors at ``threshold``."""
    for lang in set(langs):
        mine = [top for top, other in zip(tops, langs, strict=True) if other == lang]
        answerable = [(c, ok) for c, ok, unknown in mine if not unknown]
        unknown = [c for c, _, must in mine if must]
        right = sum(1 for c, ok in answerable if c >= threshold and ok)
        if answerable and right / len(answerable) < TOP1_FLOOR and len(set(langs)) > 1:
            return False
        false = sum(1 for c in unknown if c >= threshold)
        floor = LANGUAGE_ABSTENTION_FLOORS.get(lang, ABSTENTION_FLOOR)
        if unknown and 1 - false / len(unknown) < floor:
            return False
    return True


def calibrate(
    engine: Engine, folds: list[Fold], dev: EvalSet
) -> tuple[Calibration, Outcome, list[str]]:
    """The best calibration on ``dev`` (see the module docstring), and a log of the search."""
    questions = [(q.text, q.clinic, q.expect) for q in dev.answerable]
    questions += [(u.text, u.clinic, frozenset[str]()) for u in dev.unknown]
    langs = [q.lang for q in dev.answerable] + [u.lang for u in dev.unknown]
    log: list[str] = []
    best: tuple[tuple[float, ...], Calibration, Outcome] | None = None
    for tuning, combiner_c in itertools.product(TUNINGS, COMBINER_CS):
        if combiner_c == COMBINER_CS[0]:
            rows, targets = combiner_rows(folds, tuning)
        weights, bias = fit_combiner(rows, targets, combiner_c)
        calibration = Calibration(weights=weights, bias=bias, tuning=tuning, threshold=0.0)
        tops: list[tuple[float, bool, bool]] = []  # (confidence, right, must be unknown)
        for text, clinic, expect in questions:
            retrieval = engine.for_clinic(clinic).search(text, tuning)
            chosen = None if _ruled_out(text, retrieval) else choose(retrieval, calibration)
            if chosen is None:
                tops.append((-1.0, False, not expect))
            else:
                # A question only of "naltrexone" is answered whatever the threshold (answers.py).
                score = 2.0 if retrieval.query.topic_only else chosen[1]
                tops.append((score, chosen[0].snippet.id in expect, not expect))
        answerable = sum(1 for _, _, unknown in tops if not unknown)
        unknown_total = len(tops) - answerable
        for threshold in THRESHOLDS:
            right = sum(1 for c, ok, u in tops if c >= threshold and ok and not u)
            wrong = sum(1 for c, ok, u in tops if c >= threshold and not ok and not u)
            false = sum(1 for c, _, u in tops if c >= threshold and u)
            outcome = Outcome(
                RIGHT * right + WRONG * wrong + FALSE_ANSWER * false,
                right,
                wrong,
                false,
                answerable,
                unknown_total,
            )
            if outcome.abstention < ABSTENTION_FLOOR and len(set(langs)) == 1:
                continue
            if not _floors_kept(tops, langs, threshold):
                continue
            key = (
                outcome.utility,
                threshold,
                -tuning.unknown_weight,
                tuning.context_weight,
                -abs(combiner_c - 1.0),
            )
            if best is None or key > best[0]:
                best = (key, replace(calibration, threshold=threshold), outcome)
        if best is not None:
            log.append(
                f"unknown_weight={tuning.unknown_weight:g} context_weight="
                f"{tuning.context_weight:g} combiner C={combiner_c:g}: best so far utility "
                f"{best[2].utility:g}"
            )
    if best is None:
        raise SystemExit("calibration: no setting keeps abstention at its floor")
    return best[1], best[2], log


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--content", type=Path, help="content file (default: the shipped one)")
    parser.add_argument(
        "--dev",
        type=Path,
        action="append",
        help="development set to calibrate on (repeat for several; default: the English and "
        "the Spanish ones)",
    )
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--c", type=float, help="skip choosing C and use this one")
    args = parser.parse_args(argv)
    dev_paths: list[Path] = args.dev or [DEV_SET, DEV_SET_ES]
    if any("sealed" in path.parts for path in dev_paths):
        parser.error("calibrating on the held-out set would make its figures meaningless")
    import sklearn

    content = load_content(args.content)
    negatives = out_of_scope()
    model, info, folds = train_model(content, negatives, c=args.c)
    print(
        f"trained on {info['texts']} texts ({info['snippets']} snippets, {len(negatives)} "
        f"out-of-scope questions): {info['features']} features, C={info['c']:g} "
        f"(cross-validated accuracy {info['cv_accuracy']})"
    )
    engine = Engine(content, model, Calibration())
    dev = load_eval_set(dev_paths[0])
    for path in dev_paths[1:]:
        dev = dev + load_eval_set(path)
    calibration, outcome, log = calibrate(engine, folds, dev)
    names = []
    for path in dev_paths:
        resolved = path.resolve()
        names.append(
            str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)
        )
    dev_name = " + ".join(names)
    meta: dict[str, Any] = {
        "recipe": RECIPE,
        "content_hash": content_hash(content),
        "lexicon_hash": lexicon_hash(),
        "features": list(FEATURES),
        "calibration": calibration.to_json(),
        "training": info,
        "development": {
            "file": dev_name,
            "top1": round(outcome.accuracy, 4),
            "abstention": round(outcome.abstention, 4),
            "right": outcome.right,
            "wrong": outcome.wrong,
            "false_answers": outcome.false_answers,
            "utility": outcome.utility,
        },
        "scikit_learn": sklearn.__version__,
    }
    model = replace(model, meta=meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    write_meta(meta, args.out.with_name(args.out.name.replace(".json.gz", ".meta.json")))
    for line in log:
        print("  " + line)
    print(
        f"calibrated on {' + '.join(p.name for p in dev_paths)}: top-1 "
        f"{outcome.accuracy:.1%}, abstention {outcome.abstention:.1%} (utility "
        f"{outcome.utility:g}); threshold {calibration.threshold:g}, {calibration.tuning}"
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The shipped answer model: current with the content, needs no scikit-learn, reproducible."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from bot.qa import answers
from bot.qa.calibration import FEATURES, NONE, Calibration
from bot.qa.content import load_content
from bot.qa.evaluation import load_eval_set
from bot.qa.model import META_PATH, MODEL_PATH, RECIPE, content_hash, lexicon_hash, load_model

ROOT = Path(__file__).resolve().parents[2]
RETRAIN = "python -m bot.qa.train"


def test_the_shipped_model_is_current_with_the_content() -> None:
    model = load_model()
    assert model is not None, f"{MODEL_PATH} is missing: run `{RETRAIN}`"
    assert model.meta["recipe"] == RECIPE
    assert model.meta["content_hash"] == content_hash(load_content()), (
        f"content/snippets.toml changed since the answer model was trained: run `{RETRAIN}` "
        "and commit bot/qa/answer_model.json.gz and answer_model.meta.json"
    )
    assert model.meta["lexicon_hash"] == lexicon_hash(), (
        f"bot/qa/lexicon.py changed since the answer model was trained: run `{RETRAIN}`"
    )


def test_the_model_knows_every_snippet_and_nothing_else() -> None:
    model = load_model()
    assert model is not None
    ids = {s.id for s in load_content().snippets}
    assert set(model.labels) == ids | {NONE}


def test_the_readable_metadata_is_the_models_own() -> None:
    model = load_model()
    assert model is not None
    assert json.loads(META_PATH.read_text(encoding="utf-8")) == json.loads(json.dumps(model.meta))
    assert model.meta["features"] == list(FEATURES)


def test_the_bot_answers_with_the_shipped_calibration() -> None:
    model = load_model()
    assert model is not None
    answers.load()
    assert answers.engine().calibration == Calibration.from_json(model.meta["calibration"])


def test_the_model_is_small() -> None:
    # Dense float32 weights, one row per feature: about 300 bytes a feature with 75 labels in
    # memory, a little less gzipped. 2.5 MB until 2026-12-07, when the examples doubled (5,812
    # training texts, 15,652 features: 4.7 MB in memory); it must not grow unnoticed.
    assert MODEL_PATH.stat().st_size < 4_500_000


def test_answering_never_imports_scikit_learn() -> None:
    script = (
        "import sys; from bot.qa import answer, warm_up; warm_up(); answer('booze ok?'); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'numpy'))"
        "; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def test_out_of_scope_training_questions_copy_no_evaluation_question() -> None:
    data = tomllib.loads((ROOT / "bot" / "qa" / "out_of_scope.toml").read_text("utf-8"))

    def fold(text: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())

    negatives = {fold(q) for q in data["questions"]}
    dev = load_eval_set(ROOT / "tests" / "data" / "qa_eval.toml")
    dev = dev + load_eval_set(ROOT / "tests" / "data" / "qa_eval_es.toml")
    assert not negatives & {fold(q.text) for q in (*dev.answerable, *dev.unknown)}
    examples = {fold(e) for s in load_content().snippets for e in (*s.examples, *s.examples_es)}
    assert not negatives & examples


# --------------------------------------------------------------------------------------------
# Training, on a small content file of its own (needs the `train` extra: scikit-learn)
# --------------------------------------------------------------------------------------------

SMALL_CONTENT = """
[sources.label]
name = "A label"
kind = "fda-label"
url = "https://example.org/label"

[[snippet]]
id = "drinking"
title = "Drinking alcohol"
source = "label"
facts = ["F036"]
text = "Naltrexone does not make you sick when you drink."
keywords = ["alcohol", "drink", "beer"]
examples = ["can i drink beer", "is wine ok", "booze on my pills", "a drink at the party",
            "will alcohol make me sick", "drinking tonight ok"]
examples_es = ["puedo tomar cerveza", "alcohol con la pastilla", "puedo beber vino",
               "unas chelas con el shot"]
reviewed_by = ""
reviewed_on = ""
reviewed_hash = ""

[[snippet]]
id = "shot-site"
title = "Where the shot was given"
source = "label"
facts = ["F083"]
text = "Soreness where the shot was given is common."
keywords = ["sore", "injection site", "lump"]
examples = ["my butt hurts after the shot", "lump where i got the injection", "red itchy spot",
            "sore after vivitrol", "bruise from the jab", "swollen injection area"]
examples_es = ["me duele la nalga", "tengo un bulto donde me inyectaron", "la nalga roja",
               "moreton del shot"]
reviewed_by = ""
reviewed_on = ""
reviewed_hash = ""

[[snippet]]
id = "missed"
title = "A missed dose"
source = "label"
facts = ["F071"]
always_with = ["drinking"]
text = "If you missed a dose, ask your care team what to do."
keywords = ["missed", "forgot", "skip"]
examples = ["forgot my pill", "missed my dose yesterday", "skipped a day", "i forgot to take it",
            "missed the appointment", "what if i miss one"]
examples_es = ["se me olvido la pastilla", "no tome la dosis", "dosis olvidada ayer",
               "perdi mi pastilla"]
reviewed_by = ""
reviewed_on = ""
reviewed_hash = ""
"""

SMALL_DEV = """
[[answerable]]
q = "beer ok on naltrexone?"
expect = "drinking"

[[answerable]]
q = "the injection spot is sore"
expect = "shot-site"

[[answerable]]
q = "i forgot a pill"
expect = "missed"

[[unknown]]
q = "how do i lower my cholesterol"
category = "general-health"

[[unknown]]
q = "what's the weather like"
category = "small-talk"
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    pytest.importorskip("sklearn")
    from bot.qa import train

    folder = tmp_path_factory.mktemp("train")
    content = folder / "snippets.toml"
    content.write_text(textwrap.dedent(SMALL_CONTENT), encoding="utf-8")
    dev = folder / "dev.toml"
    dev.write_text(SMALL_DEV, encoding="utf-8")
    # Same file name in two folders: gzip records the name, and the shipped one never changes.
    first, second = folder / "a" / "model.json.gz", folder / "b" / "model.json.gz"
    for out in (first, second):
        args = ["--content", str(content), "--dev", str(dev), "--out", str(out), "--c", "4"]
        assert train.main(args) == 0
    return content, first, second


def test_training_is_reproducible_byte_for_byte(trained: tuple[Path, Path, Path]) -> None:
    _, first, second = trained
    assert first.read_bytes() == second.read_bytes()


def test_a_trained_model_records_its_content_and_answers(
    trained: tuple[Path, Path, Path],
) -> None:
    content_path, model_path, _ = trained
    model = load_model(model_path)
    assert model is not None
    content = load_content(content_path)
    assert model.meta["content_hash"] == content_hash(content)
    assert set(model.labels) == {"drinking", "shot-site", "missed", NONE}
    assert model_path.with_name("model.meta.json").is_file()
    try:
        answers.load(content_path, model_path=model_path)
        result = answers.answer("can i have a beer")
        assert [h.id for h in result.snippets][:1] == ["drinking"]
        # always_with: the missed-dose answer always brings its companion along.
        missed = answers.answer("i forgot to take my pill")
        assert [h.id for h in missed.snippets] == ["missed", "drinking"]
    finally:
        answers.load()


def test_training_refuses_the_held_out_set() -> None:
    pytest.importorskip("sklearn")
    from bot.qa import train

    with pytest.raises(SystemExit):
        train.main(["--dev", str(ROOT / "tests" / "data" / "sealed" / "qa_heldout.toml")])

"""The shipped answer model: where it lives, what it was trained on, and whether it is current.

``python -m bot.qa.train`` (bot/qa/train.py, needs the ``train`` extra) fits a linear classifier
over the snippets' example questions, calibrates the answer thresholds on the development set and
writes ``bot/qa/answer_model.json.gz``. Its metadata records hashes of what it was trained on (the
shared content and the lexicon), so a test fails when either changed since (the editor retrains),
and the calibrated thresholds, so the bot answers exactly as calibrated. A readable copy of the
metadata sits beside it (``answer_model.meta.json``) for review in diffs.

Inference needs only the standard library (bot/ml/linear.py); scikit-learn is never imported here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

from bot.ml.linear import LinearModel, ModelFileError
from bot.qa import lexicon
from bot.qa.content import Content

__all__ = [
    "META_PATH",
    "MODEL_PATH",
    "RECIPE",
    "content_hash",
    "lexicon_hash",
    "load_model",
    "write_meta",
]

MODEL_PATH: Final = Path(__file__).with_name("answer_model.json.gz")
META_PATH: Final = Path(__file__).with_name("answer_model.meta.json")
# Bumped when what the model reads or how it is trained changes (bot/qa/train.py).
RECIPE: Final = "answer-model/1"


def content_hash(content: Content) -> str:
    """SHA-256 of everything in the shared content that changes what the bot answers.

    Ids, titles, texts, keywords, example questions, the other medicines named, companions,
    facts and kinds: the model reads some and the calibration depends on the rest. Sources,
    comments and the review fields are left out, so a clinician's sign-off needs no retraining.
    """
    data = [
        {
            "id": s.id,
            "title": s.title,
            "text": s.text,
            "keywords": list(s.keywords),
            "examples": list(getattr(s, "examples", ())),
            "examples_es": list(getattr(s, "examples_es", ())),
            "mentions": list(s.mentions),
            "always_with": list(getattr(s, "always_with", ())),
            "facts": list(getattr(s, "facts", ())),
            "kind": getattr(s, "kind", "answer"),
        }
        for s in content.snippets
    ]
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def lexicon_hash() -> str:
    """SHA-256 of the lexicon's data (not its comments): the words the model reads come from it."""
    data = {
        name: _plain(getattr(lexicon, name)) for name in sorted(lexicon.__all__) if name.isupper()
    }
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def load_model(path: Path | None = None) -> LinearModel | None:
    """The shipped model, or None when there is no file (the bot then answers without it).

    A file that exists but cannot be read raises :class:`~bot.ml.linear.ModelFileError`: that is
    a broken deployment, to be seen at start-up.
    """
    path = path or MODEL_PATH
    if not path.is_file():
        return None
    model = LinearModel.load(path)
    if model.meta.get("recipe") != RECIPE:
        raise ModelFileError(f"{path}: trained by another recipe ({model.meta.get('recipe')!r})")
    return model


def write_meta(meta: dict[str, Any], path: Path | None = None) -> None:
    text = json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (path or META_PATH).write_text(text, encoding="utf-8")

"""The safety net's layers and how they combine: rules, check rules, the learned model, language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.triage import CrisisKind
from bot.ml.linear import LinearModel
from bot.safety import model as safety_model
from bot.safety import net
from bot.safety.check_rules import check_rule
from bot.safety.language import detect
from bot.safety.net import Tier, assess
from bot.safety.texts import check_prompt, parse_tap, tap_data


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("quiero morir", "es"),
        ("ya no aguanto mas", "es"),
        ("me tomé todas mis pastillas", "es"),
        ("i want to die", "en"),
        ("can i drink on naltrexone", "en"),
        ("kms", "en"),
        ("AYUDA por favor", "es"),
    ],
)
def test_language_of_the_message(text: str, lang: str) -> None:
    assert detect(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "i feel so hopeless",
        "whats the point honestly",
        "nobody needs me",
        "ive been saving up my pills",
        "thanks for everything, you wont hear from me again",
        "ya no puedo más",
        "para qué seguir",
        "adiós para siempre",
        "help me please",
        "emergency",
        "auxilio",
        "ya tengo la pistola",
        "este es mi último mensaje",
    ],
)
def test_ambiguous_risk_signals_are_checks(text: str) -> None:
    assert check_rule(text) is not None
    verdict = assess(text)
    assert verdict.tier in (Tier.CHECK, Tier.CRISIS)


@pytest.mark.parametrize(
    "text",
    [
        "whats the point of the shot if i still crave",
        "i give up on this app, it never loads",
        "had a good day at work",
        "thanks for everything, see you thursday",
        "tengo una navaja para el trabajo",
        "can you help me change my reminder time",
        "who is my emergency contact",
    ],
)
def test_everyday_messages_are_not_checks(text: str) -> None:
    assert check_rule(text) is None


def _model(crisis_weight: float) -> LinearModel:
    """A tiny model: the word "zorblax" is a crisis, "glimmer" a check, anything else none."""
    from array import array

    labels = ("check", "medical_emergency", "none", "overdose_emergency", "poisoning")
    labels += ("suicide_self_harm", "use_in_progress")
    index = {"w:zorblax": 0, "w:glimmer": 1}
    weights = array("f", [0.0] * 14)
    weights[0 * 7 + labels.index("suicide_self_harm")] = crisis_weight
    weights[1 * 7 + labels.index("check")] = crisis_weight
    bias = tuple(2.0 if label == "none" else 0.0 for label in labels)
    meta = {"thresholds": {"crisis": 0.5, "check": 0.5}}
    return LinearModel(labels, bias, index, weights, meta)


def test_the_model_alone_is_enough_for_a_crisis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety_model, "_model", _model(40.0))
    verdict = assess("zorblax is all i think about")
    assert (verdict.tier, verdict.kind, verdict.rule) == (
        Tier.CRISIS,
        CrisisKind.SUICIDE_SELF_HARM,
        "model",
    )
    assert assess("there is a glimmer in me today").tier is Tier.CHECK
    assert assess("hello there how are you").tier is None
    # One or two words give the model nothing to read: short messages are the rules' alone.
    assert assess("zorblax").tier is None
    # The rules still win on what they know, with their own explainable rule id.
    assert assess("i want to die").rule == "ssh.want_die"


def test_a_crisis_inside_a_long_message_is_not_diluted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety_model, "_model", _model(40.0))
    day = "Work was long and the bus was late again and my dog needed a walk. " * 12
    assert assess(day + "zorblax. " + day).tier is Tier.CRISIS
    no_punctuation = ("work was long and the bus was late " * 20) + "zorblax " + ("ok " * 80)
    assert assess(no_punctuation).tier is Tier.CRISIS


def test_a_broken_model_leaves_the_rules_in_charge(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(text: str, model: object = None) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(safety_model, "predict", broken)
    monkeypatch.setattr(net, "_model_failed", False)
    assert assess("i want to kill myself").kind is CrisisKind.SUICIDE_SELF_HARM
    assert assess("i feel so hopeless").tier is Tier.CHECK
    assert assess("what are the side effects").tier is None
    assert "safety model unavailable" in caplog.text
    assert "kill" not in caplog.text


def test_the_shipped_model_loads_and_knows_every_kind() -> None:
    loaded = safety_model.load()
    assert set(loaded.labels) == {"none", "check", *safety_model.CRISIS_LABELS}
    thresholds = loaded.meta["thresholds"]
    assert all(0 < thresholds[name] < 1 for name in ("crisis", "check", "weak"))


def test_a_model_file_of_other_features_is_refused(tmp_path: Path) -> None:
    """A file trained on another version of the features would read every message wrongly, and
    quietly: it is refused at load, which stops the bot at start-up."""
    shipped = safety_model.load()
    try:
        meta = {**shipped.meta, "feature_set": "words+concepts/1"}
        old = LinearModel(shipped.labels, shipped.bias, shipped.index, shipped.weights, meta)
        old.save(tmp_path / "old.json.gz")
        with pytest.raises(ValueError, match="retrain"):
            safety_model.load(tmp_path / "old.json.gz")
    finally:
        safety_model.load()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_check_prompt_names_the_numbers_and_offers_three_taps(lang: str) -> None:
    prompt = check_prompt(lang, 42)
    assert "911" in prompt.text and "988" in prompt.text
    data = [button.data for row in prompt.buttons for button in row]
    assert data == ["sc:42:safe", "sc:42:help", "sc:42:team"]
    assert all(len(d.encode()) <= 64 for d in data)
    assert check_prompt(lang, None).buttons == ()


def test_check_taps_parse_strictly() -> None:
    assert parse_tap(tap_data(7, "help")) == (7, "help")
    for forged in ("sc:7:other", "sc:x:help", "sc:0:safe", "sc:7", "sc:٧:help", "xx:7:help"):
        assert parse_tap(forged) is None


def test_the_shipped_model_was_trained_on_this_corpus() -> None:
    """Editing bot/safety/corpus/ means retraining (python -m bot.safety.train)."""
    from bot.safety import corpus
    from bot.safety.train import corpus_digest

    meta = safety_model.load().meta
    assert meta["corpus"] == corpus_digest(corpus.generate(meta["seed"]))


def test_the_shipped_model_was_trained_with_this_vocabulary() -> None:
    """Editing bot/safety/concepts.toml means retraining too: the model reads its groups."""
    from bot.safety.concepts import lexicon_digest

    meta = safety_model.load().meta
    assert meta["feature_set"] == safety_model.CONCEPT_FEATURES
    assert meta["concepts"] == lexicon_digest()


def test_ask_reports_the_check_tier_and_answers_spanish_crises_in_spanish() -> None:
    from bot.ask_cli import ask

    check = ask("i feel so hopeless lately")
    assert check["kind"] == "check" and "are you safe right now?" in check["text"]
    assert check["snippets"] == []
    crisis = ask("ya no quiero vivir")
    assert crisis["kind"] == "crisis" and "988" in crisis["text"]
    assert "marque 2 o escriba AYUDA" in crisis["text"] and "ya sabe" not in crisis["text"]


def _short_patient_texts() -> list[str]:
    """The bot's own short patient-facing texts in both languages that are not sentences (no
    closing full stop): button labels, example answers ("08:00 and 20:00"), choices. A patient
    types them back, or copies them."""
    from babel.messages.pofile import read_po

    from bot.i18n.catalog import locales_dir

    found: set[str] = set()
    for po in sorted((locales_dir() / "es" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                found.update(
                    t for t in (*ids, *strings) if t and len(t) <= 60 and not t.endswith(".")
                )
    return sorted(found)


def test_the_bots_own_words_typed_back_are_never_a_crisis() -> None:
    # Found when the time prompt's own example, "08:00 and 20:00", and the pause button "hasta
    # que lo reanude" were read as crises by the model: a patient answering a question in the
    # bot's words must not get crisis lines instead of the next step.
    texts = _short_patient_texts()
    assert len(texts) > 300
    crises = [text for text in texts if assess(text).is_crisis]
    assert crises == []


@pytest.mark.parametrize(
    "text",
    ["take me off this list", "I want off this list", "quiero darme de baja", "borren mi número"],
)
def test_asking_to_stop_the_messages_is_not_a_crisis(text: str) -> None:
    # By text these are common; they read as a crisis until 2026-12-08 (crisis lines to someone
    # who asked to be left alone).
    assert assess(text).tier is not Tier.CRISIS


@pytest.mark.parametrize(
    "text", ["should I call 911?", "should i call 911", "debo llamar al 911?", "do we call 911?"]
)
def test_asking_whether_to_call_911_gets_the_crisis_reply(text: str) -> None:
    # The crisis reply answers the question (call now). "should I call 911?" got only the check
    # until 2026-12-08: the model scored the bare question under the veto cut.
    assert assess(text).tier is Tier.CRISIS

"""The safety model's vocabulary (bot/safety/concepts.py): groups shared by both languages."""

from __future__ import annotations

import tomllib

import pytest

from bot.ml.features import features, tokens
from bot.safety.concepts import CONCEPTS_PATH, concept_features, crisis_features


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("I swallowed every pill I had", "me tragué todas las pastillas que tenía"),
        ("my friend is not breathing, lips blue", "mi amigo no respira, labios morados"),
        (
            "going to end it tonight, the rope is ready",
            "voy a acabar con todo esta noche, la soga está lista",
        ),
    ],
)
def test_the_same_message_in_either_language_shares_its_groups(english: str, spanish: str) -> None:
    shared = concept_features(english) & concept_features(spanish)
    groups = {f for f in shared if f.startswith("c:")}
    assert len(groups) >= 3, (sorted(concept_features(english)), sorted(concept_features(spanish)))
    assert any(f.startswith("cc:") for f in shared)


def test_order_within_a_clause_is_kept_and_clauses_are_separate() -> None:
    together = concept_features("took all my pills")
    assert "cc:ingest>amount" in together
    apart = concept_features("took the dog out. all good")
    assert "cc:ingest>amount" not in apart


def test_a_group_under_a_negation_is_marked_and_accents_do_not_matter() -> None:
    assert "cn:death" in concept_features("no quiero morir")
    assert "cn:death" in concept_features("No quiero morír")
    assert "cn:death" not in concept_features("quiero morir")
    assert "cn:death" in concept_features("I don't want to die")
    # Only negated: "I'm not high" says nothing of being high (the model had read both).
    assert "c:death" not in concept_features("I don't want to die")
    assert "c:intoxicated" not in concept_features("I'm not high, I'm just sleepy")
    assert "c:intoxicated" in concept_features("I'm so high right now")
    # A phrase that starts with a negation is not a denial.
    assert "cn:body" not in concept_features("mi amigo no respira")


def test_a_question_mark_is_a_question() -> None:
    assert "c:asks" in concept_features("¿qué hago si alguien tiene una sobredosis?")
    assert "c:asks" not in concept_features("i took too much")


def test_the_model_reads_the_words_as_well_as_the_groups() -> None:
    text = "me tomé todas las pastillas"
    assert features(text) <= crisis_features(text)
    assert concept_features(text) <= crisis_features(text)


def test_every_entry_of_the_vocabulary_reads_as_words() -> None:
    groups = tomllib.loads(CONCEPTS_PATH.read_text(encoding="utf-8"))["concepts"]
    assert len(groups) >= 15
    for name, entries in groups.items():
        assert entries, name
        for entry in entries:
            assert tokens(entry.rstrip("*")), (name, entry)
            # A prefix shorter than three letters would swallow unrelated words.
            if entry.endswith("*"):
                assert len(entry.rstrip("*")) >= 3, (name, entry)

"""Inbound SMS keywords: the whole body is the keyword, or it is a person talking."""

from __future__ import annotations

import dataclasses
from typing import Literal

import pytest

from bot.sms.keywords import (
    HELP,
    OPT_IN,
    OPT_OUT,
    Inbound,
    InboundKind,
    asks_to_stop,
    classify,
)


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", "Stop", " STOP ", "STOP.", "Stop!", "stop!!!", "STOP\n", "¡STOP!", "ＳＴＯＰ"],
)
def test_stop_however_it_is_typed(body: str) -> None:
    assert classify(body) == Inbound(InboundKind.OPT_OUT, keyword="STOP", language="en")


@pytest.mark.parametrize(
    "word", ["STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
)
def test_every_english_opt_out_word(word: str) -> None:
    for body in (word, word.lower(), word.capitalize() + "."):
        assert classify(body) == Inbound(InboundKind.OPT_OUT, keyword=word, language="en")


@pytest.mark.parametrize("body", ["PARAR", "parar", "Parar.", "¡Parar!"])
def test_parar_opts_out_in_spanish(body: str) -> None:
    assert classify(body) == Inbound(InboundKind.OPT_OUT, keyword="PARAR", language="es")


@pytest.mark.parametrize(
    "body",
    [
        "stop texting me about beer",
        "please stop",
        "STOP ALL",
        "I want to quit drinking",
        "end of the week was hard",
        "Can I cancel my appointment?",
        "stopped",
        "stops",
        "S T O P",
    ],
)
def test_a_keyword_inside_a_sentence_is_free_text(body: str) -> None:
    assert classify(body) == Inbound(InboundKind.TEXT)


@pytest.mark.parametrize(("body", "word"), [("START", "START"), ("unstop", "UNSTOP")])
def test_opt_in_words(body: str, word: str) -> None:
    assert classify(body) == Inbound(InboundKind.OPT_IN, keyword=word, language="en")


@pytest.mark.parametrize("body", ["YES", "yes", "Yes!", "y", "si", "sí"])
def test_yes_is_an_answer_not_an_opt_in(body: str) -> None:
    # Check-ins and reminders ask questions a patient answers "yes" to.
    assert classify(body).kind is InboundKind.TEXT
    assert "YES" not in OPT_IN


@pytest.mark.parametrize(
    ("body", "word", "language"),
    [
        ("HELP", "HELP", "en"),
        ("help?", "HELP", "en"),
        ("Info", "INFO", "en"),
        ("AYUDA", "AYUDA", "es"),
        ("¡Ayuda!", "AYUDA", "es"),
        ("¿ayuda?", "AYUDA", "es"),
    ],
)
def test_help_words_and_their_language(body: str, word: str, language: Literal["en", "es"]) -> None:
    assert classify(body) == Inbound(InboundKind.HELP, keyword=word, language=language)


def test_help_in_a_sentence_is_free_text() -> None:
    # Someone asking for help in words goes to the safety net and the care team, not to the
    # canned HELP reply.
    assert classify("help me please").kind is InboundKind.TEXT
    assert classify("necesito ayuda").kind is InboundKind.TEXT


@pytest.mark.parametrize(
    ("body", "number"),
    [
        ("1", 1),
        ("1.", 1),
        (" 2 ", 2),
        ("#3", 3),
        ("# 3", 3),
        ("4)", 4),
        ("5!", 5),
        ("9\n", 9),
        ("６", 6),  # full-width
        ("7\ufe0f\u20e3", 7),  # keycap emoji 7️⃣
    ],
)
def test_numbered_replies(body: str, number: int) -> None:
    assert classify(body) == Inbound(InboundKind.NUMBER, number=number)


@pytest.mark.parametrize("body", ["0", "10", "12", "1 2", "1,2", "-1", "1.5", "one", "#"])
def test_anything_else_that_looks_numeric_is_free_text(body: str) -> None:
    assert classify(body) == Inbound(InboundKind.TEXT)


@pytest.mark.parametrize("body", ["", "   ", "...", "!!", "¿?"])
def test_empty_or_only_punctuation_is_free_text(body: str) -> None:
    assert classify(body).kind is InboundKind.TEXT


def test_free_text_carries_no_keyword_number_or_language() -> None:
    result = classify("I took it this morning, thanks")
    assert (result.keyword, result.number, result.language) == (None, None, None)


def test_the_result_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        classify("STOP").kind = InboundKind.TEXT  # type: ignore[misc]


def test_the_keyword_lists_do_not_overlap_and_cannot_be_changed() -> None:
    assert not set(OPT_OUT) & set(OPT_IN)
    assert not set(OPT_OUT) & set(HELP)
    assert not set(OPT_IN) & set(HELP)
    with pytest.raises(TypeError):
        OPT_OUT["STAHP"] = "en"  # type: ignore[index]


def test_every_listed_word_is_recognised() -> None:
    for words, kind in ((OPT_OUT, InboundKind.OPT_OUT), (OPT_IN, InboundKind.OPT_IN)):
        for word, language in words.items():
            assert classify(word) == Inbound(kind, keyword=word, language=language)
    for word, language in HELP.items():
        assert classify(word) == Inbound(InboundKind.HELP, keyword=word, language=language)


# Requests to stop in words ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "stop texting me about beer",
        "Please stop sending me these messages",
        "take me off this list",
        "remove my number from your list",
        "I don't want these texts anymore",
        "no more reminders please",
        "unsubscribe me",
        "wrong number",
        "ya no me manden mensajes",
        "Deje de escribirme por favor",
        "sáquenme de esta lista",
        "quiero darme de baja",
        "no quiero recibir más mensajes",
        "basta de mensajes",
    ],
)
def test_a_request_to_stop_in_words_is_recognised(body: str) -> None:
    assert asks_to_stop(body)


@pytest.mark.parametrize(
    "body",
    [
        "STOP",  # the keyword itself: classify() takes it
        "PARAR",
        "leave me alone",
        "I want to stop drinking",
        "I can't stop using",
        "I don't want to live anymore",
        "ya no quiero nada",
        "deja de tomar",
        "what time should I take my pill",
        "thanks for the reminder",
    ],
)
def test_other_texts_are_not_requests_to_stop(body: str) -> None:
    assert not asks_to_stop(body)

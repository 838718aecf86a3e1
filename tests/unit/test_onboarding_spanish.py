"""Onboarding in Spanish, and answers in either language: the state machine on its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import onboarding
from bot.domain.checkins import Frequency
from bot.domain.onboarding import Draft, Step
from bot.domain.schedules import PlanKind

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CONSENT = {"en": "Is that okay with you?", "es": "¿Está de acuerdo?"}


def begin(language: str = "es") -> Draft:
    outcome = onboarding.start(1, "Clínica Norte", "v1", CONSENT, language=language)
    assert outcome.draft is not None
    return outcome.draft


def walk(*answers: str, language: str = "es") -> onboarding.Outcome:
    outcome = onboarding.Outcome(begin(language))
    for answer in answers:
        assert outcome.draft is not None, f"conversation ended before {answer!r}"
        outcome = onboarding.answer(outcome.draft, answer, NOW, CONSENT)
        assert outcome.accepted, [r.text for r in outcome.replies]
    return outcome


@pytest.mark.parametrize(
    ("client", "expected"),
    [("es", "es"), ("es-MX", "es"), ("ES_us", "es"), ("en-GB", "en"), ("fr", "en"), ("", "en")],
)
def test_set_up_starts_in_the_client_language_we_speak_else_english(
    client: str, expected: str
) -> None:
    outcome = onboarding.start(1, "Northside", "v1", CONSENT, language=client)
    assert outcome.draft is not None and outcome.draft.language == expected
    welcome, consent = outcome.replies
    assert consent.text == CONSENT[expected]
    # The welcome offers the other language, named in itself.
    [[offer]] = welcome.buttons
    assert offer.label == ("English" if expected == "es" else "Español")
    assert offer.data == ("lang:en" if expected == "es" else "lang:es")


def test_spanish_welcome_and_consent_buttons() -> None:
    welcome, consent = onboarding.start(1, "Clínica Norte", "v1", CONSENT, language="es").replies
    assert "¡Hola!" in welcome.text and "988" in welcome.text and "AYUDA" in welcome.text
    assert [b.label for b in consent.buttons[0]] == ["Acepto", "No, gracias"]
    assert [b.data for b in consent.buttons[0]] == ["yes", "no"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sí", True),
        ("si", True),
        ("Sí, de acuerdo", True),
        ("claro que sí", True),
        ("está bien", True),
        ("esta bien", True),
        ("¡Sí!", True),
        ("acepto", True),
        ("no", False),
        ("No, gracias", False),
        ("no estoy de acuerdo", False),
        ("no acepto", False),
        ("sí y no", None),
        ("tal vez", None),
        ("yes", True),
        ("ok, sí", True),
    ],
)
def test_yes_no_in_spanish_with_or_without_accents(text: str, expected: bool | None) -> None:
    assert onboarding.yes_no(text) is expected


def test_a_whole_spanish_set_up_typed_without_accents() -> None:
    outcome = walk(
        "si",
        "Chicago",
        "si",
        "inyeccion",
        "3 de diciembre",
        "9 de la manana",
        "semanal",
        "7 de la noche",
        "si",
    )
    assert outcome.draft is None and outcome.completed is not None
    assert outcome.completed.kind is PlanKind.MONTHLY_INJECTION
    assert [t.strftime("%H:%M") for t in outcome.completed.times] == ["09:00"]
    assert str(outcome.completed.injection_date) == "2026-12-03"
    assert "Todo listo" in outcome.replies[0].text


def test_a_whole_spanish_set_up_with_accents_and_a_weekly_plan() -> None:
    outcome = walk(
        "Sí",
        "Denver",
        "sí",
        "semanal",
        "100/100/150 mg lun/mié/vie",
        "8 de la mañana",
        "diario",
        "mediodía",
    )
    draft = outcome.draft
    assert draft is not None and draft.step is Step.CONFIRM
    assert draft.regimen == ((1, 100), (3, 100), (5, 150))
    assert draft.times == ("08:00",) and draft.checkin_time == "12:00"
    assert draft.checkin is Frequency.DAILY


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("diario", PlanKind.DAILY),
        ("Tableta diaria", PlanKind.DAILY),
        ("pastillas", PlanKind.DAILY),
        ("semanal", PlanKind.WEEKLY),
        ("Algunos días cada semana", PlanKind.WEEKLY),
        ("inyección", PlanKind.MONTHLY_INJECTION),
        ("Inyeccion mensual", PlanKind.MONTHLY_INJECTION),
        ("daily", PlanKind.DAILY),
    ],
)
def test_plan_kinds_in_either_language(typed: str, kind: PlanKind) -> None:
    draft = walk("sí", "Chicago", "sí", typed).draft
    assert draft is not None and draft.kind is kind


def test_mixed_english_and_spanish_answers() -> None:
    # An English set-up answered partly in Spanish, and the other way round.
    english = walk("sí", "Chicago", "yes", "diario", "8 pm", "no", "looks good", language="en")
    assert english.completed is not None and english.replies[0].text.startswith("You're all set")
    spanish = walk("yes", "Chicago", "si", "daily", "8:30pm y 9 de la mañana", "weekly", "7pm")
    draft = spanish.draft
    assert draft is not None and draft.times == ("09:00", "20:30")
    assert "¿Es correcto?" in spanish.replies[0].text


def test_spanish_errors_say_how_to_answer_in_spanish() -> None:
    draft = walk("sí", "Chicago", "sí", "diario").draft
    assert draft is not None
    outcome = onboarding.answer(draft, "cuando pueda", NOW, CONSENT)
    assert not outcome.accepted
    assert "No pude entender" in outcome.replies[0].text
    assert "¿A qué hora" in outcome.replies[1].text
    draft = walk("sí", "Chicago", "sí").draft
    assert draft is not None
    outcome = onboarding.answer(draft, "no sé", NOW, CONSENT)
    assert not outcome.accepted and "diario, semanal o inyección" in outcome.replies[0].text


def test_typing_a_language_switches_at_any_step_and_keeps_the_answers() -> None:
    draft = walk("yes", "Chicago", "yes", language="en").draft
    assert draft is not None and draft.language == "en"
    outcome = onboarding.answer(draft, "Español", NOW, CONSENT)
    assert outcome.draft is not None and outcome.draft.language == "es"
    assert outcome.draft.step is Step.PLAN_KIND and outcome.draft.zone == "America/Chicago"
    said, question = outcome.replies
    assert "español" in said.text and question.text == "¿Cómo toma su medicamento?"
    back = onboarding.answer(outcome.draft, "english", NOW, CONSENT)
    assert back.draft is not None and back.draft.language == "en"
    assert back.replies[1].text == "How do you take your medication?"


def test_switching_at_the_first_step_says_the_welcome_again() -> None:
    draft = begin("en")
    outcome = onboarding.switch_language(draft, "es", NOW, CONSENT)
    assert outcome.draft is not None and outcome.draft.step is Step.CONSENT
    welcome, consent = outcome.replies
    assert "¡Hola!" in welcome.text and consent.text == CONSENT["es"]


@pytest.mark.parametrize(
    ("typed", "lang"),
    [
        ("español", "es"),
        ("Espanol", "es"),
        ("spanish", "es"),
        ("en español", "es"),
        ("inglés", "en"),
        ("ingles", "en"),
        ("English", "en"),
        ("I speak Spanish", None),
        ("Chicago", None),
    ],
)
def test_language_names_typed_on_their_own(typed: str, lang: str | None) -> None:
    assert onboarding.language_asked(typed) == lang


def test_the_language_round_trips_through_json_and_unknown_ones_become_english() -> None:
    draft = walk("sí", "Chicago").draft
    assert draft is not None
    assert Draft.from_json(draft.step, draft.to_json()) == draft
    assert Draft.from_json(draft.step, {**draft.to_json(), "language": "fr"}).language == "en"
    old = draft.to_json()
    del old["language"]  # a draft stored before languages
    assert Draft.from_json(draft.step, old).language == "en"


def test_spanish_buttons_carry_the_same_data_as_english_ones() -> None:
    """Labels are translated, the data (what typing would send) is not."""
    for answers in ((), ("sí",), ("sí", "Chicago"), ("sí", "Chicago", "sí")):
        spanish = walk(*answers).draft
        english = walk(*answers, language="en").draft
        assert spanish is not None and english is not None
        es = onboarding.prompt(spanish, NOW, CONSENT)
        en = onboarding.prompt(english, NOW, CONSENT)
        assert [[b.data for b in row] for row in es.buttons] == [
            [b.data for b in row] for row in en.buttons
        ]
        for row in es.buttons:
            for button in row:
                assert onboarding.answer(spanish, button.data, NOW, CONSENT).accepted, button


def test_restart_and_check_in_answers_in_spanish() -> None:
    restarted = walk("sí", "Chicago", "sí", "diario", "08:00", "sin preguntas", "empezar de nuevo")
    assert restarted.draft is not None and restarted.draft.step is Step.ZONE
    assert restarted.replies[0].text == "No hay problema, repasémoslo otra vez."
    weekly = walk("sí", "Chicago", "sí", "diario", "08:00", "Semanal (recomendado)").draft
    assert weekly is not None and weekly.step is Step.CHECKIN_TIME

"""Every safety text the bot sends, checked against the key points of ../shared/clinical-facts.md.

Naltrexone is an antagonist (F001, E1); a missed injection is given as soon as possible, not at
the next planned date (F071, F073); nothing ever suggests overcoming the block (F043, F044); the
overdose risk after a missed dose or stopping is named with naloxone and 911 (F046, F049-F057);
medicines other than opioids go to Poison Control as well as 911 (F155-F158).
"""

from __future__ import annotations

import re

import pytest

from bot.domain import reminders
from bot.domain.triage import LANGUAGES, CrisisKind, crisis_reply
from bot.safety import texts as check_texts

_ALL_REPLIES = [
    crisis_reply(kind, care_team_told=told, lang=lang)
    for kind in CrisisKind
    for told in (True, False)
    for lang in LANGUAGES
]
_MISSED = [reminders.MISSED_TABLET_SAFETY, reminders.MISSED_INJECTION_SAFETY]
_CHECK = [
    text
    for lang in LANGUAGES
    for text in (
        check_texts.check_prompt(lang, None).text,
        check_texts.safe_reply(lang),
        check_texts.team_reply(lang),
    )
]
SAFETY_TEXTS = _ALL_REPLIES + _MISSED + _CHECK

# Phrases that would contradict the facts file, in either language.
_CONTRADICTIONS = [
    r"(?<!ant)agonist",
    r"\bagonista\b",
    r"wait (?:for|until) (?:the|your) next (?:injection|shot)",
    r"pick up again with (?:the|your) next",
    r"esper\w+ (?:a )?la (?:próxima|siguiente) inyecci",
    # Any advice to take more, or to get past the block, that is not itself a "never".
    r"(?<!never try to )(?<!never )(?:overcome|override|get past|beat) the (?:naltrexone )?block",
    r"(?<!nunca intente )(?<!nunca intentes )vencer el bloqueo",
    r"\btake (?:a )?(?:larger|bigger|more) (?:dose|amount)s? of (?:opioids|heroin|fent)",
]


@pytest.mark.parametrize("text", SAFETY_TEXTS)
def test_no_safety_text_contradicts_the_facts(text: str) -> None:
    for pattern in _CONTRADICTIONS:
        assert not re.search(pattern, text, re.IGNORECASE), (pattern, text[:80])


@pytest.mark.parametrize("text", _ALL_REPLIES)
def test_every_crisis_reply_names_911_or_988(text: str) -> None:
    assert "911" in text or "988" in text


def test_the_blockade_warning_is_a_never() -> None:
    for lang, words in (("en", "never try to overcome"), ("es", "nunca intente vencer")):
        reply = crisis_reply(CrisisKind.USE_IN_PROGRESS, lang=lang).lower()
        assert words in reply


def test_missed_injection_note_follows_the_label() -> None:
    note = reminders.missed_dose_safety("monthly_injection")
    assert note is reminders.MISSED_INJECTION_SAFETY
    assert "as soon as possible" in note and "call your clinic" in note
    assert "don't wait for the next planned date" in note
    assert "used any opioids since your last injection, tell the team" in note
    # The first line shows on a lock screen: it must not name the drug or the condition.
    first_line = note.split("\n", 1)[0].lower()
    assert not re.search(r"naltrexone|vivitrol|opioid|injection|overdose", first_line)


def test_missed_tablet_note_never_says_double_up() -> None:
    note = reminders.missed_dose_safety("daily")
    assert note is reminders.MISSED_TABLET_SAFETY
    assert "never take two doses" in note.lower()
    assert "care team or pharmacist" in note


@pytest.mark.parametrize("note", _MISSED)
def test_missed_dose_notes_say_why_tolerance_matters(note: str) -> None:
    # The danger is the block wearing off while tolerance is already low (F046, F049).
    assert "block wears off" in note and "tolerance" in note and "lower" in note
    assert "naloxone" in note.lower() and "911" in note


def test_poisoning_reply_sends_to_poison_control_and_911() -> None:
    for lang in LANGUAGES:
        reply = crisis_reply(CrisisKind.POISONING, lang=lang)
        assert "1-800-222-1222" in reply and "911" in reply
    assert "1-800-222-1222" in crisis_reply(CrisisKind.OVERDOSE_EMERGENCY)


# Spanish: "usted" throughout (as the rest of the bot), and 988's Spanish option named as 988
# gives it. Forms of "tú" that would slip in from an informal draft:
_TU = re.compile(
    r"\b(?:estás|llama|escribe|envía|marca|puedes|tienes|eres|tu|tus|te|contigo|avísale|"
    r"intentes|quédate|dale|dásela|acuéstala|consumas|manejes|dejes|esperes)\b",
    re.IGNORECASE,
)
_SPANISH_CHECK = [
    check_texts.check_prompt("es", 7).text,
    check_texts.safe_reply("es"),
    check_texts.team_reply("es"),
    *(check_texts.chosen(answer, "es") for answer in check_texts.ANSWERS),
    *(label for row in check_texts.check_prompt("es", 7).buttons for label in [row[0].label]),
]
_SPANISH_CRISIS = [
    crisis_reply(kind, care_team_told=told, lang="es")
    for kind in CrisisKind
    for told in (True, False)
]


@pytest.mark.parametrize("text", _SPANISH_CHECK + _SPANISH_CRISIS)
def test_spanish_safety_texts_say_usted(text: str) -> None:
    assert not _TU.search(text), (_TU.search(text), text[:80])


@pytest.mark.parametrize("text", _SPANISH_CRISIS)
def test_spanish_crisis_replies_give_988_in_spanish_and_911(text: str) -> None:
    assert "988" in text and "marque 2" in text and "AYUDA" in text
    assert "911" in text


def test_the_check_tier_asks_in_spanish_with_usted() -> None:
    prompt = check_texts.check_prompt("es", 7)
    assert "¿está a salvo ahora mismo?" in prompt.text
    assert "llame al 911" in prompt.text and "marque 2 o escriba AYUDA" in prompt.text
    assert [row[0].label for row in prompt.buttons] == [
        "Estoy a salvo",
        "Necesito ayuda ya",
        "Que mi equipo me contacte",
    ]
    assert [check_texts.parse_tap(row[0].data) for row in prompt.buttons] == [
        (7, answer) for answer in check_texts.ANSWERS
    ]
    assert "su equipo de atención" in check_texts.team_reply("es")
    # English is the source, unchanged; a language we do not speak gets it.
    assert check_texts.check_prompt("fr", None).text == check_texts.check_prompt("en", None).text
    assert "are you safe right now?" in check_texts.check_prompt("en", None).text


def test_a_crisis_reply_promises_a_call_only_when_the_team_was_told_in_spanish_too() -> None:
    for kind in CrisisKind:
        told = crisis_reply(kind, lang="es")
        untold = crisis_reply(kind, care_team_told=False, lang="es")
        assert "se comunicará con usted" in told and "se comunicará" not in untold
        assert "avísele también a su equipo de atención" in untold


def test_crisis_replies_keep_every_number_in_spanish() -> None:
    # Whatever the English names (911, 988, SAMHSA, Poison Control), the Spanish names too.
    numbers = re.compile(r"911|988|1-800-\d{3}-\d{4}")
    for kind in CrisisKind:
        english = set(numbers.findall(crisis_reply(kind)))
        assert english <= set(numbers.findall(crisis_reply(kind, lang="es"))), kind
    # The overdose warning after use is as strong in Spanish.
    use = crisis_reply(CrisisKind.USE_IN_PROGRESS, lang="es").lower()
    assert "sobredosis mortal" in use and "naloxona" in use and "911" in use

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
_CHECK = [check_texts.check_prompt(lang, None).text for lang in LANGUAGES] + [
    text for table in (check_texts.SAFE_REPLY, check_texts.TEAM_REPLY) for text in table.values()
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
    r"(?<!nunca intentes )vencer el bloqueo",
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
    for lang, words in (("en", "never try to overcome"), ("es", "nunca intentes vencer")):
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

"""Reminders, their buttons and the missed-dose notes in Spanish: every wording style the patient
can choose (discreet, the default, and plain), with no English left, and the English unchanged."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.domain import reminders
from bot.domain.replies import Reply

DUE = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
# Words that would give away an English text left in a Spanish message.
_ENGLISH = re.compile(
    r"\b(the|your|you|time|tap|taken|take|skip|snooze|dose|hour|reminder|injection|appointment|"
    r"did|today|tomorrow|yet|done|routine|naltrexone|just|checking|below|once|when|it's|ran|"
    r"out|felt|unwell|side|effects|other|reason|late|still|counts|note|care|team|call|never|"
    r"opioid|opioids|overdose|and|or|with|at|from)\b",
    re.IGNORECASE,
)


def _everything(reply: Reply) -> list[str]:
    return [reply.text, *(button.label for row in reply.buttons for button in row)]


def _all_reminders(lang: str) -> dict[str, list[str]]:
    """Every reminder a patient can get, for each wording style, with and without a dose."""
    found: dict[str, list[str]] = {}
    for plain in (False, True):
        style = "plain" if plain else "discreet"
        for mg in (None, 150):
            reply = reminders.dose_reminder(1, DUE, "08:00", mg, plain, 7, lang=lang)
            found[f"reminder {style} {mg}"] = _everything(reply)
        nudge = reminders.dose_nudge(1, DUE, "08:00", plain, 7, lang=lang)
        found[f"nudge {style}"] = _everything(nudge)
        found[f"eve {style}"] = _everything(reminders.injection_eve(plain, lang=lang))
        day = reminders.injection_day(1, DUE, plain, 7, lang=lang)
        found[f"injection day {style}"] = _everything(day)
    found["snooze menu"] = [
        b.label for row in reminders.snooze_buttons(1, DUE, 7, lang=lang) for b in row
    ]
    found["skip reasons"] = [
        b.label for row in reminders.skip_reason_buttons(1, DUE, 7, lang=lang) for b in row
    ]
    for kind in ("daily", "weekly", "monthly_injection"):
        found[f"missed note {kind}"] = [reminders.missed_dose_safety(kind, lang)]
    for label in (reminders.TAKEN, reminders.DONE):
        for late in (False, True):
            found[f"answered {label} {late}"] = [
                reminders.answered(label, "08:05", late, lang=lang)
            ]
    return found


@pytest.mark.parametrize("what", sorted(_all_reminders("en")))
def test_every_reminder_text_is_in_spanish_with_no_english_left(what: str) -> None:
    spanish = _all_reminders("es")[what]
    english = _all_reminders("en")[what]
    for es, en in zip(spanish, english, strict=True):
        left = _ENGLISH.findall(es.replace("(Narcan)", ""))
        assert not left, (what, left, es)
        if re.search(r"[A-Za-z]{4}", en):  # a label with words in it ("15 min" stays)
            assert es != en, (what, es)


def test_the_discreet_style_stays_discreet_in_spanish() -> None:
    # A lock screen shows the text: the default names neither the medicine nor the reason.
    for mg in (None, 150):
        text = reminders.dose_reminder(1, DUE, "08:00", mg, False, lang="es").text
        assert "08:00" in text and not re.search(r"naltrex|opioid|inyecci|dosis", text, re.I)
    nudge = reminders.dose_nudge(1, DUE, "08:00", False, lang="es").text
    eve = reminders.injection_eve(False, lang="es").text
    day = reminders.injection_day(1, DUE, False, lang="es").text
    for text in (nudge, eve, day):
        assert not re.search(r"naltrex|opioid|inyecci", text, re.I), text
    plain = reminders.dose_reminder(1, DUE, "08:00", 150, True, lang="es").text
    assert "naltrexona (150 mg)" in plain


def test_english_reminders_are_unchanged() -> None:
    assert reminders.dose_reminder(1, DUE, "08:00", 150, True).text == (
        "Time for your naltrexone (150 mg), 08:00. Tap below once you've taken it."
    )
    assert reminders.dose_reminder(1, DUE, "08:00", None, False).text == (
        "⏰ 08:00: time for your routine. Tap below when it's done."
    )
    assert reminders.dose_reminder(1, DUE, "08:00", 50, False).text == (
        "⏰ 08:00: time for your routine (50). Tap below when it's done."
    )
    assert reminders.dose_nudge(1, DUE, "08:00", False).text == (
        "Just checking in: did you get to your routine from 08:00? No pressure, one tap is enough."
    )
    labels = [b.label for row in reminders.dose_buttons(1, DUE) for b in row]
    assert labels == ["✅ Taken", "⏰ Snooze", "Skip"]
    assert [b.label for row in reminders.snooze_buttons(1, DUE) for b in row] == [
        "15 min",
        "30 min",
        "1 hour",
    ]
    assert reminders.answered(reminders.TAKEN, "13:00", True) == (
        "Taken at 13:00 (late, still counts)"
    )
    assert reminders.missed_dose_safety("daily") is reminders.MISSED_TABLET_SAFETY


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("kind", ["daily", "monthly_injection"])
def test_each_missed_note_carries_the_whole_overdose_warning(lang: str, kind: str) -> None:
    """The tolerance note is written out in each note: word for word the same warning as on its
    own (and on /stop), in every language, so no copy of it can quietly grow weaker."""
    from bot.i18n import t

    note = reminders.missed_dose_safety(kind, lang)
    assert t(lang, reminders.TOLERANCE_NOTE) in note


def test_the_spanish_missed_notes_are_as_strong_as_the_english() -> None:
    tablet = reminders.missed_dose_safety("daily", "es")
    injection = reminders.missed_dose_safety("monthly_injection", "es")
    for note in (tablet, injection):
        lowered = note.lower()
        # The block wears off while tolerance is low: an overdose that can kill; naloxone, 911.
        assert "bloqueo" in lowered and "tolerancia" in lowered and "más baja" in lowered
        assert "sobredosis" in lowered and "muerte" in lowered
        assert "naloxona" in lowered and "911" in note and "a solas" in lowered
        assert not re.search(r"\bagonista\b|vencer el bloqueo", lowered)
        # The first line shows on a lock screen: no drug, no condition.
        first = lowered.split("\n", 1)[0]
        assert not re.search(r"naltrex|vivitrol|opioide|inyecci|sobredosis", first)
    assert "nunca tome dos dosis" in tablet.lower()
    assert "farmacéutico" in tablet
    assert "lo antes posible" in injection and "no espere a la fecha" in injection
    assert "desde su última inyección" in injection and "abstinencia" in injection

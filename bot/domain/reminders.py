"""Reminder wording, buttons and the tap protocol for a dose.

Reminders are discreet by default: a lock-screen preview names neither the medicine nor the reason
for taking it. A patient can choose plain wording.

Callback data names the dose by its natural key, schedule and due instant, so the tick can write a
reminder in bulk without first learning row ids: ``d:<schedule_id>:<due epoch>:<action>~<tag>``,
the tag binding the schedule id to its patient (bot/domain/callback_tags.py).

Every text here is in the patient's language (``lang``, English by default): the reminders, their
buttons and the missed-dose notes go out from the jobs, rendered when they are queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.domain import callback_tags
from bot.domain.callback_tags import Kind
from bot.domain.inputs import parse_id, parse_number
from bot.domain.replies import Button, Reply, rows
from bot.i18n import N_, t

SNOOZE_CHOICES = (15, 30, 60)
# English catalog ids (N_): say one with skip_reason_label(code, lang).
SKIP_REASONS = {
    "out": N_("Ran out"),
    "side": N_("Side effects"),
    "unwell": N_("Felt unwell"),
    "other": N_("Other reason"),
}


class Action(StrEnum):
    TAKEN = "t"
    SNOOZE_MENU = "z"
    SKIP = "s"
    INJECTION_DONE = "y"
    INJECTION_NOT_YET = "n"


@dataclass(frozen=True)
class DoseTap:
    schedule_id: int
    due_at: datetime
    action: str  # an Action, "z15"/"z30"/"z60", or "r:<reason>"
    tag: str | None = None  # None on a reminder from before tags

    def made_for(self, patient_id: int) -> bool:
        """Whether the button was made for this patient's schedule (see callback_tags)."""
        return callback_tags.matches(self.tag, Kind.DOSE, self.schedule_id, patient_id)

    @property
    def snooze_minutes(self) -> int | None:
        minutes = parse_number(self.action[1:], 600) if self.action.startswith("z") else None
        return minutes if minutes in SNOOZE_CHOICES else None

    @property
    def skip_reason(self) -> str | None:
        if self.action.startswith("r:") and self.action[2:] in SKIP_REASONS:
            return self.action[2:]
        return None


def tap_data(schedule_id: int, due_at: datetime, action: str, patient_id: int | None = None) -> str:
    """A reminder's button; without ``patient_id``, the untagged form from before 0010."""
    data = f"d:{schedule_id}:{int(due_at.timestamp())}:{action}"
    return callback_tags.stamp(data, Kind.DOSE, schedule_id, patient_id)


def parse_tap(data: str) -> DoseTap | None:
    """The dose a button refers to, or None for anything malformed (forged or truncated)."""
    body, tag = callback_tags.split(data)
    parts = body.split(":", 3)
    schedule_id = parse_id(parts[1]) if len(parts) == 4 else None
    epoch = parse_number(parts[2], 2**35) if len(parts) == 4 else None
    if schedule_id is None or epoch is None or parts[0] != "d":
        return None
    try:
        due_at = datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    action = parts[3]
    tap = DoseTap(schedule_id, due_at, action, tag)
    known = {a.value for a in Action}
    if action in known or tap.snooze_minutes is not None or tap.skip_reason is not None:
        return tap
    return None


def skip_reason_label(code: str, lang: str = "en") -> str:
    """A skip reason as the patient reads it ("Ran out")."""
    return t(lang, SKIP_REASONS[code])


def dose_buttons(
    schedule_id: int, due_at: datetime, patient_id: int | None = None, *, lang: str = "en"
) -> tuple[tuple[Button, ...], ...]:
    return rows(
        (t(lang, "✅ Taken"), tap_data(schedule_id, due_at, Action.TAKEN, patient_id)),
        (t(lang, "⏰ Snooze"), tap_data(schedule_id, due_at, Action.SNOOZE_MENU, patient_id)),
        (t(lang, "Skip"), tap_data(schedule_id, due_at, Action.SKIP, patient_id)),
        per_row=3,
    )


def _snooze_label(minutes: int, lang: str) -> str:
    if minutes < 60:
        return t(lang, "{minutes} min", minutes=minutes)
    return t(lang, "1 hour")


def snooze_buttons(
    schedule_id: int, due_at: datetime, patient_id: int | None = None, *, lang: str = "en"
) -> tuple[tuple[Button, ...], ...]:
    return rows(
        *(
            (_snooze_label(m, lang), tap_data(schedule_id, due_at, f"z{m}", patient_id))
            for m in SNOOZE_CHOICES
        ),
        per_row=3,
    )


def skip_reason_buttons(
    schedule_id: int, due_at: datetime, patient_id: int | None = None, *, lang: str = "en"
) -> tuple[tuple[Button, ...], ...]:
    return rows(
        *(
            (skip_reason_label(code, lang), tap_data(schedule_id, due_at, f"r:{code}", patient_id))
            for code in SKIP_REASONS
        )
    )


def injection_buttons(
    schedule_id: int, due_at: datetime, patient_id: int | None = None, *, lang: str = "en"
) -> tuple[tuple[Button, ...], ...]:
    return rows(
        (t(lang, "✅ Yes, done"), tap_data(schedule_id, due_at, Action.INJECTION_DONE, patient_id)),
        (t(lang, "Not yet"), tap_data(schedule_id, due_at, Action.INJECTION_NOT_YET, patient_id)),
    )


# The wording styles a patient chooses between in /schedule: discreet (the default: a lock
# screen names neither the medicine nor the reason) and plain (names the medicine).
def _reminder_text(local_time: str, dose_mg: int | None, plain: bool, lang: str) -> str:
    if plain and dose_mg:
        return t(
            lang,
            "Time for your naltrexone ({mg} mg), {time}. Tap below once you've taken it.",
            mg=dose_mg,
            time=local_time,
        )
    if plain:
        return t(
            lang,
            "Time for your naltrexone, {time}. Tap below once you've taken it.",
            time=local_time,
        )
    if dose_mg:
        return t(
            lang,
            "⏰ {time}: time for your routine ({mg}). Tap below when it's done.",
            mg=dose_mg,
            time=local_time,
        )
    return t(lang, "⏰ {time}: time for your routine. Tap below when it's done.", time=local_time)


# Texts by SMS (issue 16): the same reminders without the emoji and without "tap below"; the
# SMS adapter appends the numbered menu (sms_menu) on a line of its own. Each one, menu
# included, is one segment in every language (tests/unit/test_sms_reminder_segments.py): in
# Spanish that means no á, í, ó or ú, which would make the text UCS-2 (70 characters a segment).
def _sms_reminder_text(local_time: str, dose_mg: int | None, plain: bool, lang: str) -> str:
    if plain and dose_mg:
        # i18n: a dose reminder by SMS; a numbered menu follows. One SMS segment with the menu:
        # i18n: no á, í, ó or ú (one would make it UCS-2, 70 characters).
        return t(lang, "Time for your naltrexone ({mg} mg), {time}.", mg=dose_mg, time=local_time)
    if plain:
        # i18n: a dose reminder by SMS; a numbered menu follows. One SMS segment with the menu:
        # i18n: no á, í, ó or ú (one would make it UCS-2, 70 characters).
        return t(lang, "Time for your naltrexone, {time}.", time=local_time)
    if dose_mg:
        # i18n: a dose reminder by SMS; a numbered menu follows. One SMS segment with the menu:
        # i18n: no á, í, ó or ú (one would make it UCS-2, 70 characters).
        return t(lang, "{time}: time for your routine ({mg}).", mg=dose_mg, time=local_time)
    # i18n: a dose reminder by SMS; a numbered menu follows. One SMS segment with the menu:
    # i18n: no á, í, ó or ú (one would make it UCS-2, 70 characters).
    return t(lang, "{time}: time for your routine.", time=local_time)


# A reminder's numbered answers by SMS: what "1", "2", "3" do. "2" is the snooze Telegram's
# snooze menu offers in the middle (30 minutes): a text cannot open a second menu.
SMS_DOSE_ANSWERS: dict[str, str] = {"1": Action.TAKEN, "2": "z30", "3": Action.SKIP}
SMS_INJECTION_ANSWERS: dict[str, str] = {
    "1": Action.INJECTION_DONE,
    "2": Action.INJECTION_NOT_YET,
}
_DOSE_ACTIONS = frozenset({Action.TAKEN.value, Action.SNOOZE_MENU.value, Action.SKIP.value})
_INJECTION_ACTIONS = frozenset({Action.INJECTION_DONE.value, Action.INJECTION_NOT_YET.value})


def sms_answers(injection: bool) -> dict[str, str]:
    """The tap action each numbered SMS answer stands for."""
    return SMS_INJECTION_ANSWERS if injection else SMS_DOSE_ANSWERS


def sms_menu(actions: frozenset[str], lang: str = "en") -> str | None:
    """The numbered menu that replaces a reminder's buttons by SMS, or None when ``actions``
    (the buttons' tap actions) are not a reminder's."""
    if actions == _DOSE_ACTIONS:
        # i18n: a dose reminder's buttons by SMS (1 = taken, 2 = snooze 30 minutes, 3 = skip).
        # i18n: One SMS segment with the reminder: no á, í, ó or ú.
        return t(lang, "Reply 1 taken, 2 snooze 30 min, 3 skip")
    if actions == _INJECTION_ACTIONS:
        # i18n: an injection reminder's buttons by SMS (1 = done, 2 = not yet, ask tomorrow).
        # i18n: One SMS segment with the question: no á, í, ó or ú.
        return t(lang, "Reply 1 done, 2 not yet")
    return None


def reminder_menu(injection: bool, lang: str = "en") -> str:
    """The numbered menu of a dose reminder, or of an injection's."""
    menu = sms_menu(_INJECTION_ACTIONS if injection else _DOSE_ACTIONS, lang)
    assert menu is not None
    return menu


def dose_reminder(
    schedule_id: int,
    due_at: datetime,
    local_time: str,
    dose_mg: int | None,
    plain: bool,
    patient_id: int | None = None,
    *,
    lang: str = "en",
) -> Reply:
    text = _reminder_text(local_time, dose_mg, plain, lang)
    return Reply(
        text,
        dose_buttons(schedule_id, due_at, patient_id, lang=lang),
        sms_text=_sms_reminder_text(local_time, dose_mg, plain, lang),
    )


def dose_nudge(
    schedule_id: int,
    due_at: datetime,
    local_time: str,
    plain: bool,
    patient_id: int | None = None,
    *,
    lang: str = "en",
) -> Reply:
    if plain:
        text = t(
            lang,
            "Just checking in: did you get to your naltrexone from {time}? "
            "No pressure, one tap is enough.",
            time=local_time,
        )
    else:
        text = t(
            lang,
            "Just checking in: did you get to your routine from {time}? "
            "No pressure, one tap is enough.",
            time=local_time,
        )
    # i18n: a follow-up by SMS when a reminder was not answered; a numbered menu follows.
    # i18n: One SMS segment with the menu: no á, í, ó or ú (not "presión").
    sms = t(lang, "Did you get to your routine from {time}?", time=local_time)
    if plain:
        # i18n: a follow-up by SMS when a reminder was not answered; a numbered menu follows.
        # i18n: One SMS segment with the menu: no á, í, ó or ú.
        sms = t(lang, "Did you get to your naltrexone from {time}?", time=local_time)
    return Reply(text, dose_buttons(schedule_id, due_at, patient_id, lang=lang), sms_text=sms)


def injection_eve(plain: bool, *, lang: str = "en") -> Reply:
    if plain:
        return Reply(t(lang, "Reminder: your naltrexone injection is due tomorrow."))
    return Reply(t(lang, "Reminder: you have an appointment tomorrow."))


def injection_day(
    schedule_id: int,
    due_at: datetime,
    plain: bool,
    patient_id: int | None = None,
    *,
    lang: str = "en",
) -> Reply:
    if plain:
        text = t(lang, "Did you get your injection today?")
    else:
        text = t(lang, "Did you make it to your appointment?")
    return Reply(text, injection_buttons(schedule_id, due_at, patient_id, lang=lang))


# A lock screen shows the first line: keep it neutral, put the safety facts after it.
# Facts (../shared/clinical-facts.md): the block fades within about a day of a missed tablet
# (F014, F077) and after a missed injection (F050, F052, F072); tolerance is already low after
# detox, so the danger is the block wearing off while tolerance is low (F046, F049); a missed
# injection is given as soon as possible (F071, F073) and opioids used since must be told to the
# team first (F074); sources disagree on missed tablets, so the team decides and nobody doubles
# up (F075, F076); naloxone and 911 (F054, F056, F057).
# Also said on /stop: whoever stops the bot may be stopping the medication, and hears nothing
# from it afterwards (the label's overdose deaths include those after treatment stopped).
# These are English catalog ids (N_), said with t(lang, ...). Each note carries the tolerance
# note whole, word for word (a test checks, in every language), so a translator words the
# warning once and the same in all three places.
TOLERANCE_NOTE = N_(
    "One important thing: without naltrexone the opioid block wears off, and your body's "
    "tolerance to opioids is likely lower than it used to be. Using opioids now, even an amount "
    "you used to take, could cause an overdose that kills. Please keep naloxone (Narcan) nearby "
    "(most pharmacies have it without a prescription), don't use alone, and call 911 if someone "
    "is very drowsy or breathing slowly."
)
MISSED_TABLET_SAFETY = N_(
    "A quick note from your care companion.\n\n"
    "It looks like a dose was missed. That's okay, it happens. Never take two doses to make "
    "up for one; ask your care team or pharmacist what to do about the missed dose.\n\n"
    "One important thing: without naltrexone the opioid block wears off, and your body's "
    "tolerance to opioids is likely lower than it used to be. Using opioids now, even an amount "
    "you used to take, could cause an overdose that kills. Please keep naloxone (Narcan) nearby "
    "(most pharmacies have it without a prescription), don't use alone, and call 911 if someone "
    "is very drowsy or breathing slowly.\n\n"
    "Your care team is there to help you get back on track."
)
MISSED_INJECTION_SAFETY = N_(
    "A quick note from your care companion.\n\n"
    "It looks like your injection hasn't been confirmed. Please call your clinic today to get "
    "it as soon as possible; don't wait for the next planned date. If you have used any "
    "opioids since your last injection, tell the team before the injection: it can cause "
    "sudden, severe withdrawal.\n\n"
    "One important thing: without naltrexone the opioid block wears off, and your body's "
    "tolerance to opioids is likely lower than it used to be. Using opioids now, even an amount "
    "you used to take, could cause an overdose that kills. Please keep naloxone (Narcan) nearby "
    "(most pharmacies have it without a prescription), don't use alone, and call 911 if someone "
    "is very drowsy or breathing slowly.\n\n"
    "Your care team is there to help you."
)


def missed_dose_safety(kind: str, lang: str = "en") -> str:
    """The note after a first missed dose: what the label says differs for injections."""
    note = MISSED_INJECTION_SAFETY if kind == "monthly_injection" else MISSED_TABLET_SAFETY
    return t(lang, note)


# How a reminder reads once answered ("Taken at 08:00"): a tablet taken, an injection done.
TAKEN = "Taken"
DONE = "Done"


def answered(label: str, at_local: str, late: bool = False, *, lang: str = "en") -> str:
    """``label``: TAKEN or DONE. Whole sentences per case, so a translator can make each agree."""
    if label == DONE:
        if late:
            return t(lang, "Done at {time} (late, still counts)", time=at_local)
        return t(lang, "Done at {time}", time=at_local)
    if late:
        return t(lang, "Taken at {time} (late, still counts)", time=at_local)
    return t(lang, "Taken at {time}", time=at_local)


def window_for(kind: str, dose_window: timedelta, injection_overdue: timedelta) -> timedelta:
    return injection_overdue if kind == "monthly_injection" else dose_window

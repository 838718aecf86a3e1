"""Check-ins: three one-tap questions, their buttons and tap protocol, and when the next is due.

A check-in is one message that is edited question by question (craving, then mood, then any use
since the last one), so the chat does not fill up and the whole thing takes three taps. Buttons
carry the check-in's id and the question they answer, ``c:<id>:<question>:<value>~<tag>``, the tag
binding the id to the patient it was made for (bot/domain/callback_tags.py); the service checks
that the check-in belongs to the chat that tapped, was made for it, and is still open.

Pure domain code: no I/O, no clock reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.domain import callback_tags
from bot.domain.callback_tags import Kind
from bot.domain.inputs import parse_id, parse_number
from bot.domain.replies import Button, Reply, rows
from bot.domain.schedules import WEEKDAY_NAMES, local_instant
from bot.i18n import N_, t

CRAVING_MAX = 10
# Button labels, English catalog ids (N_): said with ``t(lang, MOODS[level])``.
MOODS: dict[int, str] = {
    1: N_("😞 Very low"),
    2: N_("🙁 Low"),
    3: N_("😐 Okay"),
    4: N_("🙂 Good"),
    5: N_("😄 Great"),
}
# How an answered mood is repeated above the next question (a whole phrase each, for translators).
MOOD_SUMMARIES: dict[int, str] = {
    1: N_("Mood: very low"),
    2: N_("Mood: low"),
    3: N_("Mood: okay"),
    4: N_("Mood: good"),
    5: N_("Mood: great"),
}


class Use(StrEnum):
    NO = "no"
    ALCOHOL = "alcohol"
    OPIOIDS = "opioids"
    OTHER = "other"


USE_LABELS: dict[Use, str] = {
    Use.NO: N_("No"),
    Use.ALCOHOL: N_("Alcohol"),
    Use.OPIOIDS: N_("Opioids"),
    Use.OTHER: N_("Something else"),
}
USE_SUMMARIES: dict[Use, str] = {
    Use.NO: N_("No use"),
    Use.ALCOHOL: N_("Use: alcohol"),
    Use.OPIOIDS: N_("Use: opioids"),
    Use.OTHER: N_("Use: something else"),
}


class Question(StrEnum):
    CRAVING = "k"
    MOOD = "m"
    USE = "u"
    NOTE = "n"  # the optional note: "no thanks" is the only button


class Frequency(StrEnum):
    WEEKLY = "weekly"
    DAILY = "daily"
    OFF = "off"


@dataclass(frozen=True)
class Answers:
    craving: int | None = None
    mood: int | None = None
    use: Use | None = None

    @property
    def next_question(self) -> Question | None:
        if self.craving is None:
            return Question.CRAVING
        if self.mood is None:
            return Question.MOOD
        if self.use is None:
            return Question.USE
        return None


@dataclass(frozen=True)
class CheckInTap:
    check_in_id: int
    question: Question
    value: str
    tag: str | None = None  # None on a button from before tags

    def made_for(self, patient_id: int) -> bool:
        """Whether the button was made for this patient's check-in (see callback_tags)."""
        return callback_tags.matches(self.tag, Kind.CHECK_IN, self.check_in_id, patient_id)

    def craving(self) -> int | None:
        if self.question is not Question.CRAVING:
            return None
        return parse_number(self.value, CRAVING_MAX)

    def mood(self) -> int | None:
        level = parse_number(self.value, max(MOODS)) if self.question is Question.MOOD else None
        return level if level in MOODS else None

    def use(self) -> Use | None:
        if self.question is Question.USE and self.value in {u.value for u in Use}:
            return Use(self.value)
        return None

    @property
    def valid(self) -> bool:
        if self.question is Question.NOTE:
            return self.value == "skip"
        return any(v is not None for v in (self.craving(), self.mood(), self.use()))


def tap_data(
    check_in_id: int, question: Question, value: str, patient_id: int | None = None
) -> str:
    """A check-in's button; without ``patient_id``, the untagged form from before 0010."""
    data = f"c:{check_in_id}:{question.value}:{value}"
    return callback_tags.stamp(data, Kind.CHECK_IN, check_in_id, patient_id)


def parse_tap(data: str) -> CheckInTap | None:
    """The answer a button carries, or None for anything malformed (forged or truncated)."""
    body, tag = callback_tags.split(data)
    parts = body.split(":", 3)
    check_in_id = parse_id(parts[1]) if len(parts) == 4 else None
    if check_in_id is None or parts[0] != "c":
        return None
    try:
        question = Question(parts[2])
    except ValueError:
        return None
    tap = CheckInTap(check_in_id, question, parts[3], tag)
    return tap if tap.valid else None


# Discreet on a lock screen: the first line names neither drug nor condition.
INTRO = N_("Quick check-in: three taps, about 30 seconds.")
STARTED_BY_PATIENT = N_("Let's check in. Three taps, about 30 seconds.")
CRAVING_QUESTION = N_(
    "How strong are your cravings right now?\n0 = none at all, 10 = the strongest you've felt."
)
MOOD_QUESTION = N_("How is your mood today?")
USE_QUESTION = N_(
    "Since your last check-in, have you used alcohol or drugs? There are no wrong answers here."
)
THANKS = N_("Thank you for checking in.")


def question_reply(
    check_in_id: int,
    answers: Answers,
    intro: str = INTRO,
    patient_id: int | None = None,
    lang: str = "en",
) -> Reply:
    """The message for the next unanswered question (its text repeats what was answered).
    ``intro`` is an English catalog id (INTRO, STARTED_BY_PATIENT) or empty."""
    question = answers.next_question

    def data(asked: Question, value: str) -> str:
        return tap_data(check_in_id, asked, value, patient_id)

    head = f"{t(lang, intro)}\n\n" if intro else ""
    done = summary(answers, lang)
    so_far = f"{done}\n\n" if done else ""
    if question is Question.CRAVING:
        levels = [(str(n), data(Question.CRAVING, str(n))) for n in range(11)]
        return Reply(
            f"{head}{so_far}{t(lang, CRAVING_QUESTION)}",
            (*rows(*levels[:6], per_row=6), *rows(*levels[6:], per_row=5)),
        )
    if question is Question.MOOD:
        moods = [(t(lang, label), data(Question.MOOD, str(n))) for n, label in MOODS.items()]
        return Reply(f"{head}{so_far}{t(lang, MOOD_QUESTION)}", rows(*moods, per_row=1))
    if question is Question.USE:
        uses = [(t(lang, USE_LABELS[u]), data(Question.USE, u.value)) for u in Use]
        return Reply(f"{head}{so_far}{t(lang, USE_QUESTION)}", rows(*uses, per_row=2))
    return Reply(f"{so_far}{t(lang, THANKS)}".strip())


def summary(answers: Answers, lang: str = "en") -> str:
    parts = []
    if answers.craving is not None:
        parts.append(t(lang, "Craving {level}/10", level=answers.craving))
    if answers.mood is not None:
        parts.append(t(lang, MOOD_SUMMARIES[answers.mood]))
    if answers.use is not None:
        parts.append(t(lang, USE_SUMMARIES[answers.use]))
    return " · ".join(parts)


NOTE_PROMPT = N_(
    "Thank you for checking in. Anything else you'd like your care team to know? "
    "Type a short note, or tap No thanks."
)
NOTE_THANKS = N_("Thanks, I've added that to your check-in for your care team.")
NOTE_MAX_LENGTH = 1000


def note_buttons(
    check_in_id: int, patient_id: int | None = None, lang: str = "en"
) -> tuple[tuple[Button, ...], ...]:
    skip = tap_data(check_in_id, Question.NOTE, "skip", patient_id)
    return ((Button(t(lang, "No thanks"), skip),),)


def done_text(answers: Answers, lang: str = "en") -> str:
    return t(lang, "Check-in done ✓\n{summary}", summary=summary(answers, lang))


CLOSED = N_("This check-in has closed. Send /checkin to start a new one.")
ALREADY_ANSWERED = N_("Already answered, thank you.")


# ---------------------------------------------------------------------- when the next one is due


def next_check_in(
    frequency: Frequency, weekday: int | None, at: time, zone: str, after: datetime
) -> datetime | None:
    """The first check-in instant strictly after ``after`` (aware), in the patient's zone.

    Daylight saving follows the dose rules (:func:`bot.domain.schedules.local_instant`): a time
    skipped by spring-forward fires at the first valid instant after it, a repeated one once.
    """
    if frequency is Frequency.OFF:
        return None
    tz = ZoneInfo(zone)
    local_day = after.astimezone(tz).date()
    for offset in range(-1, 9):
        day = local_day + timedelta(days=offset)
        if frequency is Frequency.WEEKLY and day.isoweekday() != (weekday or 7):
            continue
        instant = local_instant(day, at, tz)
        if instant > after:
            return instant
    return None  # unreachable for a valid weekday; callers treat None as "none scheduled"


def next_check_in_after_setup(
    frequency: Frequency, weekday: int | None, at: str | None, zone: str, now: datetime
) -> datetime | None:
    """When the first check-in of a new or changed plan is due: not within the next twelve
    hours, so someone who has just set it up isn't asked at once."""
    if frequency is Frequency.OFF or at is None:
        return None
    return next_check_in(frequency, weekday, time.fromisoformat(at), zone, now + SETUP_QUIET)


SETUP_QUIET = timedelta(hours=12)


def describe(frequency: Frequency, weekday: int | None, at: str | None, lang: str = "en") -> str:
    if frequency is Frequency.OFF or at is None:
        return t(lang, "Check-ins: off")
    if frequency is Frequency.DAILY:
        return t(lang, "Check-ins: daily at {time}", time=at)
    return t(
        lang, "Check-ins: weekly on {day} at {time}", day=_weekday_name(weekday or 7, lang), time=at
    )


def _weekday_name(weekday: int, lang: str) -> str:
    """An ISO weekday (1 = Monday): "Sun" as the English schedule has always written it, the
    whole name in Spanish ("domingo")."""
    if lang == "en":
        return WEEKDAY_NAMES[weekday]
    return str(get_day_names("wide", locale=lang)[weekday - 1])


def weekday_of(day: date) -> int:
    return day.isoweekday()

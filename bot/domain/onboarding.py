"""Enrolment as a pure state machine: consent, time zone, medication plan, confirmation.

Every step accepts typed text; a button's data is exactly the text that typing would need, so a tap
and a typed answer take the same path and cannot drift apart. A rejected answer leaves the step as
it was and says how to answer, with an example.

The conversation is in the draft's ``language`` (the patient's Telegram client's at first; the
welcome offers the other one, and typing "español" or "english" at any step switches). Answers are
read in English and Spanish alike, whatever that language, with or without accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import texts
from bot.domain.checkins import Frequency
from bot.domain.checkins import describe as describe_check_ins
from bot.domain.clock_times import ParseError, parse_date, parse_times_of_day, parse_weekly_regimen
from bot.domain.replies import Button, Reply, rows
from bot.domain.schedules import Plan, PlanKind, WeeklyRegimen, describe_plan
from bot.domain.timezones import (
    COMMON_ZONES,
    ZoneMatch,
    describe_local_time,
    resolve_zone,
    zone_from_location,
    zone_label,
)
from bot.i18n import DEFAULT, LANGUAGES, N_, supported, t

# The consent text: one string (in the draft's language), or one per language.
ConsentText = str | Mapping[str, str]
# A language button's data: handled by the inbox whatever the step (see language_buttons).
LANGUAGE_TAP = "lang:"
# Each language offered in its own name, so someone who cannot read the other finds theirs.
LANGUAGE_LABELS = {"en": "English", "es": "Español"}

MAX_INJECTION_LEAD_DAYS = 62
STANDARD_REGIMEN = "100/100/150 mg Mon/Wed/Fri"
TIME_CHOICES = ("07:00", "08:00", "09:00", "12:00", "18:00", "20:00", "21:00", "22:00")
CHECKIN_TIME_CHOICES = ("09:00", "12:00", "17:00", "18:00", "19:00", "20:00", "21:00")


class Step(StrEnum):
    CONSENT = "consent"
    ZONE = "zone"
    ZONE_CONFIRM = "zone_confirm"
    PLAN_KIND = "plan_kind"
    REGIMEN = "regimen"
    INJECTION_DATE = "injection_date"
    TIME = "time"
    CHECKIN = "checkin"
    CHECKIN_TIME = "checkin_time"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Draft:
    """What has been answered so far; stored between messages as JSON."""

    step: Step
    clinic_id: int
    clinic_name: str
    consent_version: str
    consented_at: str | None = None
    zone: str | None = None
    zone_label: str | None = None
    kind: PlanKind | None = None
    times: tuple[str, ...] = ()
    regimen: tuple[tuple[int, int], ...] = ()
    injection_date: str | None = None
    checkin: Frequency = Frequency.WEEKLY
    checkin_time: str | None = None
    language: str = DEFAULT

    def to_json(self) -> dict[str, Any]:
        return {
            "clinic_id": self.clinic_id,
            "clinic_name": self.clinic_name,
            "consent_version": self.consent_version,
            "consented_at": self.consented_at,
            "zone": self.zone,
            "zone_label": self.zone_label,
            "kind": self.kind.value if self.kind else None,
            "times": list(self.times),
            "regimen": [list(pair) for pair in self.regimen],
            "injection_date": self.injection_date,
            "checkin": self.checkin.value,
            "checkin_time": self.checkin_time,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, step: str, data: dict[str, Any]) -> Draft:
        return cls(
            step=Step(step),
            clinic_id=int(data["clinic_id"]),
            clinic_name=str(data["clinic_name"]),
            consent_version=str(data["consent_version"]),
            consented_at=data.get("consented_at"),
            zone=data.get("zone"),
            zone_label=data.get("zone_label"),
            kind=PlanKind(data["kind"]) if data.get("kind") else None,
            times=tuple(data.get("times") or ()),
            regimen=tuple((int(d), int(mg)) for d, mg in data.get("regimen") or ()),
            injection_date=data.get("injection_date"),
            checkin=Frequency(data.get("checkin") or Frequency.WEEKLY),
            checkin_time=data.get("checkin_time"),
            language=supported(data.get("language")) or DEFAULT,
        )

    def plan(self) -> Plan:
        if self.zone is None or self.kind is None or not self.times:
            raise ValueError(f"draft at step {self.step} is not complete")
        return Plan(
            kind=self.kind,
            zone=self.zone,
            times=tuple(time.fromisoformat(t) for t in self.times),
            regimen=WeeklyRegimen(self.regimen) if self.regimen else None,
            dose_mg=None,
            injection_date=date.fromisoformat(self.injection_date) if self.injection_date else None,
        )


@dataclass(frozen=True)
class Outcome:
    """The result of one answer. ``draft`` is None when the conversation is over."""

    draft: Draft | None
    replies: list[Reply] = field(default_factory=list)
    accepted: bool = True
    declined: bool = False
    completed: Plan | None = None


def start(
    clinic_id: int,
    clinic_name: str,
    consent_version: str,
    consent_text: ConsentText,
    language: str = DEFAULT,
) -> Outcome:
    """The welcome (offering the other language) and the consent question, in ``language``."""
    lang = supported(language) or DEFAULT
    draft = Draft(Step.CONSENT, clinic_id, clinic_name, consent_version, language=lang)
    return Outcome(draft, _welcome(draft, consent_text))


def _welcome(draft: Draft, consent_text: ConsentText) -> list[Reply]:
    lang = draft.language
    intro = Reply(texts.welcome(draft.clinic_name, lang=lang), language_buttons(lang))
    return [intro, _consent_prompt(_consent_in(consent_text, lang), lang)]


def language_buttons(current: str, *, all_languages: bool = False) -> tuple[tuple[Button, ...]]:
    """The button(s) that switch language: the other language(s), or every one (/language)."""
    offered = [lang for lang in LANGUAGES if all_languages or lang != current]
    return (tuple(Button(LANGUAGE_LABELS[lang], f"{LANGUAGE_TAP}{lang}") for lang in offered),)


def _consent_in(consent_text: ConsentText, lang: str) -> str:
    if isinstance(consent_text, str):
        return consent_text
    return consent_text.get(lang) or consent_text[DEFAULT]


# Typed language names: the whole answer must be one of these ("español", "in English").
_LANGUAGE_WORDS: dict[str, str] = {
    **dict.fromkeys(("english", "ingles", "en ingles", "in english", "english please"), "en"),
    **dict.fromkeys(
        (
            "espanol",
            "spanish",
            "en espanol",
            "in spanish",
            "castellano",
            "spanish please",
            "espanol por favor",
        ),
        "es",
    ),
}


def language_asked(text: str) -> str | None:
    """The language a typed answer names on its own ("Español", "english"), else None."""
    return _LANGUAGE_WORDS.get(_words(text))


def switch_language(
    draft: Draft, language: str, now_utc: datetime, consent_text: ConsentText
) -> Outcome:
    """Carry on in ``language``: the welcome again at the first step, else the current question."""
    lang = supported(language) or DEFAULT
    nxt = replace(draft, language=lang)
    if draft.step is Step.CONSENT:
        return Outcome(nxt, _welcome(nxt, consent_text))
    said = Reply(t(lang, "Okay, I'll write in English."))
    return Outcome(nxt, [said, prompt(nxt, now_utc, consent_text)])


# A yes or no may be padded ("yes I agree", "ok sure", "no thanks"): every word must belong to the
# answer's vocabulary and at least one must be decisive, so "yes and no" stays unclear.
_YES_DECISIVE = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ok",
    "okay",
    "sure",
    "agree",
    "correct",
    "right",
    "good",
    "fine",
    "confirm",
    "👍",
    "ya",
    "yea",
    "absolutely",
    "definitely",
    "alright",
    # Spanish (accents dropped: "sí" is "si").
    "si",
    "claro",
    "acuerdo",
    "acepto",
    "vale",
    "bueno",
    "correcto",
    "bien",
    "dale",
    "perfecto",
    "exacto",
    "confirmo",
}
_YES_FILLER = {
    "i",
    "that's",
    "thats",
    "is",
    "it",
    "looks",
    "please",
    "sounds",
    "all",
    "that",
    "thank",
    "thanks",
    "you",
    "do",
    "of",
    "course",
    "perfect",
    "great",
    "thing",
    "de",
    "esta",
    "estoy",
    "por",
    "favor",
    "gracias",
    "muchas",
    "todo",
    "eso",
    "es",
    "asi",
    "muy",
    "me",
    "parece",
    "lo",
    "que",
}
_NO_DECISIVE = {
    "no",
    "n",
    "nope",
    "nah",
    "decline",
    "wrong",
    "change",
    "incorrect",
    "👎",
    "incorrecto",
    "cambiar",
    "cambiarla",
    "rechazo",
}
_NO_FILLER = {
    "thanks",
    "thank",
    "you",
    "i",
    "it",
    "that's",
    "thats",
    "not",
    "right",
    "please",
    "don't",
    "dont",
    "agree",
    "way",
    "sorry",
    "gracias",
    "muchas",
    "estoy",
    "de",
    "acuerdo",
    "acepto",
    "es",
    "esta",
    "bien",
    "lo",
    "siento",
    "por",
    "favor",
    "quiero",
    "asi",
    "eso",
}
_RESTART = {
    "start over",
    "restart",
    "redo",
    "change",
    "change something",
    "edit",
    "empezar de nuevo",
    "volver a empezar",
    "empezar otra vez",
    "reiniciar",
    "cambiar",
    "cambiar algo",
    "corregir",
    "editar",
}
_KINDS: dict[str, PlanKind] = {
    **dict.fromkeys(
        ("daily", "daily tablet", "tablet", "tablets", "pill", "pills", "every day", "oral"),
        PlanKind.DAILY,
    ),
    **dict.fromkeys(
        (
            "diario",
            "diaria",
            "tableta diaria",
            "pastilla diaria",
            "tableta",
            "tabletas",
            "pastilla",
            "pastillas",
            "todos los dias",
            "cada dia",
            "una pastilla al dia",
        ),
        PlanKind.DAILY,
    ),
    **dict.fromkeys(
        (
            "semanal",
            "algunos dias",
            "algunos dias cada semana",
            "algunos dias a la semana",
            "ciertos dias",
            "3 veces por semana",
            "tres veces por semana",
            "3 veces a la semana",
            "tres veces a la semana",
            "lun/mie/vie",
        ),
        PlanKind.WEEKLY,
    ),
    **dict.fromkeys(
        (
            "mensual",
            "inyeccion",
            "inyeccion mensual",
            "la inyeccion",
            "una inyeccion",
            "inyectable",
            "inyeccion cada mes",
        ),
        PlanKind.MONTHLY_INJECTION,
    ),
    **dict.fromkeys(
        (
            "weekly",
            "weekly regimen",
            "some days",
            "certain days",
            "several days a week",
            "3 times a week",
            "three times a week",
            "mon/wed/fri",
            "mwf",
        ),
        PlanKind.WEEKLY,
    ),
    **dict.fromkeys(
        (
            "monthly",
            "injection",
            "monthly injection",
            "shot",
            "monthly shot",
            "vivitrol",
            "injectable",
            "jab",
        ),
        PlanKind.MONTHLY_INJECTION,
    ),
}


def _fold(text: str) -> str:
    """Lower case without accents: "Sí" -> "si", "Inyección" -> "inyeccion"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> str:
    text = _fold(text.strip()).replace("’", "'").lstrip("¡¿")
    return re.sub(r"[\s.!]+$", "", re.sub(r"\s+", " ", text))


def yes_no(text: str) -> bool | None:
    """Yes (True), no (False) or neither (None), in English or Spanish, accents or not."""
    words = set(re.sub(r"[,!?.¡¿]", " ", _words(text)).split())
    if not words:
        return None
    if words & _NO_DECISIVE and words <= _NO_DECISIVE | _NO_FILLER:
        return False
    if "not" in words or "don't" in words or "dont" in words:
        return False if words <= _NO_DECISIVE | _NO_FILLER else None
    if words & _YES_DECISIVE and words <= _YES_DECISIVE | _YES_FILLER:
        return True
    return None


def answer(draft: Draft, text: str, now_utc: datetime, consent_text: ConsentText) -> Outcome:
    """Apply one typed answer (or a tapped button's data) to the current step."""
    asked = language_asked(text)
    if asked is not None:
        return switch_language(draft, asked, now_utc, consent_text)
    try:
        return _STEP_HANDLERS[draft.step](draft, text, now_utc)
    except ParseError as problem:
        return Outcome(draft, [Reply(str(problem)), prompt(draft, now_utc, consent_text)], False)


def location(
    draft: Draft, latitude: float, longitude: float, now_utc: datetime, consent_text: ConsentText
) -> Outcome:
    lang = draft.language
    if draft.step not in (Step.ZONE, Step.ZONE_CONFIRM):
        retry = Reply(t(lang, texts.NOT_NOW_LOCATION))
        return Outcome(draft, [retry, prompt(draft, now_utc, consent_text)], False)
    try:
        match = zone_from_location(latitude, longitude, lang=lang)
    except ParseError as problem:
        return Outcome(draft, [Reply(str(problem)), prompt(draft, now_utc, consent_text)], False)
    return _zone_chosen(draft, match, now_utc)


def _consent(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    lang = draft.language
    agreed = yes_no(text)
    if agreed is None:
        raise ParseError(t(lang, texts.CONSENT_RETRY))
    if not agreed:
        return Outcome(None, [Reply(t(lang, texts.DECLINED), clear_keyboard=True)], declined=True)
    nxt = replace(draft, step=Step.ZONE, consented_at=now_utc.isoformat())
    return Outcome(nxt, [Reply(t(lang, texts.CONSENT_THANKS)), prompt(nxt, now_utc, "")])


def _zone(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    return _zone_chosen(draft, resolve_zone(text, lang=draft.language), now_utc)


def _zone_chosen(draft: Draft, match: ZoneMatch, now_utc: datetime) -> Outcome:
    lang = draft.language
    nxt = replace(draft, step=Step.ZONE_CONFIRM, zone=match.zone, zone_label=match.label)
    # The location key has done its job; a separate line removes it (a message carries one
    # keyboard, and the question needs its buttons).
    label = zone_label(match.label, lang)
    got_it = Reply(texts.zone_found(label, match.zone, lang=lang), clear_keyboard=True)
    return Outcome(nxt, [got_it, prompt(nxt, now_utc, "")])


def _zone_confirm(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    ok = yes_no(text)
    if ok is None:
        # Someone who types a different city here means "no, this one": take it directly.
        try:
            return _zone(draft, text, now_utc)
        except ParseError:
            raise ParseError(t(draft.language, texts.ZONE_CONFIRM_RETRY)) from None
    nxt = replace(draft, step=Step.PLAN_KIND if ok else Step.ZONE)
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _plan_kind(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    kind = _KINDS.get(_words(text))
    if kind is None:
        raise ParseError(t(draft.language, texts.PLAN_KIND_RETRY))
    step = {
        PlanKind.DAILY: Step.TIME,
        PlanKind.WEEKLY: Step.REGIMEN,
        PlanKind.MONTHLY_INJECTION: Step.INJECTION_DATE,
    }[kind]
    nxt = replace(draft, step=step, kind=kind, regimen=(), injection_date=None, times=())
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _regimen(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    regimen = parse_weekly_regimen(text, lang=draft.language)
    nxt = replace(draft, step=Step.TIME, regimen=regimen.doses)
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _injection_date(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    lang = draft.language
    today = _local_today(draft, now_utc)
    when = parse_date(text, today, lang=lang)
    if when < today:
        raise ParseError(texts.injection_date_past(when, lang=lang))
    if when > today + timedelta(days=MAX_INJECTION_LEAD_DAYS):
        raise ParseError(texts.injection_date_far(when, lang=lang))
    nxt = replace(draft, step=Step.TIME, injection_date=when.isoformat())
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _time(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    times = parse_times_of_day(text, lang=draft.language)
    if draft.kind is PlanKind.MONTHLY_INJECTION and len(times) > 1:
        raise ParseError(t(draft.language, texts.ONE_TIME_ONLY))
    nxt = replace(draft, step=Step.CHECKIN, times=tuple(t.strftime("%H:%M") for t in times))
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


_CHECKIN_CHOICES: dict[str, Frequency] = {
    **dict.fromkeys(("weekly", "weekly recommended", "once a week", "week"), Frequency.WEEKLY),
    **dict.fromkeys(("daily", "every day", "day"), Frequency.DAILY),
    **dict.fromkeys(
        ("no", "none", "no check-ins", "no checkins", "off", "not now", "no thanks", "never"),
        Frequency.OFF,
    ),
    # Spanish, accents dropped.
    **dict.fromkeys(
        (
            "semanal",
            "semanal recomendado",
            "semanales",
            "una vez por semana",
            "una vez a la semana",
            "cada semana",
            "semana",
        ),
        Frequency.WEEKLY,
    ),
    **dict.fromkeys(
        ("diario", "diaria", "diarias", "todos los dias", "cada dia", "dia"), Frequency.DAILY
    ),
    **dict.fromkeys(
        (
            "ninguna",
            "ninguno",
            "sin preguntas",
            "no gracias",
            "ahora no",
            "nunca",
            "no quiero",
        ),
        Frequency.OFF,
    ),
}


def _checkin(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    frequency = _CHECKIN_CHOICES.get(_words(text).replace("(", "").replace(")", ""))
    if frequency is None:
        raise ParseError(t(draft.language, texts.CHECKIN_RETRY))
    if frequency is Frequency.OFF:
        nxt = replace(draft, step=Step.CONFIRM, checkin=frequency, checkin_time=None)
    else:
        nxt = replace(draft, step=Step.CHECKIN_TIME, checkin=frequency)
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _checkin_time(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    times = parse_times_of_day(text, lang=draft.language)
    if len(times) > 1:
        raise ParseError(t(draft.language, texts.CHECKIN_ONE_TIME))
    nxt = replace(draft, step=Step.CONFIRM, checkin_time=times[0].strftime("%H:%M"))
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def check_in_weekday(draft: Draft, now_utc: datetime) -> int | None:
    """Weekly check-ins fall on the weekday the patient enrolled (changeable in /checkin)."""
    if draft.checkin is not Frequency.WEEKLY:
        return None
    return _local_today(draft, now_utc).isoweekday()


def _summary(draft: Draft, now_utc: datetime) -> str:
    weekday = check_in_weekday(draft, now_utc)
    checks = describe_check_ins(draft.checkin, weekday, draft.checkin_time, lang=draft.language)
    return f"{describe_plan(draft.plan(), lang=draft.language)}\n{checks}"


def _confirm(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    lang = draft.language
    answer_words = _words(text)
    if answer_words in _RESTART or yes_no(text) is False:
        nxt = replace(
            draft,
            step=Step.ZONE,
            zone=None,
            zone_label=None,
            kind=None,
            times=(),
            regimen=(),
            injection_date=None,
            checkin=Frequency.WEEKLY,
            checkin_time=None,
        )
        return Outcome(nxt, [Reply(t(lang, texts.STARTING_OVER)), prompt(nxt, now_utc, "")])
    if yes_no(text) is None:
        raise ParseError(t(lang, texts.CONFIRM_RETRY))
    plan = draft.plan()
    done = Reply(texts.enrolled(_summary(draft, now_utc), lang=lang), clear_keyboard=True)
    return Outcome(None, [done], completed=plan)


_STEP_HANDLERS = {
    Step.CONSENT: _consent,
    Step.ZONE: _zone,
    Step.ZONE_CONFIRM: _zone_confirm,
    Step.PLAN_KIND: _plan_kind,
    Step.REGIMEN: _regimen,
    Step.INJECTION_DATE: _injection_date,
    Step.TIME: _time,
    Step.CHECKIN: _checkin,
    Step.CHECKIN_TIME: _checkin_time,
    Step.CONFIRM: _confirm,
}


def _local_today(draft: Draft, now_utc: datetime) -> date:
    return now_utc.astimezone(ZoneInfo(draft.zone or "UTC")).date()


# Button labels (the data each carries is the English answer, the same in every language).
_AGREE, _NO_THANKS = N_("I agree"), N_("No thanks")
_ZONE_YES, _ZONE_NO = N_("Yes, that's right"), N_("No, change it")
_DAILY_TABLET = N_("Daily tablet")
_SOME_DAYS = N_("Some days each week")
_MONTHLY_INJECTION = N_("Monthly injection")
_CHECKIN_WEEKLY = N_("Weekly (recommended)")
_CHECKIN_DAILY = N_("Daily")
_CHECKIN_NONE = N_("No check-ins")
_LOOKS_GOOD, _START_OVER = N_("Looks good"), N_("Start over")
# The standard regimen as a Spanish speaker writes it: the button shows it, the data is English.
_STANDARD_REGIMEN_LABEL = N_("100/100/150 mg Mon/Wed/Fri")


def _consent_prompt(consent_text: str, lang: str = DEFAULT) -> Reply:
    buttons = rows((t(lang, _AGREE), "yes"), (t(lang, _NO_THANKS), "no"))
    return Reply(consent_text.strip(), buttons)


def prompt(draft: Draft, now_utc: datetime, consent_text: ConsentText) -> Reply:
    """The question for the current step, with its buttons; re-sent after a bad answer."""
    step, lang = draft.step, draft.language
    if step is Step.CONSENT:
        return _consent_prompt(_consent_in(consent_text, lang), lang)
    if step is Step.ZONE:
        zone_buttons = rows(*((t(lang, label), zone) for label, zone in COMMON_ZONES))
        return Reply(
            t(lang, texts.ZONE_PROMPT),
            zone_buttons,
            ask_location=True,
            sms_text=t(lang, texts.ZONE_PROMPT_SMS),
        )
    if step is Step.ZONE_CONFIRM:
        assert draft.zone is not None
        local = describe_local_time(draft.zone, now_utc, lang=lang)
        return Reply(
            texts.zone_confirm(local, lang=lang),
            rows((t(lang, _ZONE_YES), "yes"), (t(lang, _ZONE_NO), "no")),
        )
    if step is Step.PLAN_KIND:
        return Reply(
            t(lang, texts.PLAN_KIND_PROMPT),
            rows(
                (t(lang, _DAILY_TABLET), "daily"),
                (t(lang, _SOME_DAYS), "weekly"),
                (t(lang, _MONTHLY_INJECTION), "monthly injection"),
                per_row=1,
            ),
        )
    if step is Step.REGIMEN:
        standard = Button(t(lang, _STANDARD_REGIMEN_LABEL), STANDARD_REGIMEN)
        return Reply(
            t(lang, texts.REGIMEN_PROMPT),
            ((standard,),),
            sms_text=t(lang, texts.REGIMEN_PROMPT_SMS),
        )
    if step is Step.INJECTION_DATE:
        return Reply(t(lang, texts.INJECTION_DATE_PROMPT))
    if step is Step.TIME:
        choices = rows(*((c, c) for c in TIME_CHOICES), per_row=4)
        injection = draft.kind is PlanKind.MONTHLY_INJECTION
        return Reply(
            texts.time_prompt(injection, lang=lang),
            choices,
            sms_text=texts.time_prompt_sms(injection, lang=lang),
        )
    if step is Step.CHECKIN:
        return Reply(
            t(lang, texts.CHECKIN_PROMPT),
            rows(
                (t(lang, _CHECKIN_WEEKLY), "weekly"),
                (t(lang, _CHECKIN_DAILY), "daily"),
                (t(lang, _CHECKIN_NONE), "no check-ins"),
                per_row=1,
            ),
            sms_text=t(lang, texts.CHECKIN_PROMPT_SMS),
        )
    if step is Step.CHECKIN_TIME:
        choices = rows(*((c, c) for c in CHECKIN_TIME_CHOICES), per_row=4)
        return Reply(
            t(lang, texts.CHECKIN_TIME_PROMPT),
            choices,
            sms_text=t(lang, texts.CHECKIN_TIME_PROMPT_SMS),
        )
    assert step is Step.CONFIRM
    return Reply(
        texts.confirm_plan(_summary(draft, now_utc), lang=lang),
        rows((t(lang, _LOOKS_GOOD), "yes"), (t(lang, _START_OVER), "start over")),
    )


def label_for(reply: Reply, data: str) -> str | None:
    """The label of the button in ``reply`` that carries ``data``, to show what was tapped."""
    for row in reply.buttons:
        for button in row:
            if button.data == data:
                return button.label
    return None

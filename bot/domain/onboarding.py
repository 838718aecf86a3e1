"""Enrolment as a pure state machine: consent, time zone, medication plan, confirmation.

Every step accepts typed text; a button's data is exactly the text that typing would need, so a tap
and a typed answer take the same path and cannot drift apart. A rejected answer leaves the step as
it was and says how to answer, with an example.
"""

from __future__ import annotations

import re
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
)

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


def start(clinic_id: int, clinic_name: str, consent_version: str, consent_text: str) -> Outcome:
    draft = Draft(Step.CONSENT, clinic_id, clinic_name, consent_version)
    intro = Reply(texts.welcome(clinic_name))
    return Outcome(draft, [intro, _consent_prompt(consent_text)])


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
}
_NO_DECISIVE = {"no", "n", "nope", "nah", "decline", "wrong", "change", "incorrect", "👎"}
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
}
_RESTART = {"start over", "restart", "redo", "change", "change something", "edit"}
_KINDS: dict[str, PlanKind] = {
    **dict.fromkeys(
        ("daily", "daily tablet", "tablet", "tablets", "pill", "pills", "every day", "oral"),
        PlanKind.DAILY,
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


def _words(text: str) -> str:
    text = text.strip().lower().replace("’", "'")
    return re.sub(r"[\s.!]+$", "", re.sub(r"\s+", " ", text))


def _yes_no(text: str) -> bool | None:
    words = set(re.sub(r"[,!?.]", " ", _words(text)).split())
    if not words:
        return None
    if words & _NO_DECISIVE and words <= _NO_DECISIVE | _NO_FILLER:
        return False
    if "not" in words or "don't" in words or "dont" in words:
        return False if words <= _NO_DECISIVE | _NO_FILLER else None
    if words & _YES_DECISIVE and words <= _YES_DECISIVE | _YES_FILLER:
        return True
    return None


def answer(draft: Draft, text: str, now_utc: datetime, consent_text: str) -> Outcome:
    """Apply one typed answer (or a tapped button's data) to the current step."""
    try:
        return _STEP_HANDLERS[draft.step](draft, text, now_utc)
    except ParseError as problem:
        return Outcome(draft, [Reply(str(problem)), prompt(draft, now_utc, consent_text)], False)


def location(
    draft: Draft, latitude: float, longitude: float, now_utc: datetime, consent_text: str
) -> Outcome:
    if draft.step not in (Step.ZONE, Step.ZONE_CONFIRM):
        retry = Reply(texts.NOT_NOW_LOCATION)
        return Outcome(draft, [retry, prompt(draft, now_utc, consent_text)], False)
    try:
        match = zone_from_location(latitude, longitude)
    except ParseError as problem:
        return Outcome(draft, [Reply(str(problem)), prompt(draft, now_utc, consent_text)], False)
    return _zone_chosen(draft, match, now_utc)


def _consent(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    agreed = _yes_no(text)
    if agreed is None:
        raise ParseError(texts.CONSENT_RETRY)
    if not agreed:
        return Outcome(None, [Reply(texts.DECLINED, clear_keyboard=True)], declined=True)
    nxt = replace(draft, step=Step.ZONE, consented_at=now_utc.isoformat())
    return Outcome(nxt, [Reply(texts.CONSENT_THANKS), prompt(nxt, now_utc, "")])


def _zone(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    return _zone_chosen(draft, resolve_zone(text), now_utc)


def _zone_chosen(draft: Draft, match: ZoneMatch, now_utc: datetime) -> Outcome:
    nxt = replace(draft, step=Step.ZONE_CONFIRM, zone=match.zone, zone_label=match.label)
    # The location key has done its job; a separate line removes it (a message carries one
    # keyboard, and the question needs its buttons).
    got_it = Reply(texts.zone_found(match.label, match.zone), clear_keyboard=True)
    return Outcome(nxt, [got_it, prompt(nxt, now_utc, "")])


def _zone_confirm(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    ok = _yes_no(text)
    if ok is None:
        # Someone who types a different city here means "no, this one": take it directly.
        try:
            return _zone(draft, text, now_utc)
        except ParseError:
            raise ParseError(texts.ZONE_CONFIRM_RETRY) from None
    nxt = replace(draft, step=Step.PLAN_KIND if ok else Step.ZONE)
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _plan_kind(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    kind = _KINDS.get(_words(text))
    if kind is None:
        raise ParseError(texts.PLAN_KIND_RETRY)
    step = {
        PlanKind.DAILY: Step.TIME,
        PlanKind.WEEKLY: Step.REGIMEN,
        PlanKind.MONTHLY_INJECTION: Step.INJECTION_DATE,
    }[kind]
    nxt = replace(draft, step=step, kind=kind, regimen=(), injection_date=None, times=())
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _regimen(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    regimen = parse_weekly_regimen(text)
    nxt = replace(draft, step=Step.TIME, regimen=regimen.doses)
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _injection_date(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    today = _local_today(draft, now_utc)
    when = parse_date(text, today)
    if when < today:
        raise ParseError(texts.injection_date_past(when))
    if when > today + timedelta(days=MAX_INJECTION_LEAD_DAYS):
        raise ParseError(texts.injection_date_far(when))
    nxt = replace(draft, step=Step.TIME, injection_date=when.isoformat())
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _time(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    times = parse_times_of_day(text)
    if draft.kind is PlanKind.MONTHLY_INJECTION and len(times) > 1:
        raise ParseError(texts.ONE_TIME_ONLY)
    nxt = replace(draft, step=Step.CHECKIN, times=tuple(t.strftime("%H:%M") for t in times))
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


_CHECKIN_CHOICES: dict[str, Frequency] = {
    **dict.fromkeys(("weekly", "weekly recommended", "once a week", "week"), Frequency.WEEKLY),
    **dict.fromkeys(("daily", "every day", "day"), Frequency.DAILY),
    **dict.fromkeys(
        ("no", "none", "no check-ins", "no checkins", "off", "not now", "no thanks", "never"),
        Frequency.OFF,
    ),
}


def _checkin(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    frequency = _CHECKIN_CHOICES.get(_words(text).replace("(", "").replace(")", ""))
    if frequency is None:
        raise ParseError(texts.CHECKIN_RETRY)
    if frequency is Frequency.OFF:
        nxt = replace(draft, step=Step.CONFIRM, checkin=frequency, checkin_time=None)
    else:
        nxt = replace(draft, step=Step.CHECKIN_TIME, checkin=frequency)
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def _checkin_time(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    times = parse_times_of_day(text)
    if len(times) > 1:
        raise ParseError(texts.CHECKIN_ONE_TIME)
    nxt = replace(draft, step=Step.CONFIRM, checkin_time=times[0].strftime("%H:%M"))
    return Outcome(nxt, [prompt(nxt, now_utc, "")])


def check_in_weekday(draft: Draft, now_utc: datetime) -> int | None:
    """Weekly check-ins fall on the weekday the patient enrolled (changeable in /checkin)."""
    if draft.checkin is not Frequency.WEEKLY:
        return None
    return _local_today(draft, now_utc).isoweekday()


def _summary(draft: Draft, now_utc: datetime) -> str:
    checks = describe_check_ins(draft.checkin, check_in_weekday(draft, now_utc), draft.checkin_time)
    return f"{describe_plan(draft.plan())}\n{checks}"


def _confirm(draft: Draft, text: str, now_utc: datetime) -> Outcome:
    answer_words = _words(text)
    if answer_words in _RESTART or _yes_no(text) is False:
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
        return Outcome(nxt, [Reply(texts.STARTING_OVER), prompt(nxt, now_utc, "")])
    if _yes_no(text) is None:
        raise ParseError(texts.CONFIRM_RETRY)
    plan = draft.plan()
    done = Reply(texts.enrolled(_summary(draft, now_utc)), clear_keyboard=True)
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


def _consent_prompt(consent_text: str) -> Reply:
    return Reply(consent_text.strip(), rows(("I agree", "yes"), ("No thanks", "no")))


def prompt(draft: Draft, now_utc: datetime, consent_text: str) -> Reply:
    """The question for the current step, with its buttons; re-sent after a bad answer."""
    step = draft.step
    if step is Step.CONSENT:
        return _consent_prompt(consent_text)
    if step is Step.ZONE:
        zone_buttons = rows(*COMMON_ZONES)
        return Reply(texts.ZONE_PROMPT, zone_buttons, ask_location=True)
    if step is Step.ZONE_CONFIRM:
        assert draft.zone is not None
        local = describe_local_time(draft.zone, now_utc)
        return Reply(
            texts.zone_confirm(local),
            rows(("Yes, that's right", "yes"), ("No, change it", "no")),
        )
    if step is Step.PLAN_KIND:
        return Reply(
            texts.PLAN_KIND_PROMPT,
            rows(
                ("Daily tablet", "daily"),
                ("Some days each week", "weekly"),
                ("Monthly injection", "monthly injection"),
                per_row=1,
            ),
        )
    if step is Step.REGIMEN:
        return Reply(texts.REGIMEN_PROMPT, ((Button(STANDARD_REGIMEN, STANDARD_REGIMEN),),))
    if step is Step.INJECTION_DATE:
        return Reply(texts.INJECTION_DATE_PROMPT)
    if step is Step.TIME:
        choices = rows(*((t, t) for t in TIME_CHOICES), per_row=4)
        return Reply(texts.time_prompt(draft.kind is PlanKind.MONTHLY_INJECTION), choices)
    if step is Step.CHECKIN:
        return Reply(
            texts.CHECKIN_PROMPT,
            rows(
                ("Weekly (recommended)", "weekly"),
                ("Daily", "daily"),
                ("No check-ins", "no check-ins"),
                per_row=1,
            ),
        )
    if step is Step.CHECKIN_TIME:
        choices = rows(*((t, t) for t in CHECKIN_TIME_CHOICES), per_row=4)
        return Reply(texts.CHECKIN_TIME_PROMPT, choices)
    assert step is Step.CONFIRM
    return Reply(
        texts.confirm_plan(_summary(draft, now_utc)),
        rows(("Looks good", "yes"), ("Start over", "start over")),
    )


def label_for(reply: Reply, data: str) -> str | None:
    """The label of the button in ``reply`` that carries ``data``, to show what was tapped."""
    for row in reply.buttons:
        for button in row:
            if button.data == data:
                return button.label
    return None

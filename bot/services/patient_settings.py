"""A patient's own changes: reminder times, time zone, wording, pause and resume.

Each multi-step change is a short conversation stored like onboarding's, so a typed answer and a
tapped button take the same path, and a stale button is recognised.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import DoseEvent, Patient, PatientStatus, Schedule, ScheduleKind
from bot.domain import checkins, texts
from bot.domain.checkins import Frequency
from bot.domain.clock_times import ParseError, parse_date, parse_times_of_day
from bot.domain.onboarding import CHECKIN_TIME_CHOICES, TIME_CHOICES
from bot.domain.replies import Reply, rows
from bot.domain.schedules import WEEKDAY_NAMES, Plan, describe_plan, next_due
from bot.domain.timezones import COMMON_ZONES, ZoneMatch
from bot.i18n import st, t
from bot.services import audit
from bot.services.context import AppContext
from bot.services.plans import plan_for
from bot.services.staff_notes import tell_staff

FLOW_TIME, FLOW_ZONE, FLOW_PAUSE, FLOW_CHECKIN = "set_time", "set_zone", "pause", "set_checkin"
# Typed answers are compared folded (lower case, no accents: see ``fold``), so "Sí", "si" and
# "SI" are one answer, in English or Spanish whatever the patient's language.
INDEFINITELY = {
    "indefinitely",
    "until i resume",
    "until i say",
    "forever",
    "no end",
    "open",
    "indefinidamente",
    "hasta que los reactive",
    "hasta que lo reactive",
    "hasta que lo reanude",
    "hasta que reanude",
    "hasta que yo diga",
    "hasta que diga",
    "hasta nuevo aviso",
    "para siempre",
    "sin fecha",
}
ONE_WEEK = {"1 week", "a week", "one week", "1 semana", "una semana"}
TWO_WEEKS = {"2 weeks", "two weeks", "2 semanas", "dos semanas"}


def fold(text: str) -> str:
    """``text`` as typed answers are compared: lower case, accents and ¿¡.!? dropped, one space
    between words ("¡Sí!" and "si" are the same answer, as are "Miércoles" and "miercoles")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.strip(" \t\n.,!?¡¿").split())


# "until 10 Dec", "hasta el lunes": the date reader wants the date alone.
_UNTIL = re.compile(r"^\s*(?:hasta|until|till|til)\s+", re.IGNORECASE)


def read_date(text: str, today: date, lang: str = "en") -> date:
    """The date a pause ends, typed in English or Spanish ("10 Dec", "hasta el 15 de enero")."""
    return parse_date(_UNTIL.sub("", text), today, lang)


def _day(when: date, lang: str) -> str:
    """ "Thu 10 Dec" ("jue 10 dic")."""
    return format_date(when, "EEE dd MMM", locale=lang if lang == "es" else "en")


async def reschedule(session: AsyncSession, schedule: Schedule, plan: Plan, now: datetime) -> None:
    """Point the schedule at its next reminder under a changed plan, never doubling a day.

    Someone who got today's 08:00 reminder and moves it to 20:00 should hear from us tomorrow
    at 20:00, not twice today.
    """
    upcoming = next_due(plan, now)
    if upcoming is not None and len(plan.times) == 1:
        local_day = upcoming.astimezone(plan.tz).date()
        day_start = datetime.combine(local_day, time(0), plan.tz)
        already = await session.scalar(
            select(DoseEvent.id).where(
                DoseEvent.schedule_id == schedule.id,
                DoseEvent.due_at >= day_start,
                DoseEvent.due_at < day_start + timedelta(days=1),
            )
        )
        if already is not None:
            upcoming = next_due(plan, upcoming)
    schedule.timezone, schedule.dose_times = plan.zone, [t.strftime("%H:%M") for t in plan.times]
    schedule.next_due_at, schedule.updated_at = upcoming, now


async def active_schedules(session: AsyncSession, patient: Patient) -> list[Schedule]:
    return list(
        await session.scalars(
            select(Schedule).where(Schedule.patient_id == patient.id, Schedule.active.is_(True))
        )
    )


def _plans(schedules: list[Schedule], lang: str) -> str:
    return "\n".join(describe_plan(plan_for(s), lang) for s in schedules)


def overview(patient: Patient, schedules: list[Schedule]) -> Reply:
    """/schedule, in the patient's language."""
    lang = patient.language
    plans = _plans(schedules, lang) or t(lang, "No reminders set.")
    plans += "\n" + checkins.describe(*check_in_schedule(patient), lang=lang)
    if patient.plain_wording:
        wording = t(lang, "plain (names your medication)")
    else:
        wording = t(lang, "discreet")
    status = ""
    if patient.status == PatientStatus.PAUSED and patient.paused_until:
        until = patient.paused_until.astimezone(ZoneInfo(patient.timezone)).date()
        status = "\n\n" + t(
            lang,
            "Reminders are paused until {day}. Send /resume to turn them back on.",
            day=_day(until, lang),
        )
    elif patient.status == PatientStatus.PAUSED:
        status = "\n\n" + t(lang, "Reminders are paused. Send /resume to turn them back on.")
    if patient.plain_wording:
        toggle = t(lang, "Use discreet wording")
    else:
        toggle = t(lang, "Use plain wording")
    return Reply(
        t(
            lang,
            "Your plan:\n{plans}\n\nReminder wording: {wording}.{status}",
            plans=plans,
            wording=wording,
            status=status,
        ),
        rows(
            (t(lang, "Change time"), "set:time"),
            (t(lang, "Change time zone"), "set:zone"),
            (t(lang, "Change check-ins"), "set:checkin"),
            (toggle, "set:wording"),
            per_row=1,
        ),
    )


def wording_changed(plain: bool, lang: str = "en") -> str:
    """What the tapped /schedule message says after the wording button (for the inbox)."""
    if plain:
        return t(lang, "Reminder wording: plain")
    return t(lang, "Reminder wording: discreet")


def time_prompt(lang: str = "en") -> Reply:
    return Reply(
        t(
            lang,
            "What time should I remind you? For example 08:00 or 8:30 pm (two times: 8am and 8pm).",
        ),
        rows(*((choice, choice) for choice in TIME_CHOICES), per_row=4),
    )


def zone_prompt(lang: str = "en") -> Reply:
    # The zones' labels are said through the catalog once bot.domain.timezones marks them (N_).
    zones = ((t(lang, label), zone) for label, zone in COMMON_ZONES)
    return Reply(t(lang, texts.ZONE_PROMPT), rows(*zones), ask_location=True)


def pause_prompt(lang: str = "en") -> Reply:
    # The buttons' data stay English: they are read back by ``pause`` in any language.
    return Reply(
        t(
            lang,
            "Pause reminders until when? Choose an option or type a date (for example 10 Dec).",
        ),
        rows(
            (t(lang, "1 week"), "1 week"),
            (t(lang, "2 weeks"), "2 weeks"),
            (t(lang, "Until I resume"), "indefinitely"),
            per_row=3,
        ),
    )


async def change_times(
    ctx: AppContext, session: AsyncSession, patient: Patient, text: str
) -> list[Reply]:
    lang = patient.language
    times = parse_times_of_day(text, lang)
    schedules = await active_schedules(session, patient)
    now = ctx.clock.now()
    for schedule in schedules:
        if schedule.kind == ScheduleKind.MONTHLY_INJECTION and len(times) > 1:
            raise ParseError(t(lang, texts.ONE_TIME_ONLY))
        await reschedule(session, schedule, plan_for(schedule, dose_times=times), now)
    audit.by_patient(session, ctx, patient, "schedule.time_changed", now)
    return [Reply(t(lang, "Done. {plans}", plans=_plans(schedules, lang)))]


async def change_zone(
    ctx: AppContext, session: AsyncSession, patient: Patient, match: ZoneMatch
) -> list[Reply]:
    now = ctx.clock.now()
    patient.timezone, patient.updated_at = match.zone, now
    schedules = await active_schedules(session, patient)
    for schedule in schedules:
        await reschedule(session, schedule, plan_for(schedule, timezone=match.zone), now)
    audit.by_patient(session, ctx, patient, "schedule.zone_changed", now)
    lang = patient.language
    found = texts.zone_found(match.label, match.zone, lang=lang)
    return [Reply(f"{found} {_plans(schedules, lang)}", clear_keyboard=True)]


async def pause(ctx: AppContext, session: AsyncSession, patient: Patient, text: str) -> list[Reply]:
    lang = patient.language
    now = ctx.clock.now()
    zone = ZoneInfo(patient.timezone)
    today = now.astimezone(zone).date()
    answer = fold(text)
    until: datetime | None
    if answer in INDEFINITELY:
        until = None
    elif answer in ONE_WEEK:
        until = datetime.combine(today + timedelta(days=7), time(0), zone)
    elif answer in TWO_WEEKS:
        until = datetime.combine(today + timedelta(days=14), time(0), zone)
    else:
        day = read_date(text, today, lang)
        if day <= today:
            raise ParseError(t(lang, "Please pick a day after today, for example 10 Dec."))
        until = datetime.combine(day, time(0), zone)
    patient.status, patient.paused_until, patient.updated_at = PatientStatus.PAUSED, until, now
    audit.by_patient(
        session,
        ctx,
        patient,
        "patient.paused",
        now,
        {"until": until.isoformat() if until else None},
    )
    who = patient.display_name or st("A patient")
    if until is not None:
        note = st("FYI: {who} paused reminders until {day}.", who=who, day=f"{until:%a %d %b}")
        reply = t(
            lang,
            "Reminders are paused until {day}. Your care team can see this. "
            "Send /resume any time to turn them back on.",
            day=_day(until.date(), lang),
        )
    else:
        note = st("FYI: {who} paused reminders until they resume.", who=who)
        reply = t(
            lang,
            "Reminders are paused until you send /resume. Your care team can see this. "
            "Send /resume any time to turn them back on.",
        )
    await tell_staff(session, patient.clinic_id, note, now, patient.id)
    return [Reply(reply)]


async def resume(ctx: AppContext, session: AsyncSession, patient: Patient) -> list[Reply]:
    lang = patient.language
    if patient.status != PatientStatus.PAUSED:
        return [Reply(t(lang, "Your reminders are already on. Send /schedule to see them."))]
    now = ctx.clock.now()
    patient.status, patient.paused_until, patient.updated_at = PatientStatus.ACTIVE, None, now
    schedules = await active_schedules(session, patient)
    for schedule in schedules:
        # From now on, not from where the pause began: no backlog of "missed" doses.
        await reschedule(session, schedule, plan_for(schedule), now)
    audit.by_patient(session, ctx, patient, "patient.resumed", now)
    await tell_staff(
        session,
        patient.clinic_id,
        st("FYI: {who} turned reminders back on.", who=patient.display_name or st("A patient")),
        now,
        patient.id,
    )
    return [Reply(t(lang, "Welcome back! Reminders are on again. Send /schedule to see them."))]


async def reconnect(ctx: AppContext, session: AsyncSession, patient: Patient) -> list[Reply]:
    """A patient who had blocked the bot is back (Telegram's "Restart" sends /start)."""
    now = ctx.clock.now()
    patient.status, patient.updated_at = PatientStatus.ACTIVE, now
    schedules = list(
        await session.scalars(select(Schedule).where(Schedule.patient_id == patient.id))
    )
    for schedule in schedules:
        schedule.active = True
        await reschedule(session, schedule, plan_for(schedule), now)
    audit.by_patient(session, ctx, patient, "patient.reconnected", now)
    return [
        Reply(
            t(
                patient.language,
                "Welcome back! Your reminders are on again. Send /schedule to see them.",
            )
        )
    ]


# Check-ins: how often, what time, which day --------------------------------------------------

CHECKIN_STEP_FREQUENCY, CHECKIN_STEP_TIME, CHECKIN_STEP_DAY = "frequency", "time", "day"
_FREQUENCIES = {
    "weekly": Frequency.WEEKLY,
    "daily": Frequency.DAILY,
    "off": Frequency.OFF,
    "no": Frequency.OFF,
    "none": Frequency.OFF,
    "no check-ins": Frequency.OFF,
    # Spanish, folded (no accents).
    "semanal": Frequency.WEEKLY,
    "semanales": Frequency.WEEKLY,
    "cada semana": Frequency.WEEKLY,
    "una vez por semana": Frequency.WEEKLY,
    "diario": Frequency.DAILY,
    "diaria": Frequency.DAILY,
    "diarias": Frequency.DAILY,
    "diariamente": Frequency.DAILY,
    "cada dia": Frequency.DAILY,
    "todos los dias": Frequency.DAILY,
    "ninguno": Frequency.OFF,
    "ninguna": Frequency.OFF,
    "nunca": Frequency.OFF,
    "sin preguntas": Frequency.OFF,
    "sin seguimiento": Frequency.OFF,
    "sin preguntas de seguimiento": Frequency.OFF,
    "apagar": Frequency.OFF,
    "desactivar": Frequency.OFF,
}
_DAYS = {name.lower(): day for day, name in WEEKDAY_NAMES.items()}
_DAYS.update(
    {
        full: day
        for day, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), 1
        )
    }
)
# Spanish (folded): full names and the short ones Babel shows on the buttons ("mar" is
# Tuesday here: in this step there are only weekdays).
_DAYS.update(
    {
        name: day
        for day, names in enumerate(
            (
                ("lunes", "lun"),
                ("martes", "mar"),
                ("miercoles", "mie"),
                ("jueves", "jue"),
                ("viernes", "vie"),
                ("sabado", "sab"),
                ("domingo", "dom"),
            ),
            1,
        )
        for name in names
    }
)


def check_in_schedule(patient: Patient) -> tuple[Frequency, int | None, str | None]:
    return Frequency(patient.checkin_frequency), patient.checkin_weekday, patient.checkin_time


def _weekday_label(day: int, lang: str) -> str:
    """A weekday button: "Mon" in English, "Lun" in Spanish (Babel's name, capitalised)."""
    if lang == "en":
        return WEEKDAY_NAMES[day]
    name = format_date(date(2026, 11, 29) + timedelta(days=day), "EEE", locale=lang)
    return name[:1].upper() + name[1:]


def checkin_prompt(step: str, lang: str = "en") -> Reply:
    # The buttons' data stay English ("weekly", "mon"): ``checkin_answer`` reads them.
    if step == CHECKIN_STEP_TIME:
        return Reply(
            t(lang, texts.CHECKIN_TIME_PROMPT),
            rows(*((choice, choice) for choice in CHECKIN_TIME_CHOICES), per_row=4),
        )
    if step == CHECKIN_STEP_DAY:
        return Reply(
            t(lang, "Which day of the week?"),
            rows(
                *((_weekday_label(day, lang), name.lower()) for day, name in WEEKDAY_NAMES.items()),
                per_row=4,
            ),
        )
    return Reply(
        t(lang, "How often should I check in?"),
        rows(
            (t(lang, "Weekly"), "weekly"),
            (t(lang, "Daily"), "daily"),
            (t(lang, "No check-ins"), "off"),
            per_row=3,
        ),
    )


async def checkin_answer(
    ctx: AppContext,
    session: AsyncSession,
    patient: Patient,
    step: str,
    data: dict[str, str],
    text: str,
) -> tuple[list[Reply], str | None, dict[str, str]]:
    """One answer in the check-in settings flow: (replies, the next step or None, data)."""
    lang = patient.language
    answer = fold(text)
    if step == CHECKIN_STEP_FREQUENCY:
        frequency = _FREQUENCIES.get(answer)
        if frequency is None:
            raise ParseError(t(lang, "Please choose Weekly, Daily or No check-ins."))
        if frequency is Frequency.OFF:
            return _save_check_ins(ctx, session, patient, frequency, None, None), None, {}
        data = {"frequency": frequency.value}
        return [checkin_prompt(CHECKIN_STEP_TIME, lang)], CHECKIN_STEP_TIME, data
    if step == CHECKIN_STEP_TIME:
        times = parse_times_of_day(text, lang)
        if len(times) > 1:
            raise ParseError(t(lang, texts.CHECKIN_ONE_TIME))
        data = {**data, "time": times[0].strftime("%H:%M")}
        if data.get("frequency") == Frequency.WEEKLY.value:
            return [checkin_prompt(CHECKIN_STEP_DAY, lang)], CHECKIN_STEP_DAY, data
        return _save_check_ins(ctx, session, patient, Frequency.DAILY, None, data["time"]), None, {}
    answer = re.sub(r"^(?:el|los|on)\s+", "", answer)  # "el lunes", "on Sunday"
    day = _DAYS.get(answer[:3] if answer[:3] in _DAYS else answer)
    if day is None:
        raise ParseError(t(lang, "Please choose a day, or type one, for example Sunday."))
    replies = _save_check_ins(ctx, session, patient, Frequency.WEEKLY, day, data.get("time"))
    return replies, None, {}


def _save_check_ins(
    ctx: AppContext,
    session: AsyncSession,
    patient: Patient,
    frequency: Frequency,
    weekday: int | None,
    at: str | None,
) -> list[Reply]:
    now = ctx.clock.now()
    patient.checkin_frequency, patient.checkin_weekday, patient.checkin_time = (
        frequency.value,
        weekday,
        at,
    )
    patient.next_checkin_at = checkins.next_check_in_after_setup(
        frequency, weekday, at, patient.timezone, now
    )
    patient.updated_at = now
    audit.by_patient(
        session, ctx, patient, "checkin.schedule_changed", now, {"frequency": frequency.value}
    )
    lang = patient.language
    described = checkins.describe(frequency, weekday, at, lang=lang)
    if frequency is Frequency.OFF:
        return [
            Reply(
                t(
                    lang,
                    "Done. {check_ins}. You can start one any time with /checkin.",
                    check_ins=described,
                )
            )
        ]
    return [Reply(t(lang, "Done. {check_ins}.", check_ins=described))]

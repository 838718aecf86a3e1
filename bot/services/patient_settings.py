"""A patient's own changes: reminder times, time zone, wording, pause and resume.

Each multi-step change is a short conversation stored like onboarding's, so a typed answer and a
tapped button take the same path, and a stale button is recognised.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

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
from bot.services import audit
from bot.services.context import AppContext
from bot.services.plans import plan_for
from bot.services.staff_notes import tell_staff

FLOW_TIME, FLOW_ZONE, FLOW_PAUSE, FLOW_CHECKIN = "set_time", "set_zone", "pause", "set_checkin"
INDEFINITELY = {"indefinitely", "until i resume", "until i say", "forever", "no end", "open"}


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


def overview(patient: Patient, schedules: list[Schedule]) -> Reply:
    plans = "\n".join(describe_plan(plan_for(s)) for s in schedules) or "No reminders set."
    plans += "\n" + checkins.describe(*check_in_schedule(patient))
    wording = "plain (names your medication)" if patient.plain_wording else "discreet"
    status = ""
    if patient.status == PatientStatus.PAUSED:
        until = (
            f" until {patient.paused_until.astimezone(ZoneInfo(patient.timezone)):%a %d %b}"
            if patient.paused_until
            else ""
        )
        status = f"\n\nReminders are paused{until}. Send /resume to turn them back on."
    other = "discreet" if patient.plain_wording else "plain"
    return Reply(
        f"Your plan:\n{plans}\n\nReminder wording: {wording}.{status}",
        rows(
            ("Change time", "set:time"),
            ("Change time zone", "set:zone"),
            ("Change check-ins", "set:checkin"),
            (f"Use {other} wording", "set:wording"),
            per_row=1,
        ),
    )


def time_prompt() -> Reply:
    return Reply(
        "What time should I remind you? For example 08:00 or 8:30 pm (two times: 8am and 8pm).",
        rows(*((t, t) for t in TIME_CHOICES), per_row=4),
    )


def zone_prompt() -> Reply:
    return Reply(texts.ZONE_PROMPT, rows(*COMMON_ZONES), ask_location=True)


def pause_prompt() -> Reply:
    return Reply(
        "Pause reminders until when? Tap a choice or type a date (for example 10 Dec).",
        rows(
            ("1 week", "1 week"),
            ("2 weeks", "2 weeks"),
            ("Until I resume", "indefinitely"),
            per_row=3,
        ),
    )


async def change_times(
    ctx: AppContext, session: AsyncSession, patient: Patient, text: str
) -> list[Reply]:
    times = parse_times_of_day(text)
    schedules = await active_schedules(session, patient)
    now = ctx.clock.now()
    for schedule in schedules:
        if schedule.kind == ScheduleKind.MONTHLY_INJECTION and len(times) > 1:
            raise ParseError(texts.ONE_TIME_ONLY)
        await reschedule(session, schedule, plan_for(schedule, dose_times=times), now)
    audit.by_patient(session, ctx, patient, "schedule.time_changed", now)
    return [Reply("Done. " + "\n".join(describe_plan(plan_for(s)) for s in schedules))]


async def change_zone(
    ctx: AppContext, session: AsyncSession, patient: Patient, match: ZoneMatch
) -> list[Reply]:
    now = ctx.clock.now()
    patient.timezone, patient.updated_at = match.zone, now
    schedules = await active_schedules(session, patient)
    for schedule in schedules:
        await reschedule(session, schedule, plan_for(schedule, timezone=match.zone), now)
    audit.by_patient(session, ctx, patient, "schedule.zone_changed", now)
    plans = "\n".join(describe_plan(plan_for(s)) for s in schedules)
    return [Reply(f"{texts.zone_found(match.label, match.zone)} {plans}", clear_keyboard=True)]


async def pause(ctx: AppContext, session: AsyncSession, patient: Patient, text: str) -> list[Reply]:
    now = ctx.clock.now()
    zone = ZoneInfo(patient.timezone)
    today = now.astimezone(zone).date()
    answer = " ".join(text.lower().split())
    until: datetime | None
    if answer in INDEFINITELY:
        until = None
    elif answer in ("1 week", "a week", "one week"):
        until = datetime.combine(today + timedelta(days=7), time(0), zone)
    elif answer in ("2 weeks", "two weeks"):
        until = datetime.combine(today + timedelta(days=14), time(0), zone)
    else:
        day = parse_date(text, today)
        if day <= today:
            raise ParseError("Please pick a day after today, for example 10 Dec.")
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
    when = f"until {until:%a %d %b}" if until else "until you send /resume"
    await tell_staff(
        session,
        patient.clinic_id,
        f"FYI: {patient.display_name or 'A patient'} paused reminders "
        f"{f'until {until:%a %d %b}' if until else 'until they resume'}.",
        now,
        patient.id,
    )
    return [
        Reply(
            f"Reminders are paused {when}. Your care team can see this. "
            "Send /resume any time to turn them back on."
        )
    ]


async def resume(ctx: AppContext, session: AsyncSession, patient: Patient) -> list[Reply]:
    if patient.status != PatientStatus.PAUSED:
        return [Reply("Your reminders are already on. Send /schedule to see them.")]
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
        f"FYI: {patient.display_name or 'A patient'} turned reminders back on.",
        now,
        patient.id,
    )
    return [Reply("Welcome back! Reminders are on again. Send /schedule to see them.")]


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
    return [Reply("Welcome back! Your reminders are on again. Send /schedule to see them.")]


# Check-ins: how often, what time, which day --------------------------------------------------

CHECKIN_STEP_FREQUENCY, CHECKIN_STEP_TIME, CHECKIN_STEP_DAY = "frequency", "time", "day"
_FREQUENCIES = {
    "weekly": Frequency.WEEKLY,
    "daily": Frequency.DAILY,
    "off": Frequency.OFF,
    "no": Frequency.OFF,
    "none": Frequency.OFF,
    "no check-ins": Frequency.OFF,
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


def check_in_schedule(patient: Patient) -> tuple[Frequency, int | None, str | None]:
    return Frequency(patient.checkin_frequency), patient.checkin_weekday, patient.checkin_time


def checkin_prompt(step: str) -> Reply:
    if step == CHECKIN_STEP_TIME:
        return Reply(
            texts.CHECKIN_TIME_PROMPT,
            rows(*((t, t) for t in CHECKIN_TIME_CHOICES), per_row=4),
        )
    if step == CHECKIN_STEP_DAY:
        return Reply(
            "Which day of the week?",
            rows(*((name, name.lower()) for name in WEEKDAY_NAMES.values()), per_row=4),
        )
    return Reply(
        "How often should I check in?",
        rows(("Weekly", "weekly"), ("Daily", "daily"), ("No check-ins", "off"), per_row=3),
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
    answer = " ".join(text.lower().split())
    if step == CHECKIN_STEP_FREQUENCY:
        frequency = _FREQUENCIES.get(answer)
        if frequency is None:
            raise ParseError("Please tap Weekly, Daily or No check-ins.")
        if frequency is Frequency.OFF:
            return _save_check_ins(ctx, session, patient, frequency, None, None), None, {}
        data = {"frequency": frequency.value}
        return [checkin_prompt(CHECKIN_STEP_TIME)], CHECKIN_STEP_TIME, data
    if step == CHECKIN_STEP_TIME:
        times = parse_times_of_day(text)
        if len(times) > 1:
            raise ParseError(texts.CHECKIN_ONE_TIME)
        data = {**data, "time": times[0].strftime("%H:%M")}
        if data.get("frequency") == Frequency.WEEKLY.value:
            return [checkin_prompt(CHECKIN_STEP_DAY)], CHECKIN_STEP_DAY, data
        return _save_check_ins(ctx, session, patient, Frequency.DAILY, None, data["time"]), None, {}
    day = _DAYS.get(answer[:3] if answer[:3] in _DAYS else answer)
    if day is None:
        raise ParseError("Please tap a day, or type one, for example Sunday.")
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
    tail = " You can start one any time with /checkin." if frequency is Frequency.OFF else ""
    return [Reply(f"Done. {checkins.describe(frequency, weekday, at)}.{tail}")]

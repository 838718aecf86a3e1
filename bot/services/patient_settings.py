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
from bot.domain import texts
from bot.domain.clock_times import ParseError, parse_date, parse_times_of_day
from bot.domain.onboarding import TIME_CHOICES
from bot.domain.replies import Reply, rows
from bot.domain.schedules import Plan, describe_plan, next_due
from bot.domain.timezones import COMMON_ZONES, ZoneMatch
from bot.services import audit
from bot.services.context import AppContext
from bot.services.plans import plan_for

FLOW_TIME, FLOW_ZONE, FLOW_PAUSE = "set_time", "set_zone", "pause"
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

"""A sample clinic for trying the product: a dozen patients with 90 days of varied history.

Histories follow a few patterns a care team recognises (steady, slipping lately, back on track
after a rough patch, an injection patient, a weekly regimen, someone who just started) with a
fixed random seed, so every demo looks the same. Nothing here is real data. Alerts are not
written by hand: the product's alert rules are run over each seeded history
(:func:`alerts_from_history`), so every card agrees with the figures beside it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Alert,
    CheckIn,
    Clinic,
    DoseEvent,
    OutboxMessage,
    Patient,
    PatientStatus,
    Schedule,
    Staff,
    StaffRole,
)
from bot.domain import adherence, risk
from bot.domain.adherence import DoseRecord
from bot.domain.checkins import Answers, Use
from bot.domain.schedules import Plan, PlanKind, WeeklyRegimen, day_number, next_due
from bot.services.clinics import add_clinic
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat, schedule_for

DEMO_CLINIC = "Demo Clinic"
DEMO_STAFF_TELEGRAM_ID = 100_000_001
DEMO_CHAT_BASE = 900_000_000
DAYS = 90


@dataclass(frozen=True)
class Profile:
    name: str
    zone: str
    kind: str  # daily, weekly, injection
    pattern: str  # steady, slipping, recovering, patchy, new, struggling
    started_days_ago: int = DAYS


PROFILES = [
    Profile("Alex Morgan", "America/New_York", "daily", "steady"),
    Profile("Jordan Lee", "America/Chicago", "daily", "slipping"),
    Profile("Sam Patel", "America/Los_Angeles", "daily", "recovering"),
    Profile("Riley Chen", "America/Denver", "injection", "steady"),
    Profile("Casey Brooks", "America/New_York", "weekly", "steady"),
    Profile("Taylor Nguyen", "America/Chicago", "daily", "patchy"),
    Profile("Morgan Diaz", "America/New_York", "daily", "struggling"),
    Profile("Jamie Rossi", "Europe/London", "daily", "steady", 40),
    Profile("Avery Kim", "America/Phoenix", "injection", "slipping"),
    Profile("Quinn Walker", "America/Los_Angeles", "daily", "new", 6),
    Profile("Drew Okafor", "America/New_York", "weekly", "patchy"),
    Profile("Robin Silva", "America/Chicago", "daily", "recovering", 60),
]


def _taken_chance(pattern: str, back: int) -> float:
    if pattern == "steady":
        return 0.96
    if pattern == "slipping":
        return 0.92 if back > 14 else 0.45
    if pattern == "recovering":
        return 0.5 if back > 30 else 0.93
    if pattern == "struggling":
        return 0.55 if back > 3 else 0.0
    if pattern == "new":
        return 0.85
    return 0.75  # patchy


def _craving(pattern: str, back: int, rng: random.Random) -> int:
    base = {"steady": 2, "slipping": 3 if back > 14 else 7, "recovering": 7 if back > 30 else 3}
    level = base.get(pattern, 5) + rng.randint(-2, 2)
    if pattern == "struggling" and back <= 7:
        level = 9  # the latest check-in, behind their open high-craving alert
    return max(0, min(10, level))


async def seed_demo(ctx: AppContext) -> tuple[str, int]:
    """Create the demo clinic once (later calls find it); returns (invite code, staff id)."""
    async with ctx.sessions() as session:
        found = (
            await session.execute(
                select(Clinic.invite_code, Staff.id)
                .join(Staff, Staff.clinic_id == Clinic.id)
                .where(Clinic.name == DEMO_CLINIC, Staff.telegram_user_id == DEMO_STAFF_TELEGRAM_ID)
            )
        ).first()
        if found is not None:
            return found[0], found[1]
    clinic = await add_clinic(ctx.sessions, ctx.clock, DEMO_CLINIC)
    now = ctx.clock.now()
    rng = random.Random(2026)  # noqa: S311 - sample data, the same every time
    async with ctx.sessions.begin() as session:
        staff = Staff(
            telegram_user_id=DEMO_STAFF_TELEGRAM_ID,
            name="Demo Nurse",
            role=StaffRole.ADMIN,
            timezone="America/New_York",
            clinic_id=clinic.id,
            created_at=now,
        )
        session.add(staff)
        chat_base = DEMO_CHAT_BASE + int(await session.scalar(select(func.count(Patient.id))) or 0)
        for index, profile in enumerate(PROFILES):
            await _patient(
                session,
                clinic.id,
                chat_base + index,
                profile,
                now,
                rng,
                ctx.consent.version,
                ctx.settings.thresholds,
            )
        await session.flush()
        return clinic.invite_code, staff.id


def _plan(profile: Profile, today: date) -> Plan:
    if profile.kind == "weekly":
        regimen = WeeklyRegimen(((1, 100), (3, 100), (5, 150)))
        return Plan(PlanKind.WEEKLY, profile.zone, (time(9, 0),), regimen=regimen)
    if profile.kind == "injection":
        # Next injection a week or two out, so the history holds three given (or not) ones.
        return Plan(
            PlanKind.MONTHLY_INJECTION,
            profile.zone,
            (time(10, 0),),
            injection_date=today + timedelta(days=10),
        )
    return Plan(PlanKind.DAILY, profile.zone, (time(8, 0),), dose_mg=50)


async def _patient(
    session: AsyncSession,
    clinic_id: int,
    chat_id: int,
    profile: Profile,
    now: datetime,
    rng: random.Random,
    consent_version: str,
    thresholds: risk.Thresholds,
) -> None:
    zone = ZoneInfo(profile.zone)
    today = now.astimezone(zone).date()
    started = now - timedelta(days=profile.started_days_ago)
    plan = _plan(profile, today)
    patient = Patient(
        chat_id=chat_id,
        clinic_id=clinic_id,
        display_name=profile.name,
        timezone=profile.zone,
        consent_version=consent_version,
        consented_at=started,
        checkin_frequency="weekly",
        checkin_weekday=7,
        checkin_time="18:00",
        created_at=started,
        updated_at=now,
    )
    schedule = schedule_for(plan, now)
    patient.schedules.append(schedule)
    session.add(patient)
    await session.flush()
    doses: list[DoseEvent] = []
    check_ins: list[CheckIn] = []
    for back in range(profile.started_days_ago, -1, -1):
        day = today - timedelta(days=back)
        if profile.kind == "weekly" and day.isoweekday() not in (1, 3, 5):
            continue
        if profile.kind == "injection" and (today + timedelta(days=10) - day).days % 28 != 0:
            continue
        due = datetime.combine(day, plan.times[0], zone)
        if due > now:
            continue
        chance = _taken_chance(profile.pattern, back)
        if now - due < timedelta(hours=4):
            status = "pending"
        elif rng.random() < chance:
            status = "taken"
        else:
            status = rng.choices(["missed", "skipped", "missed_not_reminded"], [7, 2, 1])[0]
        answered = None
        if status in ("taken", "skipped"):
            answered = due + timedelta(minutes=rng.choice([3, 10, 25, 50, 130, 300]))
        doses.append(
            DoseEvent(
                schedule_id=schedule.id,
                patient_id=patient.id,
                due_at=due,
                local_day=day_number(due, zone),
                dose_mg=plan.regimen.dose_on(day.isoweekday()) if plan.regimen else plan.dose_mg,
                status=status,
                window_ends_at=due
                + (timedelta(days=3) if profile.kind == "injection" else timedelta(hours=4)),
                reminded_at=None if status == "missed_not_reminded" else due,
                answered_at=answered,
                created_at=due,
            )
        )
        if back % 7 == 0 and back > 0:
            answered_check = rng.random() < (0.9 if profile.pattern == "steady" else 0.65)
            created = datetime.combine(day, time(18, 0), zone)
            check_ins.append(
                CheckIn(
                    patient_id=patient.id,
                    created_at=created,
                    due_at=created,
                    status="answered" if answered_check else "expired",
                    answered_at=created + timedelta(minutes=4) if answered_check else None,
                    craving=_craving(profile.pattern, back, rng) if answered_check else None,
                    mood=rng.randint(2, 5) if answered_check else None,
                    substance_use="no" if answered_check else None,
                )
            )
    session.add_all([*doses, *check_ins])
    schedule.next_due_at = next_due(plan, now)
    for alert in alerts_from_history(profile, doses, check_ins, thresholds, now):
        alert.clinic_id, alert.patient_id = clinic_id, patient.id
        session.add(alert)


def alerts_from_history(
    profile: Profile,
    doses: Sequence[DoseEvent],
    check_ins: Sequence[CheckIn],
    thresholds: risk.Thresholds,
    now: datetime,
) -> list[Alert]:
    """The alerts the product's own rules would have raised over this history, so that every
    alert in the demo agrees with the figures beside it. Episodes that ended in the history were
    resolved by the demo nurse a day after they opened; the ones still going are open (the
    slipping patient's taken in hand). Pure: builds rows without a patient or clinic id."""
    name = profile.name
    alerts: list[Alert] = []

    def add(finding: risk.Finding, at: datetime, ended: bool) -> None:
        taken_in_hand = profile.pattern == "slipping"
        status = "resolved" if ended else ("acknowledged" if taken_in_hand else "open")
        handled = at + timedelta(hours=1)
        alerts.append(
            Alert(
                kind=finding.key,
                severity=finding.severity,
                status=status,
                summary=finding.summary,
                created_at=at,
                occurrences=1,
                last_seen_at=at,
                acknowledged_at=handled if status != "open" and handled < now else None,
                resolved_at=min(at + timedelta(days=1), now) if ended else None,
            )
        )

    ordered = sorted(doses, key=lambda d: d.due_at)
    records = [DoseRecord(day=date.min, status=d.status) for d in ordered]
    misses = adherence.consecutive_misses(records)
    if misses >= thresholds.missed_in_a_row:
        counted = [d for d in ordered if d.status == "missed"][-misses:]
        raised = counted[thresholds.missed_in_a_row - 1].window_ends_at
        add(risk.missed_doses(name, misses), raised, False)

    answered = sorted(
        (c for c in check_ins if c.answered_at is not None), key=lambda c: c.answered_at or now
    )
    if answered:
        latest = answered[-1]
        use = Use(latest.substance_use) if latest.substance_use else None
        answers = Answers(craving=latest.craving, use=use)
        for finding in risk.from_check_in(name, answers, thresholds):
            add(finding, latest.answered_at or now, False)

    # Reminders and check-ins in a row without an answer: each run that reached the threshold
    # is one episode, over once the patient answered again.
    prompts = sorted(
        [
            (d.window_ends_at, d.status in ("taken", "skipped"))
            for d in ordered
            if d.reminded_at is not None and d.status != "pending"
        ]
        + [(c.due_at or c.created_at, c.answered_at is not None) for c in check_ins],
        key=lambda prompt: prompt[0],
    )
    run, opened = 0, None
    for at, was_answered in prompts:
        if was_answered:
            if opened is not None:
                add(risk.unresponsive(name, thresholds.unanswered_in_a_row), opened, True)
            run, opened = 0, None
            continue
        run += 1
        if run == thresholds.unanswered_in_a_row:
            opened = at
    if opened is not None:
        add(risk.unresponsive(name, run), opened, False)
    return alerts


def sample_patient(name: str) -> Profile | None:
    """The sample profile a seeded patient was made from (by name), or None for anyone else."""
    return next((profile for profile in PROFILES if profile.name == name), None)


def answers_reminder(profile: Profile, rng: random.Random) -> bool:
    """Whether a sample patient taps Taken on today's reminder, as their history goes lately."""
    return rng.random() < _taken_chance(profile.pattern, 0)


async def demo_clock_start(ctx: AppContext) -> datetime:
    """Where a new demo clock starts: now, or later if an earlier fast-clock run got ahead of
    the wall clock (time in the demo never runs backwards)."""
    async with ctx.sessions() as session:
        latest = await session.scalar(select(func.max(OutboxMessage.created_at)))
    now = ctx.clock.now()
    return max(now, latest) if latest is not None else now


async def remind_now(ctx: AppContext, chat_id: int) -> str:
    """The demo's "send my first reminder now": the patient's next dose becomes due at once,
    so the real tick, outbox and sender deliver it. Their plan carries on as set after it."""
    # Whole seconds: a reminder's buttons name its dose by the due instant's epoch second.
    now = ctx.clock.now().replace(microsecond=0)
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        if patient is None:
            return "Enrol first: answer the bot's questions above, then type `now` again"
        if patient.status != PatientStatus.ACTIVE:
            return "Reminders are off for you now (paused or stopped); /resume turns them on"
        schedule = await session.scalar(
            select(Schedule).where(Schedule.patient_id == patient.id, Schedule.active)
        )
        if schedule is None or schedule.next_due_at is None:
            return "Finish setting up your reminders first, then type `now` again"
        if schedule.next_due_at > now:
            schedule.next_due_at = now
            schedule.updated_at = now
    return "A practice reminder is on its way, through the real reminder jobs, in a few seconds"

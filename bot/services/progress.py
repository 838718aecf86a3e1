"""``/progress``: the patient's own adherence, streak and craving trend, with a chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts import CravingPoint, progress_png
from bot.db.models import CheckIn, DoseEvent, Patient, Schedule, ScheduleKind
from bot.domain import adherence
from bot.domain.adherence import Coverage, DoseRecord
from bot.domain.replies import Reply
from bot.domain.risk import Thresholds
from bot.i18n import N_, nt, t

WINDOW_DAYS = 30


@dataclass(frozen=True)
class PatientHistory:
    records: list[DoseRecord]
    cravings: list[CravingPoint]
    today: date
    enrolled: date


async def history(
    session: AsyncSession, patient: Patient, now: datetime, days: int
) -> PatientHistory:
    """The patient's doses and check-in cravings over the last ``days`` local days (two
    queries), on the patient's own calendar."""
    zone = ZoneInfo(patient.timezone)
    today = now.astimezone(zone).date()
    since = datetime.combine(today - timedelta(days=days + 31), datetime.min.time(), zone)
    rows = (
        await session.execute(
            select(
                DoseEvent.due_at,
                DoseEvent.status,
                DoseEvent.answered_at,
                DoseEvent.window_ends_at,
                Schedule.kind,
                Schedule.injection_interval_days,
            )
            .join(Schedule, Schedule.id == DoseEvent.schedule_id)
            .where(DoseEvent.patient_id == patient.id, DoseEvent.due_at >= since)
            .order_by(DoseEvent.due_at)
        )
    ).all()
    records = [
        DoseRecord(
            day=due.astimezone(zone).date(),
            status=status,
            on_time=answered is not None and answered <= window_end,
            covers_days=(interval or 28) if kind == ScheduleKind.MONTHLY_INJECTION else 1,
        )
        for due, status, answered, window_end, kind, interval in rows
    ]
    start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), zone)
    cravings = [
        CravingPoint(at.astimezone(zone).date(), level or 0)
        for at, level in (
            await session.execute(
                select(CheckIn.created_at, CheckIn.craving)
                .where(
                    CheckIn.patient_id == patient.id,
                    CheckIn.created_at >= start,
                    CheckIn.craving.is_not(None),
                )
                .order_by(CheckIn.created_at)
            )
        ).all()
    ]
    return PatientHistory(records, cravings, today, patient.created_at.astimezone(zone).date())


def _week_share(coverage: Coverage, lang: str) -> str:
    if coverage.due == 0:
        return t(lang, "Last 7 days: nothing was due yet")
    return nt(
        lang,
        "Last 7 days: {covered} of {n} day ({percent}%)",
        "Last 7 days: {covered} of {n} days ({percent}%)",
        coverage.due,
        covered=coverage.covered,
        percent=coverage.percent,
    )


def _month_share(coverage: Coverage, lang: str) -> str:
    if coverage.due == 0:
        return t(lang, "Last 30 days: nothing was due yet")
    return nt(
        lang,
        "Last 30 days: {covered} of {n} day ({percent}%)",
        "Last 30 days: {covered} of {n} days ({percent}%)",
        coverage.due,
        covered=coverage.covered,
        percent=coverage.percent,
    )


HARD_WEEK = N_(
    "It sounds like this week has had some hard moments. That's not a failure: telling someone "
    "is a strong step. Your care team is there to help, and if you're not safe right now, "
    "send /sos."
)
FIRST_DOSE = N_("Your first dose is recorded. Every dose counts.")
FIRST_REMINDERS = N_("Your first reminders are on their way. Every dose counts.")
STEADY = N_("That's steady work. Keep it going, one day at a time.")
BACK_ON_TRACK = N_("You're back on track, and that's what matters most.")
HARDER_DAYS = N_(
    "Some days are harder than others, and that's okay. Your next dose is a fresh start, "
    "and your care team is there if anything is getting in the way."
)


def _encouragement(
    week: Coverage, streak: int, hard_week: bool = False, first_taken: bool = False
) -> str:
    """The closing line, as a catalog id (say it with ``t``)."""
    ratio = week.ratio
    # Praise for the doses would read as not listening to someone who just said they used or
    # had a craving they could hardly hold: support comes first.
    if hard_week:
        return HARD_WEEK
    if ratio is None:
        # Today counts once it is settled, so a dose taken on the first day shows no share yet.
        return FIRST_DOSE if first_taken else FIRST_REMINDERS
    if ratio >= adherence.ADHERENT:
        return STEADY
    if streak > 0:
        return BACK_ON_TRACK
    return HARDER_DAYS


def progress_text(
    week: Coverage,
    month: Coverage,
    streak: int,
    days_in_treatment: int,
    cravings: Sequence[CravingPoint],
    hard_week: bool = False,
    first_taken: bool = False,
    *,
    lang: str = "en",
) -> str:
    lines = [
        t(lang, "Your progress"),
        "",
        _week_share(week, lang),
        _month_share(month, lang),
        nt(lang, "Current streak: {n} day", "Current streak: {n} days", streak),
        t(lang, "Days in treatment: {days}", days=days_in_treatment),
    ]
    if cravings:
        lines.append(t(lang, "Latest craving: {craving}/10", craving=cravings[-1].craving))
    lines += ["", t(lang, _encouragement(week, streak, hard_week, first_taken))]
    return "\n".join(lines)


async def hard_week(
    session: AsyncSession, patient_id: int, now: datetime, craving_threshold: int
) -> bool:
    """A check-in in the last 7 days with a craving at the alert threshold or reported use."""
    found = await session.scalar(
        select(CheckIn.id)
        .where(
            CheckIn.patient_id == patient_id,
            CheckIn.created_at >= now - timedelta(days=7),
            or_(
                CheckIn.craving >= craving_threshold,
                and_(CheckIn.substance_use.is_not(None), CheckIn.substance_use != "no"),
            ),
        )
        .limit(1)
    )
    return found is not None


async def progress(
    session: AsyncSession,
    patient: Patient,
    now: datetime,
    craving_threshold: int = Thresholds().craving,
) -> Reply:
    past = await history(session, patient, now, WINDOW_DAYS)
    hard = await hard_week(session, patient.id, now, craving_threshold)
    week = adherence.pdc(past.records, past.today, 7)
    month = adherence.pdc(past.records, past.today, WINDOW_DAYS)
    streak = adherence.streaks(past.records, past.today).current
    days_in = (past.today - past.enrolled).days + 1
    start = past.today - timedelta(days=WINDOW_DAYS - 1)
    cells = adherence.calendar(past.records, start, past.today)
    lang = patient.language
    image = progress_png(cells, past.cravings, lang=lang)
    taken = any(r.status == adherence.TAKEN for r in past.records)
    text = progress_text(
        week, month, streak, days_in, past.cravings, hard, first_taken=taken, lang=lang
    )
    return Reply(text, image=image)

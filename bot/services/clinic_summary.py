"""The clinic summary: one row per patient with their adherence, in two SQL statements.

The first statement lists the time zones the clinic's patients live in (each patient's "today" is
their own local day); the second computes every figure for every patient with aggregations over
``dose_events`` (grouped by the patient's local day, stored with each dose), ``check_ins`` and
``alerts``. The number of statements does not grow with the number of patients.

The definitions are those of :mod:`bot.domain.adherence` (the tests check that both agree on
random histories, on both databases): a day counts once a dose due that day has a settled
answer, is covered when every dose due that day was taken, and doses that never reached the
patient are left out. For an injection plan every day counts once the first injection was due,
covered within the interval after an injection that was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import (
    Alert,
    AlertStatus,
    CheckIn,
    CheckInStatus,
    DoseEvent,
    DoseStatus,
    Patient,
    Schedule,
    ScheduleKind,
)
from bot.domain.adherence import ADHERENT, WINDOW_DAYS, Coverage
from bot.domain.risk import AlertKind
from bot.domain.schedules import day_number, from_day_number

_TAKEN, _PENDING = DoseStatus.TAKEN.value, DoseStatus.PENDING.value
_NOT_REMINDED, _MISSED = DoseStatus.MISSED_NOT_REMINDED.value, DoseStatus.MISSED.value
_ANSWERED_DOSE = (DoseStatus.TAKEN.value, DoseStatus.SKIPPED.value)


@dataclass(frozen=True)
class PatientRow:
    id: int
    code: str
    name: str
    status: str
    plan_kind: str
    timezone: str
    coverage: dict[int, Coverage]  # days covered over the last N days, by N
    current_streak: int
    consecutive_misses: int
    on_time_rate: float | None
    last_dose_at: datetime | None
    last_check_in_at: datetime | None
    check_in_rate: float | None
    latest_craving: int | None
    previous_craving: int | None
    open_alerts: int
    urgent_alerts: int
    next_injection: date | None
    injection_overdue: bool
    enrolled_at: datetime

    @property
    def pdc7(self) -> Coverage:
        return self.coverage[7]

    @property
    def pdc30(self) -> Coverage:
        return self.coverage[30]

    @property
    def pdc90(self) -> Coverage:
        return self.coverage[WINDOW_DAYS]

    @property
    def craving_trend(self) -> int | None:
        if self.latest_craving is None or self.previous_craving is None:
            return None
        return self.latest_craving - self.previous_craving

    @property
    def adherent(self) -> bool | None:
        ratio = self.pdc30.ratio
        return None if ratio is None else ratio >= ADHERENT

    def needs_attention(self, craving_threshold: int, missed_in_a_row: int) -> bool:
        """Who needs a call today: an open alert, a run of misses, a high craving, a week
        under 80%, or an overdue injection."""
        week = self.pdc7.ratio
        return (
            self.open_alerts > 0
            or self.consecutive_misses >= missed_in_a_row
            or (self.latest_craving is not None and self.latest_craving >= craving_threshold)
            or (week is not None and week < ADHERENT)
            or self.injection_overdue
        )


def _least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a < b, a), else_=b)


def _greatest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a > b, a), else_=b)


def _sum_if(condition: ColumnElement[bool], value: Any = 1) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


async def clinic_patients(
    session: AsyncSession,
    clinic_id: int,
    now: datetime,
    patient_id: int | None = None,
    extra_days: int | None = None,
) -> list[PatientRow]:
    """Every patient of the clinic (or the one ``patient_id``, if it is theirs), with figures;
    days covered over 7, 30 and 90 days, and over ``extra_days`` if given."""
    windows = sorted({7, 30, WINDOW_DAYS, *([extra_days] if extra_days else [])})
    zones = list(
        await session.scalars(
            select(Patient.timezone).where(Patient.clinic_id == clinic_id).distinct()
        )
    )
    if not zones:
        return []
    todays = {zone: day_number(now, ZoneInfo(zone)) for zone in zones}
    today = case(todays, value=Patient.timezone, else_=max(todays.values()))
    lowest = min(todays.values()) - max(windows)

    in_clinic = Patient.clinic_id == clinic_id
    if patient_id is not None:
        in_clinic = and_(in_clinic, Patient.id == patient_id)

    # Per patient and local day: how many doses were known (reached them), taken, still open.
    per_day = (
        select(
            DoseEvent.patient_id.label("patient_id"),
            DoseEvent.local_day.label("day"),
            _sum_if(DoseEvent.status != _NOT_REMINDED).label("known"),
            _sum_if(DoseEvent.status == _TAKEN).label("taken"),
            _sum_if(DoseEvent.status == _PENDING).label("pending"),
        )
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where(in_clinic, DoseEvent.local_day >= lowest)
        .group_by(DoseEvent.patient_id, DoseEvent.local_day)
        .subquery("per_day")
    )
    counted = and_(
        per_day.c.known > 0,
        or_(per_day.c.pending == 0, per_day.c.taken != per_day.c.known - per_day.c.pending),
    )
    covered = and_(counted, per_day.c.taken == per_day.c.known)
    day_of = (
        select(
            per_day.c.patient_id,
            per_day.c.day,
            case((counted, 1), else_=0).label("counted"),
            case((covered, 1), else_=0).label("covered"),
        )
        .where(per_day.c.day >= lowest)
        .subquery("day_of")
    )
    patient_today = (
        select(Patient.id.label("pid"), today.label("today")).where(in_clinic).subquery("pt")
    )

    def window(days: int) -> ColumnElement[bool]:
        return and_(
            day_of.c.day > patient_today.c.today - days, day_of.c.day <= patient_today.c.today
        )

    last_gap = func.max(
        case(
            (and_(window(WINDOW_DAYS), day_of.c.counted == 1, day_of.c.covered == 0), day_of.c.day)
        )
    )
    daily = (
        select(
            day_of.c.patient_id,
            *(
                expr
                for days in windows
                for expr in (
                    _sum_if(and_(window(days), day_of.c.counted == 1)).label(f"due{days}"),
                    _sum_if(and_(window(days), day_of.c.covered == 1)).label(f"cov{days}"),
                )
            ),
            last_gap.label("last_gap"),
        )
        .join(patient_today, patient_today.c.pid == day_of.c.patient_id)
        .group_by(day_of.c.patient_id)
        .subquery("daily")
    )
    streak = (
        select(day_of.c.patient_id, func.count().label("streak"))
        .join(patient_today, patient_today.c.pid == day_of.c.patient_id)
        .join(daily, daily.c.patient_id == day_of.c.patient_id)
        .where(
            window(WINDOW_DAYS),
            day_of.c.covered == 1,
            or_(daily.c.last_gap.is_(None), day_of.c.day > daily.c.last_gap),
        )
        .group_by(day_of.c.patient_id)
        .subquery("streak")
    )

    # Injection coverage: days from the first injection (within the window) are due; each
    # given injection covers its interval.
    interval = func.coalesce(Schedule.injection_interval_days, 28)
    injections = (
        select(
            DoseEvent.patient_id.label("patient_id"),
            DoseEvent.local_day.label("day"),
            DoseEvent.status.label("status"),
            interval.label("interval"),
        )
        .join(Schedule, Schedule.id == DoseEvent.schedule_id)
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where(in_clinic, Schedule.kind == ScheduleKind.MONTHLY_INJECTION)
        .subquery("inj")
    )
    first_injection = (
        select(injections.c.patient_id, func.min(injections.c.day).label("first"))
        .group_by(injections.c.patient_id)
        .subquery("first_inj")
    )
    injection_columns = []
    for days in windows:
        start = _greatest(patient_today.c.today - days + 1, first_injection.c.first)
        last = _least(patient_today.c.today, injections.c.day + injections.c.interval - 1)
        overlap = _greatest(last - _greatest(start, injections.c.day) + 1, literal(0))
        injection_columns += [
            func.max(_greatest(patient_today.c.today - start + 1, literal(0))).label(f"idue{days}"),
            _sum_if(injections.c.status == _TAKEN, overlap).label(f"icov{days}"),
        ]
    injection = (
        select(injections.c.patient_id, *injection_columns)
        .join(patient_today, patient_today.c.pid == injections.c.patient_id)
        .join(first_injection, first_injection.c.patient_id == injections.c.patient_id)
        .group_by(injections.c.patient_id)
        .subquery("injection")
    )

    month_start = now - timedelta(days=30)
    answered, missed = aliased(DoseEvent), aliased(DoseEvent)
    last_answered = (
        select(func.max(answered.due_at))
        .where(answered.patient_id == Patient.id, answered.status.in_(_ANSWERED_DOSE))
        .correlate(Patient)
        .scalar_subquery()
    )
    misses = (
        select(func.count())
        .where(
            missed.patient_id == Patient.id,
            missed.status == _MISSED,
            or_(last_answered.is_(None), missed.due_at > last_answered),
        )
        .correlate(Patient)
        .scalar_subquery()
    )
    doses = (
        select(
            DoseEvent.patient_id,
            func.max(case((DoseEvent.status == _TAKEN, DoseEvent.answered_at))).label("last_dose"),
            _sum_if(
                and_(DoseEvent.status == _TAKEN, DoseEvent.local_day > patient_today.c.today - 30)
            ).label("taken30"),
            _sum_if(
                and_(
                    DoseEvent.status == _TAKEN,
                    DoseEvent.local_day > patient_today.c.today - 30,
                    DoseEvent.answered_at <= DoseEvent.window_ends_at,
                )
            ).label("on_time30"),
        )
        .join(patient_today, patient_today.c.pid == DoseEvent.patient_id)
        .where(DoseEvent.local_day <= patient_today.c.today)
        .group_by(DoseEvent.patient_id)
        .subquery("doses")
    )
    ranked = (
        select(
            CheckIn.patient_id,
            CheckIn.craving,
            func.row_number()
            .over(
                partition_by=CheckIn.patient_id,
                order_by=(CheckIn.created_at.desc(), CheckIn.id.desc()),
            )
            .label("rank"),
        )
        .join(Patient, Patient.id == CheckIn.patient_id)
        .where(in_clinic, CheckIn.craving.is_not(None))
        .subquery("ranked")
    )
    cravings = (
        select(
            ranked.c.patient_id,
            func.max(case((ranked.c.rank == 1, ranked.c.craving))).label("latest"),
            func.max(case((ranked.c.rank == 2, ranked.c.craving))).label("previous"),
        )
        .where(ranked.c.rank <= 2)
        .group_by(ranked.c.patient_id)
        .subquery("cravings")
    )
    scheduled = and_(CheckIn.due_at.is_not(None), CheckIn.created_at >= month_start)
    checks = (
        select(
            CheckIn.patient_id,
            func.max(case((CheckIn.answered_at.is_not(None), CheckIn.answered_at))).label("last"),
            _sum_if(and_(scheduled, CheckIn.status == CheckInStatus.ANSWERED)).label("answered"),
            _sum_if(and_(scheduled, CheckIn.status != CheckInStatus.OPEN)).label("closed"),
        )
        .join(Patient, Patient.id == CheckIn.patient_id)
        .where(in_clinic)
        .group_by(CheckIn.patient_id)
        .subquery("checks")
    )
    open_alerts = (
        select(
            Alert.patient_id,
            func.count().label("open"),
            _sum_if(Alert.severity == "urgent").label("urgent"),
            _sum_if(Alert.kind == AlertKind.INJECTION_OVERDUE.value).label("overdue"),
        )
        .where(Alert.clinic_id == clinic_id, Alert.status != AlertStatus.RESOLVED)
        .group_by(Alert.patient_id)
        .subquery("open_alerts")
    )
    plan = (
        select(
            Schedule.patient_id,
            func.max(Schedule.kind).label("kind"),
            func.max(Schedule.injection_date).label("injection_date"),
        )
        .join(Patient, Patient.id == Schedule.patient_id)
        .where(in_clinic)
        .group_by(Schedule.patient_id)
        .subquery("plan")
    )

    statement = (
        select(
            Patient.id,
            Patient.code,
            Patient.display_name,
            Patient.status,
            Patient.timezone,
            Patient.created_at,
            plan.c.kind,
            plan.c.injection_date,
            *(getattr(daily.c, f"{k}{d}") for d in windows for k in ("due", "cov")),
            *(getattr(injection.c, f"{k}{d}") for d in windows for k in ("idue", "icov")),
            streak.c.streak,
            misses.label("misses"),
            doses.c.last_dose,
            doses.c.taken30,
            doses.c.on_time30,
            checks.c.last.label("last_check_in"),
            checks.c.answered,
            checks.c.closed,
            cravings.c.latest,
            cravings.c.previous,
            open_alerts.c.open,
            open_alerts.c.urgent,
            open_alerts.c.overdue,
        )
        .outerjoin(plan, plan.c.patient_id == Patient.id)
        .outerjoin(daily, daily.c.patient_id == Patient.id)
        .outerjoin(injection, injection.c.patient_id == Patient.id)
        .outerjoin(streak, streak.c.patient_id == Patient.id)
        .outerjoin(doses, doses.c.patient_id == Patient.id)
        .outerjoin(checks, checks.c.patient_id == Patient.id)
        .outerjoin(cravings, cravings.c.patient_id == Patient.id)
        .outerjoin(open_alerts, open_alerts.c.patient_id == Patient.id)
        .where(in_clinic)
        .order_by(Patient.display_name, Patient.id)
    )
    rows = (await session.execute(statement)).all()
    return [_row(r, windows) for r in rows]


def _int(value: Any) -> int:
    return int(value or 0)


def _row(r: Any, windows: list[int]) -> PatientRow:
    injection = r.kind == ScheduleKind.MONTHLY_INJECTION
    coverage = {}
    for days in windows:
        if injection:
            due = _int(getattr(r, f"idue{days}"))
            coverage[days] = Coverage(min(_int(getattr(r, f"icov{days}")), due), due)
        else:
            coverage[days] = Coverage(
                _int(getattr(r, f"cov{days}")), _int(getattr(r, f"due{days}"))
            )
    taken30 = _int(r.taken30)
    closed = _int(r.closed)
    return PatientRow(
        id=r.id,
        code=r.code,
        name=r.display_name,
        status=r.status,
        plan_kind=r.kind or "",
        timezone=r.timezone,
        coverage=coverage,
        current_streak=0 if injection else _int(r.streak),
        consecutive_misses=_int(r.misses),
        on_time_rate=_int(r.on_time30) / taken30 if taken30 else None,
        last_dose_at=r.last_dose,
        last_check_in_at=r.last_check_in,
        check_in_rate=_int(r.answered) / closed if closed else None,
        latest_craving=r.latest,
        previous_craving=r.previous,
        open_alerts=_int(r.open),
        urgent_alerts=_int(r.urgent),
        next_injection=r.injection_date if injection else None,
        injection_overdue=_int(r.overdue) > 0,
        enrolled_at=r.created_at,
    )


def as_of_day(now: datetime, zone: str) -> date:
    return from_day_number(day_number(now, ZoneInfo(zone)))

"""Turning a finished onboarding into a patient and their medication schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    ConsentDecision,
    ConsentRecord,
    Patient,
    PatientStatus,
    Schedule,
    ScheduleKind,
)
from bot.domain.checkins import next_check_in_after_setup
from bot.domain.codes import new_patient_code
from bot.domain.onboarding import Draft, check_in_weekday
from bot.domain.schedules import Plan, PlanKind, next_due

_KIND = {
    PlanKind.DAILY: ScheduleKind.DAILY,
    PlanKind.WEEKLY: ScheduleKind.WEEKLY,
    PlanKind.MONTHLY_INJECTION: ScheduleKind.MONTHLY_INJECTION,
}


def schedule_for(plan: Plan, now: datetime) -> Schedule:
    return Schedule(
        kind=_KIND[plan.kind],
        timezone=plan.zone,
        dose_times=[t.strftime("%H:%M") for t in plan.times],
        weekly_doses=({str(day): mg for day, mg in plan.regimen.doses} if plan.regimen else None),
        dose_mg=plan.dose_mg,
        injection_date=plan.injection_date,
        injection_interval_days=(
            plan.injection_interval_days if plan.kind is PlanKind.MONTHLY_INJECTION else None
        ),
        next_due_at=next_due(plan, now),
        active=True,
        created_at=now,
        updated_at=now,
    )


async def patient_by_chat(session: AsyncSession, chat_id: int) -> Patient | None:
    return await session.scalar(select(Patient).where(Patient.chat_id == chat_id))


async def enrol(
    session: AsyncSession,
    *,
    chat_id: int,
    display_name: str,
    draft: Draft,
    plan: Plan,
    now: datetime,
) -> Patient:
    """Create the patient with their consent and schedule, in the caller's transaction."""
    if draft.consented_at is None:
        raise ValueError("enrolment without recorded consent")
    weekday = check_in_weekday(draft, now)
    code = new_patient_code()
    while await session.scalar(select(Patient.id).where(Patient.code == code)) is not None:
        code = new_patient_code()
    patient = Patient(
        code=code,
        chat_id=chat_id,
        clinic_id=draft.clinic_id,
        display_name=display_name[:200],
        timezone=plan.zone,
        language=draft.language,
        consent_version=draft.consent_version,
        consented_at=datetime.fromisoformat(draft.consented_at),
        status=PatientStatus.ACTIVE,
        plain_wording=False,
        checkin_frequency=draft.checkin.value,
        checkin_weekday=weekday,
        checkin_time=draft.checkin_time,
        next_checkin_at=next_check_in_after_setup(
            draft.checkin, weekday, draft.checkin_time, plan.zone, now
        ),
        created_at=now,
        updated_at=now,
    )
    patient.schedules.append(schedule_for(plan, now))
    session.add(patient)
    await session.flush()
    session.add(
        ConsentRecord(
            patient_id=patient.id,
            version=patient.consent_version,
            # The set-up ran in this language, so its consent text was the one read.
            language=draft.language,
            decision=ConsentDecision.ACCEPTED,
            at=patient.consented_at,
        )
    )
    return patient

"""After a reminder: re-send snoozed ones, nudge once, and record misses when the window closes.

A missed dose matters beyond adherence: tolerance to opioids falls, so the first miss of an episode
brings the patient a short overdose-risk message (once per episode, not once per dose), and a
second miss in a row, or an injection that is overdue, alerts the care team (once per episode).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import is_postgres
from bot.db.engine import claiming
from bot.db.models import DoseEvent, DoseStatus, Patient, PatientStatus, Schedule, ScheduleKind
from bot.domain import reminders, risk
from bot.domain.replies import Reply
from bot.services.alerts import raise_alert
from bot.services.context import AppContext
from bot.services.outbox import enqueue, payload_for
from bot.services.risk_rules import check_unanswered, missed_in_a_row
from bot.services.support import notify_missed

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class FollowUpResult:
    resent: int = 0
    nudged: int = 0
    missed: int = 0
    safety_messages: int = 0
    alerts: int = 0
    supporters_told: int = 0


# Typed loosely: Select's generic parameters differ between SQLAlchemy 2.0 and 2.1.
def _claim(statement: Any, session: AsyncSession) -> Any:
    statement = statement.limit(BATCH)
    if is_postgres(session):
        statement = statement.with_for_update(of=DoseEvent, skip_locked=True)
    return statement


def _base() -> Any:
    return (
        select(DoseEvent, Schedule, Patient)
        .join(Schedule, Schedule.id == DoseEvent.schedule_id)
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where(DoseEvent.status == DoseStatus.PENDING)
    )


def _local(dose: DoseEvent, schedule: Schedule) -> str:
    return dose.due_at.astimezone(ZoneInfo(schedule.timezone)).strftime("%H:%M")


def _reminder_again(dose: DoseEvent, schedule: Schedule, patient: Patient) -> Reply:
    if schedule.kind == ScheduleKind.MONTHLY_INJECTION:
        return reminders.injection_day(
            schedule.id, dose.due_at, patient.plain_wording, patient_id=patient.id
        )
    return reminders.dose_reminder(
        schedule.id,
        dose.due_at,
        _local(dose, schedule),
        dose.dose_mg,
        patient.plain_wording,
        patient_id=patient.id,
    )


async def follow_up(ctx: AppContext) -> FollowUpResult:
    now = ctx.clock.now()
    result = FollowUpResult()
    async with claiming(ctx.sessions) as session:
        await _resend_snoozed(ctx, session, now, result)
    async with claiming(ctx.sessions) as session:
        await _nudge(ctx, session, now, result)
    async with claiming(ctx.sessions) as session:
        await _close_windows(ctx, session, now, result)
    if result.nudged or result.resent or result.missed:
        log.info(
            "follow-up: %d re-sent after snooze, %d nudged, %d missed, %d safety, %d alert(s)",
            result.resent,
            result.nudged,
            result.missed,
            result.safety_messages,
            result.alerts,
        )
    return result


async def _resend_snoozed(
    ctx: AppContext, session: AsyncSession, now: datetime, result: FollowUpResult
) -> None:
    statement = _claim(
        _base().where(
            DoseEvent.snoozed_until <= now,
            DoseEvent.window_ends_at > now,
            Patient.status == PatientStatus.ACTIVE,
            Patient.consent_version == ctx.consent.version,
        ),
        session,
    )
    found: list[tuple[DoseEvent, Schedule, Patient]] = list(
        (await session.execute(statement)).all()
    )
    for dose, schedule, patient in found:
        assert dose.snoozed_until is not None
        enqueue(
            session,
            chat_id=patient.chat_id,
            patient_id=patient.id,
            kind="reminder",
            now=now,
            payload=payload_for(
                _reminder_again(dose, schedule, patient),
                dose={"schedule_id": schedule.id, "due_at": dose.due_at.isoformat()},
            ),
            dedupe_key=f"snooze:{dose.id}:{int(dose.snoozed_until.timestamp())}",
        )
        dose.snoozed_until = None
        result.resent += 1


async def _nudge(ctx: AppContext, session: AsyncSession, now: datetime, r: FollowUpResult) -> None:
    after = timedelta(minutes=ctx.settings.nudge_after_minutes)
    statement = _claim(
        _base().where(
            DoseEvent.reminded_at <= now - after,
            DoseEvent.nudged_at.is_(None),
            DoseEvent.snoozed_until.is_(None),
            DoseEvent.window_ends_at > now,
            Schedule.kind != ScheduleKind.MONTHLY_INJECTION,
            Patient.status == PatientStatus.ACTIVE,
            Patient.consent_version == ctx.consent.version,
        ),
        session,
    )
    found: list[tuple[DoseEvent, Schedule, Patient]] = list(
        (await session.execute(statement)).all()
    )
    for dose, schedule, patient in found:
        reply = reminders.dose_nudge(
            schedule.id,
            dose.due_at,
            _local(dose, schedule),
            patient.plain_wording,
            patient_id=patient.id,
        )
        enqueue(
            session,
            chat_id=patient.chat_id,
            patient_id=patient.id,
            kind="nudge",
            now=now,
            payload=payload_for(reply),
            dedupe_key=f"nudge:{dose.id}",
        )
        dose.nudged_at = now
        r.nudged += 1


async def _close_windows(
    ctx: AppContext, session: AsyncSession, now: datetime, result: FollowUpResult
) -> None:
    statement = _claim(
        _base().where(DoseEvent.window_ends_at <= now).order_by(DoseEvent.due_at), session
    )
    found: list[tuple[DoseEvent, Schedule, Patient]] = list(
        (await session.execute(statement)).all()
    )
    needed = ctx.settings.missed_doses_alert_count
    for dose, schedule, patient in found:
        # A reminder that never reached the patient (delivery failed or we were down) is not
        # their miss: it is recorded, but it neither warns them nor alerts anyone.
        patient.stats_version += 1  # their adherence figures change with this dose
        if dose.reminded_at is None:
            dose.status = DoseStatus.MISSED_NOT_REMINDED
            continue
        dose.status = DoseStatus.MISSED
        result.missed += 1
        await session.flush()
        name = patient.display_name
        if schedule.kind == ScheduleKind.MONTHLY_INJECTION:
            alert = await raise_alert(session, patient, risk.injection_overdue(name), now)
            result.alerts += alert is not None
        run = await missed_in_a_row(session, patient.id, dose.due_at, max(needed, 2))
        # The first miss of an episode warns the patient (tolerance falls when doses stop);
        # a run of misses alerts staff, once while the episode's alert is unresolved.
        if run == 1:
            enqueue(
                session,
                chat_id=patient.chat_id,
                patient_id=patient.id,
                kind="safety",
                now=now,
                payload={"text": reminders.missed_dose_safety(schedule.kind)},
                dedupe_key=f"safety:{dose.id}",
            )
            result.safety_messages += 1
        if run >= needed and schedule.kind != ScheduleKind.MONTHLY_INJECTION:
            alert = await raise_alert(session, patient, risk.missed_doses(name, run), now)
            result.alerts += alert is not None
        result.supporters_told += await notify_missed(session, patient, dose.due_at, now)
        result.alerts += await check_unanswered(ctx, session, patient, now)

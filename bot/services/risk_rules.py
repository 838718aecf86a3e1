"""The rules that turn what happened into alerts, applied where it happens.

The thresholds come from configuration (``Settings.thresholds``); the wording and the decisions
that need no database live in :mod:`bot.domain.risk`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckIn, CheckInStatus, DoseEvent, DoseStatus, Patient
from bot.domain import risk
from bot.domain.checkins import Answers
from bot.services.alerts import raise_alert
from bot.services.context import AppContext

_UNANSWERED_DOSE = (DoseStatus.MISSED.value,)
_CLOSED_DOSE = (DoseStatus.MISSED.value, DoseStatus.TAKEN.value, DoseStatus.SKIPPED.value)


async def recent_answers(session: AsyncSession, patient_id: int, limit: int) -> list[bool]:
    """Whether each of the patient's latest closed prompts (reminded doses and scheduled
    check-ins) was answered, newest first. One query over both tables."""
    doses = select(
        DoseEvent.due_at.label("at"),
        case((DoseEvent.status.in_(_UNANSWERED_DOSE), literal(0)), else_=literal(1)).label("ok"),
    ).where(
        DoseEvent.patient_id == patient_id,
        DoseEvent.reminded_at.is_not(None),
        DoseEvent.status.in_(_CLOSED_DOSE),
    )
    checks = select(
        CheckIn.created_at.label("at"),
        case((CheckIn.status == CheckInStatus.EXPIRED, literal(0)), else_=literal(1)).label("ok"),
    ).where(
        and_(
            CheckIn.patient_id == patient_id,
            CheckIn.due_at.is_not(None),
            CheckIn.status != CheckInStatus.OPEN,
        )
    )
    both = union_all(doses, checks).subquery()
    rows = await session.execute(select(both.c.ok).order_by(both.c.at.desc()).limit(limit))
    return [bool(ok) for (ok,) in rows.all()]


async def missed_in_a_row(
    session: AsyncSession, patient_id: int, before: datetime, limit: int
) -> int:
    """How many of the patient's doses up to ``before`` were missed back to back (at most
    ``limit``): doses not reminded don't break a run, and don't count in it."""
    statuses = await session.scalars(
        select(DoseEvent.status)
        .where(
            DoseEvent.patient_id == patient_id,
            DoseEvent.due_at <= before,
            DoseEvent.status.in_(_CLOSED_DOSE),
        )
        .order_by(DoseEvent.due_at.desc())
        .limit(limit)
    )
    run = 0
    for status in statuses:
        if status != DoseStatus.MISSED:
            break
        run += 1
    return run


async def check_unanswered(
    ctx: AppContext, session: AsyncSession, patient: Patient, now: datetime
) -> bool:
    """After a prompt went unanswered: alert once the last few all did."""
    needed = ctx.settings.unanswered_alert_count
    answered = await recent_answers(session, patient.id, needed)
    if not risk.unanswered_run(answered, needed):
        return False
    return (
        await raise_alert(session, patient, risk.unresponsive(patient.display_name, needed), now)
        is not None
    )


async def check_in_answers(
    ctx: AppContext, session: AsyncSession, patient: Patient, answers: Answers, now: datetime
) -> list[risk.Finding]:
    """Alerts for a check-in's answers; returns the findings (new or repeated episodes)."""
    findings = risk.from_check_in(patient.display_name, answers, ctx.settings.thresholds)
    for finding in findings:
        await raise_alert(session, patient, finding, now)
    return findings

"""The row-by-row check-in job as it was before issue 18, kept as the reference the set-based
job in jobs/checkins.py must agree with (tests/integration/test_checkins_property.py).

Only the names changed (and the imports to reach them); the semantics are the old ones: each due
patient read, moved on, checked for an existing check-in and given a new one in turn; each run-out
check-in closed and checked for an unanswered run on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import is_postgres
from bot.db.engine import claiming
from bot.db.models import CheckIn, CheckInStatus, Patient, PatientStatus
from bot.domain import checkins
from bot.domain.checkins import Answers
from bot.services.checkins import due_patients, open_check_in, schedule_of
from bot.services.context import AppContext
from bot.services.outbox import enqueue, payload_for
from bot.services.risk_rules import check_unanswered

log = logging.getLogger(__name__)

BATCH = 200


@dataclass
class CheckInResult:
    sent: int = 0
    skipped: int = 0
    expired: int = 0
    alerts: int = 0


async def reference_check_in_tick(ctx: AppContext) -> CheckInResult:
    now = ctx.clock.now()
    result = CheckInResult()
    # Expiry first: a check-in that ran out unanswered must count before a new one replaces it.
    async with claiming(ctx.sessions) as session:
        await _expire(ctx, session, now, result)
    while True:
        async with claiming(ctx.sessions) as session:
            handled = await _send_due(ctx, session, now, result)
        if handled < BATCH:
            break
    if result.sent or result.expired:
        log.info(
            "check-ins: %d sent, %d skipped, %d expired, %d alert(s)",
            result.sent,
            result.skipped,
            result.expired,
            result.alerts,
        )
    return result


async def _send_due(
    ctx: AppContext, session: AsyncSession, now: datetime, result: CheckInResult
) -> int:
    patients = await due_patients(session, now, BATCH, lock=is_postgres(session))
    late_limit = timedelta(hours=ctx.settings.checkin_expiry_hours)
    for patient in patients:
        due = patient.next_checkin_at
        assert due is not None
        frequency, weekday, at = schedule_of(patient)
        upcoming = (
            checkins.next_check_in(
                frequency, weekday, time.fromisoformat(at), patient.timezone, now
            )
            if at
            else None
        )
        patient.next_checkin_at = upcoming
        consent_ok = patient.consent_version == ctx.consent.version
        if patient.status != PatientStatus.ACTIVE or not consent_ok or now - due >= late_limit:
            result.skipped += 1
            continue
        already = await session.scalar(
            select(CheckIn.id).where(CheckIn.patient_id == patient.id, CheckIn.due_at == due)
        )
        if already is not None:
            continue
        check_in = await open_check_in(ctx, session, patient, now, due)
        enqueue(
            session,
            chat_id=patient.chat_id,
            patient_id=patient.id,
            kind="checkin",
            payload=payload_for(
                checkins.question_reply(check_in.id, Answers(), patient_id=patient.id)
            ),
            dedupe_key=f"checkin:{patient.id}:{int(due.timestamp())}",
            now=now,
        )
        result.sent += 1
    return len(patients)


async def _expire(
    ctx: AppContext, session: AsyncSession, now: datetime, result: CheckInResult
) -> None:
    statement = (
        select(CheckIn, Patient)
        .join(Patient, Patient.id == CheckIn.patient_id)
        .where(CheckIn.status == CheckInStatus.OPEN, CheckIn.expires_at <= now)
        .limit(BATCH)
    )
    if is_postgres(session):
        statement = statement.with_for_update(of=CheckIn, skip_locked=True)
    for check_in, patient in (await session.execute(statement)).all():
        # Part-answered counts as answered: the patient did respond.
        answered = check_in.answered_at is not None
        check_in.status = CheckInStatus.ANSWERED if answered else CheckInStatus.EXPIRED
        patient.stats_version += 1
        result.expired += not answered
        if not answered and check_in.due_at is not None:
            await session.flush()
            result.alerts += await check_unanswered(ctx, session, patient, now)

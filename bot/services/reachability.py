"""What happens when a patient has blocked the bot.

Telegram answers 403 "bot was blocked by the user" to every message for that chat from then on.
Retrying would be pointless, and silently dropping reminders would leave the care team believing
the patient still gets them. So the patient is marked unreachable, their reminders stop, what
was still queued for them is given up, and their clinic's staff are told once, so someone can
reach out another way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, OutboxStatus, Patient, PatientStatus, Schedule
from bot.domain import risk
from bot.services.alerts import raise_alert

UNREACHABLE_ERROR = "unreachable"


async def mark_unreachable(session: AsyncSession, patient_id: int, now: datetime) -> bool:
    """Mark the patient unreachable inside the caller's transaction; True if anything changed.

    Idempotent: a second call (another queued message bouncing, or a second worker) finds the
    patient already unreachable, nothing pending and an alert not yet resolved, and changes
    nothing. On Postgres the patient row is locked first, so two workers cannot both open an
    alert.

    Only messages to the patient's own chat are given up: staff alerts about the patient carry
    the same ``patient_id`` but go to other chats and must still be delivered.
    """
    patient = await session.scalar(
        select(Patient).where(Patient.id == patient_id).with_for_update()
    )
    if patient is None:
        return False
    changed = False

    if patient.status != PatientStatus.UNREACHABLE:
        patient.status = PatientStatus.UNREACHABLE
        patient.updated_at = now
        changed = True

    stopped = await session.execute(
        update(Schedule)
        .where(Schedule.patient_id == patient.id, Schedule.active.is_(True))
        .values(active=False, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    changed |= _rowcount(stopped) > 0

    dropped = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == patient.chat_id,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.FAILED, last_error=UNREACHABLE_ERROR)
        .execution_options(synchronize_session=False)
    )
    changed |= _rowcount(dropped) > 0

    # One alert per episode: none while an earlier one is still open or acknowledged.
    if not changed:
        return False  # a late bounce of the same episode: nothing new to tell staff
    await raise_alert(session, patient, risk.unreachable(patient.display_name), now)
    return True


def _rowcount(result: Result[Any]) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0

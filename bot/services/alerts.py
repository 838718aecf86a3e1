"""Alerts to a clinic's staff, delivered through the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Alert, AlertStatus, OutboxMessage, OutboxStatus, Patient, Staff
from bot.domain.triage import CrisisKind

_CRISIS_LABEL = {
    CrisisKind.SUICIDE_SELF_HARM: "may be thinking about suicide or self-harm",
    CrisisKind.OVERDOSE_EMERGENCY: "may be having an overdose or medical emergency",
    CrisisKind.USE_IN_PROGRESS: "may be using right now",
}


async def raise_alert(
    session: AsyncSession,
    patient: Patient,
    *,
    kind: str,
    staff_text: str,
    now: datetime,
    severity: str = "normal",
) -> Alert | None:
    """Open an alert unless one of this kind is already open for the patient (one per episode),
    and queue ``staff_text`` to each active staff member of their clinic."""
    already = await session.scalar(
        select(Alert.id).where(
            Alert.patient_id == patient.id,
            Alert.kind == kind,
            Alert.status != AlertStatus.RESOLVED,
        )
    )
    if already is not None:
        return None
    return await _open(session, patient, kind, severity, staff_text, now)


async def _open(
    session: AsyncSession, patient: Patient, kind: str, severity: str, text: str, now: datetime
) -> Alert:
    alert = Alert(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind=kind,
        severity=severity,
        status=AlertStatus.OPEN,
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    await _notify_staff(session, patient, alert, text, now)
    return alert


async def _notify_staff(
    session: AsyncSession, patient: Patient, alert: Alert, text: str, now: datetime
) -> None:
    staff = await session.scalars(
        select(Staff).where(Staff.clinic_id == patient.clinic_id, Staff.active.is_(True))
    )
    for member in staff:
        session.add(
            OutboxMessage(
                chat_id=member.telegram_user_id,
                patient_id=patient.id,
                kind="staff_alert",
                payload={"text": text, "alert_id": alert.id},
                dedupe_key=f"alert:{alert.id}:staff:{member.id}",
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


async def raise_crisis_alert(
    session: AsyncSession, patient: Patient, kind: CrisisKind, now: datetime
) -> Alert:
    """Open an urgent alert and queue a message to every active staff member of the clinic.

    The staff message names the patient but never quotes what they wrote: outbox rows outlive
    the moment, and the care team reads the conversation with the patient, not in our database.
    """
    text = (
        f"URGENT: {patient.display_name or 'A patient'} {_CRISIS_LABEL[kind]}. "
        "They have been given crisis numbers (988, 911, SAMHSA). Please reach out now."
    )
    return await _open(session, patient, f"crisis:{kind.value}", "urgent", text, now)

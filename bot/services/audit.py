"""Append-only record of who did or read what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, Patient
from bot.services.context import AppContext


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor_kind: str,
    action: str,
    actor_id: int | None = None,
    clinic_id: int | None = None,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an entry to the caller's transaction, so it commits (or not) with what it describes."""
    session.add(
        AuditEntry(
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            clinic_id=clinic_id,
            action=action,
            subject=subject,
            detail=detail,
        )
    )


def by_patient(
    session: AsyncSession,
    ctx: AppContext,
    patient: Patient,
    action: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Something a patient did, recorded under their pseudonym."""
    record(
        session,
        at=at,
        actor_kind="patient",
        action=action,
        clinic_id=patient.clinic_id,
        subject=ctx.patient_ref(patient.id),
        detail=detail,
    )

"""Short notes to a clinic's staff that are not alerts: a patient paused, stopped or left."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Staff
from bot.services.outbox import enqueue

KIND = "staff_info"


async def tell_staff(
    session: AsyncSession, clinic_id: int, text: str, now: datetime, patient_id: int | None
) -> None:
    """Queue ``text`` to every active staff member of the clinic. ``patient_id`` ties the note
    to the patient (so it goes if they are erased); None for one that must outlive them."""
    staff = await session.scalars(
        select(Staff.telegram_user_id).where(Staff.clinic_id == clinic_id, Staff.active.is_(True))
    )
    for chat_id in staff:
        enqueue(
            session,
            chat_id=chat_id,
            patient_id=patient_id,
            kind=KIND,
            payload={"text": text},
            now=now,
        )

"""Texts and segments per clinic per month (issue 16, item 6): what a clinic's texting costs.

The outbox sender counts each text Twilio accepts, in the same transaction that records it as
sent, against the clinic of the patient it went to: one upsert. The month is the UTC calendar
month of the send. Outbox rows themselves are erased after OUTBOX_RETENTION_DAYS, so the counts
are kept here, where they are about no patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import is_postgres
from bot.db.models import SmsUsage

__all__ = ["Usage", "count_text", "month_of", "usage"]


@dataclass(frozen=True)
class Usage:
    month: str
    texts: int = 0
    segments: int = 0


def month_of(now: datetime) -> str:
    return f"{now.year:04d}-{now.month:02d}"


async def count_text(session: AsyncSession, clinic_id: int, segments: int, now: datetime) -> None:
    """One text billed as ``segments``, added to the clinic's month (the sender knows the
    clinic from the claim's own read of the patient)."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = insert(SmsUsage).values(
        clinic_id=clinic_id, month=month_of(now), texts=1, segments=max(segments, 0)
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SmsUsage.clinic_id, SmsUsage.month],
            set_={
                "texts": SmsUsage.texts + 1,
                "segments": SmsUsage.segments + statement.excluded.segments,
            },
        )
    )


async def usage(session: AsyncSession, clinic_id: int, now: datetime) -> Usage:
    """The clinic's texts and segments this month (zeros when none were sent)."""
    month = month_of(now)
    found = (
        await session.execute(
            select(SmsUsage.texts, SmsUsage.segments).where(
                SmsUsage.clinic_id == clinic_id, SmsUsage.month == month
            )
        )
    ).first()
    return Usage(month, found.texts, found.segments) if found else Usage(month)

"""Keep every patient's adherence figures current, so staff pages only read them.

A patient's stats are stale after an answer or a miss (their ``stats_version`` moved on) and at
their local midnight (the windows end on a new day). This job recomputes the stale ones in
batches, each one INSERT … SELECT; a page that finds some still stale recomputes them itself.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.db.models import Patient, PatientStats
from bot.services.clinic_summary import patient_days, refresh_stats, stale
from bot.services.context import AppContext

log = logging.getLogger(__name__)

BATCH = 1000


async def refresh_stale_stats(ctx: AppContext) -> int:
    now = ctx.clock.now()
    total = 0
    while True:
        async with ctx.sessions.begin() as session:
            todays = await patient_days(session, now)
            if not todays:
                return total
            ids = list(
                await session.scalars(
                    select(Patient.id)
                    .outerjoin(PatientStats, PatientStats.patient_id == Patient.id)
                    .where(stale(todays))
                    .order_by(Patient.id)
                    .limit(BATCH)
                )
            )
            if ids:
                await refresh_stats(session, Patient.id.in_(ids), now)
        total += len(ids)
        if len(ids) < BATCH:
            if total:
                log.info("recomputed the adherence figures of %d patient(s)", total)
            return total

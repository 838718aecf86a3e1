"""Keep every patient's adherence figures current, so staff pages only read them.

A patient's stats are stale after an answer or a miss (their ``stats_version`` moved on past the
``stats_seen_version`` this job last computed them from) and at their local midnight (their
``stats_fresh_until``: the windows end on a new day); a page that finds some still stale
recomputes them itself.

The job costs what changed (issue 18, item 3): each batch is found by one statement of two index
probes (:func:`bot.services.clinic_summary.stale_patients`), so a run with nothing stale is that
one cheap query whatever the number of patients, and each batch is recomputed from those
patients' own doses and check-ins only (read through their patient indexes). On Postgres a batch
takes its patients' rows with ``FOR UPDATE SKIP LOCKED``: a patient whose answer is being written
is left for the next run (it will be stale again anyway), and two runs never wait on each other.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.db.bulk import is_postgres
from bot.db.models import Patient
from bot.services.clinic_summary import among_ids, refresh_patients, stale_patients
from bot.services.context import AppContext

log = logging.getLogger(__name__)

BATCH = 1000


async def refresh_stale_stats(ctx: AppContext) -> int:
    now = ctx.clock.now()
    total = 0
    while True:
        async with ctx.sessions.begin() as session:
            found = sorted(set(await session.scalars(stale_patients(now, BATCH))))
            if not found:
                break
            ids = found
            if is_postgres(session):
                ids = list(
                    await session.scalars(
                        select(Patient.id)
                        .where(among_ids(found, postgres=True)(Patient.id))
                        .order_by(Patient.id)
                        .with_for_update(skip_locked=True)
                    )
                )
            await refresh_patients(session, ids, now)
        total += len(ids)
        # Each kind of stale patient comes BATCH at a time; fewer means that kind is done. A
        # batch whose rows were all taken by others makes no progress: leave them for later.
        if len(found) < BATCH or not ids:
            break
    if total:
        log.info("recomputed the adherence figures of %d patient(s)", total)
    return total

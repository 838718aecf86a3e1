"""Keep every patient's adherence figures current, so staff pages only read them.

A patient's stats are stale after an answer or a miss (their ``stats_version`` moved on past the
``stats_seen_version`` this job last computed them from) and at their local midnight (their
``stats_fresh_until``: the windows end on a new day); a page that finds some still stale
recomputes them itself.

The job costs what changed (issue 18, item 3): each batch is found by one statement of two index
probes (:func:`bot.services.clinic_summary.stale_patients`), so a run with nothing stale is that
one cheap query whatever the number of patients, and each batch is recomputed from those
patients' own doses and check-ins only (read through their patient indexes). On Postgres a batch
takes its patients' rows with ``FOR UPDATE SKIP LOCKED`` (in the statement that marks them): a
patient whose answer is being written is left for the next run (it will be stale again anyway),
and two runs never wait on each other.

A backlog (every patient stale after local midnight) is drained by ``lanes`` batch loops at once
on Postgres, each over its own share of the patient ids, because the recomputation is CPU work on
the server and each statement uses one core. The lanes start only when the first probe finds a
full batch, so an idle or ordinary run is still one query; SQLite has a single writer and uses
one lane.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.db.bulk import is_postgres
from bot.services.clinic_summary import Cursor, Lane, refresh_patients, stale_patients
from bot.services.context import AppContext

log = logging.getLogger(__name__)

BATCH = 1000
DEFAULT_LANES = 2


async def refresh_stale_stats(
    ctx: AppContext, *, batch: int = BATCH, lanes: int | None = None
) -> int:
    now = ctx.clock.now()
    lanes = 1 if ctx.settings.is_sqlite else (lanes or DEFAULT_LANES)
    # A full first probe means a backlog: the lanes take it from the start, rather than after
    # one batch done alone while the other cores wait.
    total, cursor, more = await _one_batch(ctx, now, batch, None, Cursor(), defer_full=lanes > 1)
    if more:
        shares: list[Lane | None] = [(lanes, k) for k in range(lanes)] if lanes > 1 else [None]
        total += sum(await asyncio.gather(*(_drain(ctx, now, batch, s, cursor) for s in shares)))
    if total:
        log.info("recomputed the adherence figures of %d patient(s)", total)
    return total


async def _drain(
    ctx: AppContext, now: datetime, batch: int, lane: Lane | None, cursor: Cursor
) -> int:
    total, more = 0, True
    while more:
        done, cursor, more = await _one_batch(ctx, now, batch, lane, cursor)
        total += done
    return total


async def _one_batch(
    ctx: AppContext,
    now: datetime,
    batch: int,
    lane: Lane | None,
    cursor: Cursor,
    defer_full: bool = False,
) -> tuple[int, Cursor, bool]:
    """Recompute one batch; returns how many, where the next batch of this run starts in each
    index (after the last patient of each kind this one found), and whether there may be more
    to do. ``defer_full``: a full batch is left undone (the lanes will take it)."""
    async with ctx.sessions.begin() as session:
        rows = (await session.execute(stale_patients(now, batch, lane, cursor))).all()
        if not rows:
            return 0, cursor, False
        # Each kind of stale patient comes ``batch`` at a time; fewer means that kind is done.
        ids = sorted({row.id for row in rows})
        full = len(ids) >= batch
        if full and defer_full:
            return 0, cursor, True
        moved = [row.id for row in rows if row.moved]
        ended = [(row.fresh_until, row.id) for row in rows if not row.moved]
        cursor = Cursor(
            max(moved) if moved else cursor.moved, max(ended) if ended else cursor.ended
        )
        done = await refresh_patients(session, ids, now, skip_locked=is_postgres(session))
    # A batch whose rows were all taken by others makes no progress: leave them for later (a
    # patient skipped behind the cursor is found again by the next run).
    return len(done), cursor, full and bool(done)

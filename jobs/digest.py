"""The Monday digest: each staff member's clinic summary, Monday morning in their own zone.

Runs every few minutes; a staff member gets it once per ISO week (the outbox dedupe key), between
08:00 and noon their time, so a worker that was down at 08:00 still sends it later that morning.

The clinics of everyone due are read together, each clinic's summary once (its totals and who
needs a call, from the stored figures: :func:`bot.services.clinic_summary.clinic_briefs`), in a
few statements whatever the number of clinics and staff; each staff member gets it in their own
words (their zone's times), every read is still audited per staff member, and all the digests
are queued in one insert (issue 18: 150 staff over 100,000 patients took 12 s one clinic at a
time). Stale figures are first brought up to date the stats job's way.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select

from bot.db.bulk import insert_ignoring_conflicts
from bot.db.models import Clinic, OutboxMessage, Staff, StaffRole
from bot.services import clinic_summary, staff_views
from bot.services.clinic_summary import plan_each_batch
from bot.services.context import AppContext
from bot.services.outbox import outbox_row, payload_for
from bot.services.staff_auth import StaffMember
from bot.services.staff_commands import digest_due, digest_reply
from jobs.stats import refresh_stale_stats

log = logging.getLogger(__name__)

ACTION = "telegram.digest"


async def send_digests(ctx: AppContext) -> int:
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        staff = (
            await session.execute(
                select(Staff.id, Staff.telegram_user_id, Staff.timezone)
                .where(Staff.active.is_(True))
                .order_by(Staff.id)
            )
        ).all()
        due = {}
        for staff_id, telegram_id, zone in staff:
            week = digest_due(now, zone)
            if week is not None:
                due[f"digest:{staff_id}:{week}"] = telegram_id
        if not due:
            return 0
        queued = set(
            await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(due)))
            )
        )
    keys = {telegram_id: key for key, telegram_id in due.items() if key not in queued}
    if not keys:
        return 0
    # The figures are then read as stored: the stats job's way finds the stale ones through
    # its indexes, where a page's check compares every patient of every clinic with theirs.
    await refresh_stale_stats(ctx)
    sent = await _send(ctx, keys)
    if sent:
        log.info("weekly digest queued for %d staff member(s)", sent)
    return sent


async def _send(ctx: AppContext, keys: dict[int, str]) -> int:
    """The due staff (their Telegram ids and digest keys): their clinics' summaries read once
    each, rendered for each member in their zone, queued in one statement, each read audited."""
    now = ctx.clock.now()
    settings = ctx.settings
    thresholds = (settings.craving_alert_threshold, settings.missed_doses_alert_count)
    async with ctx.sessions.begin() as session:
        found = await session.execute(
            select(Staff, Clinic.name)
            .join(Clinic, Clinic.id == Staff.clinic_id)
            .where(Staff.active.is_(True), Staff.telegram_user_id.in_(list(keys)))
            .order_by(Staff.clinic_id, Staff.id)
        )
        by_clinic: dict[int, list[StaffMember]] = defaultdict(list)
        for row, clinic_name in found.all():
            by_clinic[row.clinic_id].append(
                StaffMember(
                    id=row.id,
                    name=row.name,
                    clinic_id=row.clinic_id,
                    clinic_name=clinic_name,
                    is_admin=row.role == StaffRole.ADMIN,
                    timezone=row.timezone,
                    telegram_user_id=row.telegram_user_id,
                )
            )
        if not by_clinic:
            return 0
        await plan_each_batch(session)
        briefs = await clinic_summary.clinic_briefs(
            session, list(by_clinic), now, thresholds, staff_views.BRIEF_ATTENTION, stored=True
        )
        rows = []
        for clinic_id, staff in by_clinic.items():
            brief = briefs.get(clinic_id) or clinic_summary.ClinicBrief(
                clinic_summary.Counts(0, 0, 0, 0, 0), []
            )
            overview = staff_views.Brief(
                staff[0].clinic_name,
                now,
                brief.counts,
                [staff_views.shown_row(r) for r in brief.attention],
            )
            for member in staff:
                detail = {"patients": brief.counts.patients}
                staff_views.read(session, ctx, member, ACTION, detail=detail)
                reply = digest_reply(overview, member, settings.thresholds)
                rows.append(
                    outbox_row(
                        chat_id=member.telegram_user_id,
                        kind="digest",
                        payload=payload_for(reply),
                        dedupe_key=keys[member.telegram_user_id],
                        now=now,
                    )
                )
        # Exactly once per staff member and week: a key already queued is a no-op.
        await insert_ignoring_conflicts(session, OutboxMessage, rows, ("dedupe_key",))
    return len(rows)

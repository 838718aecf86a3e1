"""The Monday digest: each staff member's clinic summary, Monday morning in their own zone.

Runs every few minutes; a staff member gets it once per ISO week (the outbox dedupe key), between
08:00 and noon their time, so a worker that was down at 08:00 still sends it later that morning.

A clinic's summary is computed once per run, however many of its staff are due, and each of them
gets it in their own words (their zone's times); every read is still audited per staff member.
Each clinic's digests are queued in a transaction of their own (issue 18, item 3).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select

from bot.db.bulk import insert_ignoring_conflicts
from bot.db.models import Clinic, OutboxMessage, Staff, StaffRole
from bot.services import staff_views
from bot.services.context import AppContext
from bot.services.outbox import outbox_row, payload_for
from bot.services.staff_auth import StaffMember
from bot.services.staff_commands import digest_due, digest_reply

log = logging.getLogger(__name__)

ACTION = "telegram.digest"


async def send_digests(ctx: AppContext) -> int:
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        staff = (
            await session.execute(
                select(Staff.id, Staff.telegram_user_id, Staff.timezone, Staff.clinic_id)
                .where(Staff.active.is_(True))
                .order_by(Staff.clinic_id, Staff.id)
            )
        ).all()
        due = {}
        for staff_id, telegram_id, zone, clinic_id in staff:
            week = digest_due(now, zone)
            if week is not None:
                due[f"digest:{staff_id}:{week}"] = (clinic_id, telegram_id)
        if not due:
            return 0
        queued = set(
            await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(due)))
            )
        )
    by_clinic: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for key, (clinic_id, telegram_id) in due.items():
        if key not in queued:
            by_clinic[clinic_id].append((key, telegram_id))
    sent = 0
    for clinic_id, members in by_clinic.items():
        sent += await _send_clinic(ctx, clinic_id, members)
    if sent:
        log.info("weekly digest queued for %d staff member(s)", sent)
    return sent


async def _send_clinic(ctx: AppContext, clinic_id: int, members: list[tuple[str, int]]) -> int:
    """One clinic's due staff: its summary read once, then rendered for each in their zone and
    queued in one statement, each read audited; a few statements whatever the number of staff."""
    now = ctx.clock.now()
    keys = {telegram_id: key for key, telegram_id in members}
    async with ctx.sessions.begin() as session:
        found = await session.execute(
            select(Staff, Clinic.name)
            .join(Clinic, Clinic.id == Staff.clinic_id)
            .where(
                Staff.clinic_id == clinic_id,  # not moved to another clinic since the list
                Staff.active.is_(True),
                Staff.telegram_user_id.in_(list(keys)),
            )
            .order_by(Staff.id)
        )
        staff = [
            StaffMember(
                id=row.id,
                name=row.name,
                clinic_id=row.clinic_id,
                clinic_name=clinic_name,
                is_admin=row.role == StaffRole.ADMIN,
                timezone=row.timezone,
                telegram_user_id=row.telegram_user_id,
            )
            for row, clinic_name in found.all()
        ]
        if not staff:
            return 0
        overview = await staff_views.brief(ctx, session, staff[0], ACTION)
        rows = []
        for member in staff:
            if member is not staff[0]:
                detail = {"patients": overview.counts.patients}
                staff_views.read(session, ctx, member, ACTION, detail=detail)
            reply = digest_reply(overview, member, ctx.settings.thresholds)
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

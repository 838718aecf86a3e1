"""The Monday digest: each staff member's clinic summary, Monday morning in their own zone.

Runs every few minutes; a staff member gets it once per ISO week (the outbox dedupe key), between
08:00 and noon their time, so a worker that was down at 08:00 still sends it later that morning.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.db.models import OutboxMessage, Staff
from bot.services import staff_views
from bot.services.context import AppContext
from bot.services.outbox import enqueue_once, payload_for
from bot.services.staff_auth import member_by_telegram_id
from bot.services.staff_commands import digest_due, digest_reply

log = logging.getLogger(__name__)


async def send_digests(ctx: AppContext) -> int:
    now = ctx.clock.now()
    sent = 0
    async with ctx.sessions.begin() as session:
        staff = (
            await session.execute(
                select(Staff.id, Staff.telegram_user_id, Staff.timezone).where(
                    Staff.active.is_(True)
                )
            )
        ).all()
        for staff_id, telegram_id, zone in staff:
            week = digest_due(now, zone)
            if week is None:
                continue
            key = f"digest:{staff_id}:{week}"
            if await session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
            ):
                continue
            member = await member_by_telegram_id(session, telegram_id)
            if member is None:
                continue
            overview = await staff_views.brief(ctx, session, member, "telegram.digest")
            reply = digest_reply(overview, member, ctx.settings.thresholds)
            await enqueue_once(
                session,
                chat_id=telegram_id,
                kind="digest",
                payload=payload_for(reply),
                dedupe_key=key,
                now=now,
            )
            sent += 1
    if sent:
        log.info("weekly digest queued for %d staff member(s)", sent)
    return sent

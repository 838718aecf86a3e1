"""Forget half-finished set-ups.

Someone who taps an invite link and walks away has told us only their chat id (and maybe a time
zone); keeping that indefinitely would contradict "declining stores nothing".
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.services import conversations
from bot.services.context import AppContext

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(hours=24)


async def expire_abandoned(ctx: AppContext) -> int:
    cutoff = ctx.clock.now() - ABANDONED_AFTER
    async with ctx.sessions.begin() as session:
        removed = await conversations.expire_older_than(session, cutoff)
    if removed:
        log.info("forgot %d abandoned conversation(s)", removed)
    return removed

"""Periodic: an "Are you safe right now?" left unanswered past its time alerts the care team."""

from __future__ import annotations

from bot.services.context import AppContext
from bot.services.safety_checks import alert_unanswered

__all__ = ["safety_check_sweep"]


async def safety_check_sweep(ctx: AppContext) -> int:
    return await alert_unanswered(ctx)

"""Small helpers shared by integration and end-to-end tests."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import Base
from bot.services.clinics import NewClinic, add_clinic
from bot.services.context import AppContext


async def table_counts(ctx: AppContext) -> dict[str, int]:
    """Row count of every table in the schema."""
    counts: dict[str, int] = {}
    async with ctx.sessions() as session:
        for name, table in Base.metadata.tables.items():
            counts[name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


async def new_clinic(ctx: AppContext, name: str = "Northside Clinic") -> NewClinic:
    return await add_clinic(ctx.sessions, ctx.clock, name)

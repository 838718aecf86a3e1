"""Bulk writes that are no-ops on conflict, the same on Postgres and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignoring_conflicts(
    session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT (conflict) DO NOTHING, as one executemany."""
    if not rows:
        return
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = insert(model).on_conflict_do_nothing(index_elements=list(conflict))
    await session.execute(statement, list(rows))


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"

"""Bulk writes on both databases: one statement per batch on Postgres, the same rows as SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db.bulk import insert_ignoring_conflicts, update_by_id
from bot.db.models import OutboxMessage
from bot.services.context import AppContext
from bot.services.outbox import outbox_row

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _row(key: str, text: str, chat_id: int = 7) -> dict[str, object]:
    return outbox_row(
        chat_id=chat_id, kind="reminder", payload={"text": text}, now=NOW, dedupe_key=key
    )


async def test_insert_keeps_json_and_ignores_repeats(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        await insert_ignoring_conflicts(
            session, OutboxMessage, [_row("a", "✅ «quoted» 💊"), _row("b", "two")], ("dedupe_key",)
        )
    async with ctx.sessions.begin() as session:
        await insert_ignoring_conflicts(
            session, OutboxMessage, [_row("a", "changed"), _row("c", "three")], ("dedupe_key",)
        )
    async with ctx.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        found = [(m.dedupe_key, m.payload["text"], m.next_attempt_at) for m in rows]
    assert found == [("a", "✅ «quoted» 💊", NOW), ("b", "two", NOW), ("c", "three", NOW)]


async def test_update_by_id_sets_each_rows_own_values(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        await insert_ignoring_conflicts(
            session, OutboxMessage, [_row("a", "x"), _row("b", "y")], ("dedupe_key",)
        )
    async with ctx.sessions() as session:
        ids = list(await session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
    later = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    async with ctx.sessions.begin() as session:
        await update_by_id(
            session,
            OutboxMessage,
            [{"id": ids[0], "chat_id": 70}, {"id": ids[1], "chat_id": 80}],
            constant={"next_attempt_at": later},
        )
    async with ctx.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        assert [(m.chat_id, m.next_attempt_at) for m in rows] == [(70, later), (80, later)]


async def test_a_naive_datetime_is_refused_on_both_databases(ctx: AppContext) -> None:
    row = _row("a", "x")
    row["next_attempt_at"] = datetime(2026, 11, 25, 15, 0)  # no zone: ambiguous
    with pytest.raises(Exception, match="naive datetime"):
        async with ctx.sessions.begin() as session:
            await insert_ignoring_conflicts(session, OutboxMessage, [row], ("dedupe_key",))

"""Persistence of multi-step conversations, keyed by chat, guarded by a revision number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation


async def load(session: AsyncSession, chat_id: int) -> Conversation | None:
    return await session.scalar(select(Conversation).where(Conversation.chat_id == chat_id))


async def begin(
    session: AsyncSession, chat_id: int, flow: str, step: str, data: dict[str, Any], now: datetime
) -> Conversation:
    """Start a flow, replacing whatever this chat was in the middle of."""
    previous = await load(session, chat_id)
    revision = previous.revision + 1 if previous else 1
    if previous is not None:
        await session.delete(previous)
        await session.flush()
    conversation = Conversation(
        chat_id=chat_id, flow=flow, step=step, data=data, revision=revision, updated_at=now
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def advance(
    session: AsyncSession,
    chat_id: int,
    expected_revision: int,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> int | None:
    """Move to the next step only if nobody moved it since we read it; returns the new revision.

    Two taps on the same button, or two workers, must not both apply an answer: the second one
    finds the revision already bumped and is treated as stale.
    """
    result = await session.execute(
        update(Conversation)
        .where(Conversation.chat_id == chat_id, Conversation.revision == expected_revision)
        .values(step=step, data=data, revision=expected_revision + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return expected_revision + 1 if result.rowcount == 1 else None  # type: ignore[attr-defined]


async def end(
    session: AsyncSession, chat_id: int, expected_revision: int | None = None
) -> str | None:
    """End the chat's flow; returns which flow was ended (None when there was none, or it had
    moved past ``expected_revision``), so a reply can say what was stopped."""
    statement = delete(Conversation).where(Conversation.chat_id == chat_id)
    if expected_revision is not None:
        statement = statement.where(Conversation.revision == expected_revision)
    returning = statement.returning(Conversation.flow)
    result = await session.execute(returning.execution_options(synchronize_session=False))
    return result.scalar_one_or_none()


async def expire_older_than(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(Conversation)
        .where(Conversation.updated_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

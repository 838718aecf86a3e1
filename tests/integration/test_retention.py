"""Retention on both databases: notes, questions and delivered messages are kept only as long as
configured, and what is still waiting to go out is never thrown away."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import CheckIn, OutboxMessage, Question
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from bot.services.outbox import enqueue
from jobs.retention import apply_retention
from tests.e2e.care import DAILY_8AM
from tests.support import make_patient

PAT = Sender(chat_id=4100, display_name="Pat")


def fake(ctx: AppContext) -> FakeClock:
    assert isinstance(ctx.clock, FakeClock)
    return ctx.clock


def with_settings(ctx: AppContext, **values: object) -> AppContext:
    return dataclasses.replace(ctx, settings=ctx.settings.model_copy(update=values))


async def test_questions_are_not_kept_unless_the_operator_asks(ctx: AppContext) -> None:
    await make_patient(ctx, DAILY_8AM, chat_id=PAT.chat_id)
    await Inbox(ctx).text(PAT, "can I drink on naltrexone?")
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(Question))) == []
    keeping = with_settings(ctx, question_retention_days=14)
    await Inbox(keeping).text(PAT, "what if I miss a dose?")
    async with ctx.sessions() as session:
        [kept] = list(await session.scalars(select(Question)))
    assert kept.text == "what if I miss a dose?"
    fake(ctx).advance(timedelta(days=13))
    assert (await apply_retention(keeping)).questions == 0
    fake(ctx).advance(timedelta(days=2))
    assert (await apply_retention(keeping)).questions == 1
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(Question))) == []


async def test_notes_go_after_their_days_and_delivered_messages_after_theirs(
    ctx: AppContext,
) -> None:
    patient_id, _ = await make_patient(ctx, DAILY_8AM, chat_id=PAT.chat_id)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        session.add(
            CheckIn(
                patient_id=patient_id, created_at=now, status="answered", note="old", noted_at=now
            )
        )
        sent = enqueue(session, chat_id=PAT.chat_id, kind="test", payload={"text": "x"}, now=now)
        sent.status = "sent"
        waiting = enqueue(session, chat_id=PAT.chat_id, kind="test", payload={"text": "y"}, now=now)
    fake(ctx).advance(timedelta(days=89))
    result = await apply_retention(ctx)
    assert (result.notes, result.messages) == (0, 1)  # 30 days for delivered messages
    fake(ctx).advance(timedelta(days=2))
    assert (await apply_retention(ctx)).notes == 1
    async with ctx.sessions() as session:
        [check_in] = list(await session.scalars(select(CheckIn)))
        left = list(await session.scalars(select(OutboxMessage.id)))
    assert check_in.note is None and check_in.craving is None
    assert left == [waiting.id]  # still waiting to go out: never removed


async def test_with_notes_not_kept_the_check_in_does_not_ask_for_one(ctx: AppContext) -> None:
    inbox = Inbox(with_settings(ctx, note_retention_days=0))
    await make_patient(ctx, DAILY_8AM, chat_id=PAT.chat_id)
    [question] = await inbox.command(PAT, "checkin", [])
    tapped = question.buttons[0][3].data  # craving 3
    for _ in range(3):  # craving, mood, any use: the first button each time
        result = await inbox.tap(PAT, tapped)
        assert result.edit is not None
        tapped = result.edit.buttons[0][0].data if result.edit.buttons else ""
    assert result.edit is not None
    assert "Check-in done" in result.edit.text and "Anything else" not in result.edit.text
    assert not result.edit.buttons

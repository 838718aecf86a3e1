"""Keep free text and delivered messages only as long as configured (a daily job).

* check-in notes: NOTE_RETENTION_DAYS (default 90) after they were written;
* questions: QUESTION_RETENTION_DAYS (default 0: never stored in the first place);
* delivered or failed outbox messages (they hold message texts, names in staff alerts):
  OUTBOX_RETENTION_DAYS (default 30); messages still waiting to go out are never removed;
* ended dashboard sessions and used or expired login links: 30 days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import CursorResult

from bot.db.models import (
    CheckIn,
    DashboardSession,
    OutboxMessage,
    OutboxStatus,
    Question,
    StaffLoginToken,
)
from bot.services.context import AppContext

log = logging.getLogger(__name__)

SIGN_IN_DAYS = 30


@dataclass
class RetentionResult:
    notes: int = 0
    questions: int = 0
    messages: int = 0
    sign_ins: int = 0


def _count(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


async def apply_retention(ctx: AppContext) -> RetentionResult:
    now = ctx.clock.now()
    settings = ctx.settings
    result = RetentionResult()
    async with ctx.sessions.begin() as session:
        notes_before = now - timedelta(days=settings.note_retention_days)
        result.notes = _count(
            await session.execute(
                update(CheckIn)
                .where(CheckIn.note.is_not(None), CheckIn.noted_at <= notes_before)
                .values(note=None)
                .execution_options(synchronize_session=False)
            )
        )
        questions_before = now - timedelta(days=settings.question_retention_days)
        result.questions = _count(
            await session.execute(
                delete(Question)
                .where(Question.asked_at <= questions_before)
                .execution_options(synchronize_session=False)
            )
        )
        messages_before = now - timedelta(days=settings.outbox_retention_days)
        result.messages = _count(
            await session.execute(
                delete(OutboxMessage)
                .where(
                    OutboxMessage.status != OutboxStatus.PENDING,
                    OutboxMessage.created_at <= messages_before,
                )
                .execution_options(synchronize_session=False)
            )
        )
        sign_ins_before = now - timedelta(days=SIGN_IN_DAYS)
        result.sign_ins = _count(
            await session.execute(
                delete(StaffLoginToken)
                .where(StaffLoginToken.expires_at <= sign_ins_before)
                .execution_options(synchronize_session=False)
            )
        ) + _count(
            await session.execute(
                delete(DashboardSession)
                .where(
                    or_(
                        DashboardSession.ended_at <= sign_ins_before,
                        DashboardSession.last_seen_at <= sign_ins_before,
                    )
                )
                .execution_options(synchronize_session=False)
            )
        )
    log.info(
        "retention: %d note(s), %d question(s), %d message(s), %d sign-in(s) removed",
        result.notes,
        result.questions,
        result.messages,
        result.sign_ins,
    )
    return result

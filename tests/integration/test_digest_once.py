"""The Monday digest reads each clinic's summary once, however many of its staff are due, and
still gives each of them the summary in their own zone's times, once a week (issue 18, item 3)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import AuditEntry, OutboxMessage, Patient
from bot.services import clinic_summary
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from jobs.digest import send_digests
from tests.support import new_clinic

MONDAY = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 08:30 in London, 09:30 in Berlin and Lagos


async def _clinic(ctx: AppContext, name: str, first_chat: int, staff: dict[int, str]) -> int:
    clinic = await new_clinic(ctx, name)
    async with ctx.sessions.begin() as session:
        for n in range(3):
            session.add(
                Patient(
                    chat_id=first_chat + n,
                    clinic_id=clinic.id,
                    display_name=f"{name} patient {n}",
                    timezone="Europe/London",
                    consent_version="v",
                    consented_at=MONDAY - timedelta(days=20),
                    created_at=MONDAY - timedelta(days=20),
                    updated_at=MONDAY - timedelta(days=20),
                )
            )
    for telegram_id, zone in staff.items():
        await add_staff(
            ctx.sessions,
            ctx.clock,
            telegram_user_id=telegram_id,
            name=f"Nurse {telegram_id}",
            clinic_code=clinic.invite_code,
            timezone=zone,
        )
    return clinic.id


async def test_a_clinic_summary_is_read_once_for_all_its_staff(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    north = await _clinic(ctx, "North", 100, {11: "UTC", 12: "Europe/London", 13: "Europe/Berlin"})
    south = await _clinic(ctx, "South", 200, {21: "Africa/Lagos"})
    reads: Counter[int] = Counter()
    real = clinic_summary.clinic_briefs

    async def counted(session: Any, clinic_ids: list[int], *args: Any, **kwargs: Any) -> Any:
        reads.update(clinic_ids)
        return await real(session, clinic_ids, *args, **kwargs)

    monkeypatch.setattr(clinic_summary, "clinic_briefs", counted)
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.set(MONDAY)

    assert await send_digests(ctx) == 4
    assert reads == {north: 1, south: 1}  # was one read per staff member: 3 for North
    assert await send_digests(ctx) == 0  # once a week: the dedupe keys
    assert reads == {north: 1, south: 1}  # and nothing read when nobody is due

    async with ctx.sessions() as session:
        texts = {
            chat: payload["text"]
            for chat, payload in (
                await session.execute(
                    select(OutboxMessage.chat_id, OutboxMessage.payload).where(
                        OutboxMessage.kind == "digest"
                    )
                )
            ).all()
        }
        audited = Counter(
            await session.scalars(
                select(AuditEntry.actor_id).where(AuditEntry.action == "telegram.digest")
            )
        )
    assert sorted(texts) == [11, 12, 13, 21]
    # The same figures for North's three, each in their own zone's time.
    assert "North, Mon 30 Nov 08:30 UTC" in texts[11]
    assert "North, Mon 30 Nov 08:30\n" in texts[12]
    assert "North, Mon 30 Nov 09:30\n" in texts[13]
    assert "South, Mon 30 Nov 09:30\n" in texts[21]
    for chat in (11, 12, 13, 21):
        assert "Patients: 3" in texts[chat]

    def figures(text: str) -> str:
        return text.split("\n", 3)[3]  # after the greeting, the blank line, the clinic line

    assert figures(texts[11]) == figures(texts[12]) == figures(texts[13])
    # Every staff member's read is still in the audit log, once each.
    assert len(audited) == 4 and set(audited.values()) == {1}


async def test_staff_due_later_in_the_morning_get_it_then_and_once(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff whose morning comes later get it on a later run, from a fresh read; nobody twice."""
    await _clinic(ctx, "East", 300, {31: "Europe/Berlin", 32: "America/New_York"})
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.set(MONDAY)  # 09:30 in Berlin, 03:30 in New York
    assert await send_digests(ctx) == 1
    ctx.clock.set(MONDAY + timedelta(hours=5))  # 14:30 in Berlin, 08:30 in New York
    assert await send_digests(ctx) == 1
    assert await send_digests(ctx) == 0
    async with ctx.sessions() as session:
        chats = list(
            await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.kind == "digest")
            )
        )
    assert sorted(chats) == [31, 32]

"""The long reliability runs: real processes killed and restarted, a real Postgres restart.

They run in their own serial pytest run (`python3 tasks.py test` does it when RUN_LONG_TESTS=1,
which CI sets): they restart the machine's Postgres, which would break tests running beside them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.db.models import Clinic, Patient, Schedule
from bot.runtime import app_context
from bot.services.context import load_consent
from tests.conftest import make_settings
from tests.fakes.bot_api import FakeBotApi

pytestmark = pytest.mark.long

CHAT_BASE = 50_000_000


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


async def seed_burst(db_url: str, count: int, due_in: float = -1.0) -> None:
    """``count`` patients whose daily reminder is due ``due_in`` seconds from now, in bulk."""
    now = datetime.now(UTC)
    async with app_context(make_settings(db_url)) as ctx, ctx.sessions.begin() as session:
        clinic_id = (
            await session.execute(
                insert(Clinic)
                .values(name="Burst", invite_code=f"BURST{random.randrange(10**6)}", created_at=now)
                .returning(Clinic.id)
            )
        ).scalar_one()
        version = load_consent().version
        await session.execute(
            insert(Patient),
            [
                {
                    "chat_id": CHAT_BASE + n,
                    "code": f"R{n:07d}",
                    "clinic_id": clinic_id,
                    "display_name": f"Patient {n}",
                    "timezone": "Europe/London",
                    "language": "en",
                    "consent_version": version,
                    "consented_at": now,
                    "status": "active",
                    "plain_wording": False,
                    "checkin_frequency": "off",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        ids = list(await session.scalars(select(Patient.id).where(Patient.clinic_id == clinic_id)))
        due = now + timedelta(seconds=due_in)
        await session.execute(
            insert(Schedule),
            [
                {
                    "patient_id": pid,
                    "kind": "daily",
                    "timezone": "Europe/London",
                    "dose_times": [due.astimezone(UTC).strftime("%H:%M")],
                    "next_due_at": due,
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for pid in ids
            ],
        )


async def wait_until(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")

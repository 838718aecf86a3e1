"""Migrations on both databases: they build exactly the schema the models describe, and they run
down and up again (an operator rolling back a release must not be stuck)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config, upgrade
from bot.db.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_the_models(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


def _downgrade(connection: Connection, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_migrations_run_down_to_nothing_and_back_up(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade, db_url)
    finally:
        await engine.dispose()
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


def _downgrade_to(connection: Connection, url: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_0016_keeps_every_patient_on_telegram_and_every_contact_and_message(
    db_url: str,
) -> None:
    """Issue 16, step 4: existing rows come through 0016 and back unchanged; everyone stays on
    Telegram, no number is linked to anyone, and only the two channels are accepted."""
    engine = create_engine(db_url, foreign_keys=False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, db_url, "0015")
    finally:
        await engine.dispose()
    at = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO clinics (id, name, invite_code, created_at) "
                    "VALUES (1, 'C', 'c1', :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO patients (id, chat_id, code, clinic_id, display_name, timezone, "
                    "language, consent_version, consented_at, status, plain_wording, "
                    "checkin_frequency, stats_version, stats_seen_version, created_at, updated_at)"
                    " VALUES (1, 55, 'K7QM', 1, 'Pat', 'UTC', 'en', 'v', :at, 'active', false,"
                    " 'weekly', 0, -1, :at, :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO sms_contacts (id, phone, language, created_at, updated_at) "
                    "VALUES (7, '+14155552671', 'es', :at, :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO outbox (id, chat_id, patient_id, kind, payload, status, attempts,"
                    " next_attempt_at, created_at) VALUES (9, 55, 1, 'test', '{\"text\": \"x\"}',"
                    " 'sent', 1, :at, :at)"
                ),
                {"at": at},
            )
    finally:
        await engine.dispose()
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            channel = (await conn.execute(text("SELECT preferred_channel FROM patients"))).all()
            contact = (
                await conn.execute(text("SELECT id, phone, language, patient_id FROM sms_contacts"))
            ).all()
            message = (
                await conn.execute(
                    text("SELECT status, sms_sid, sms_segments, delivery_status FROM outbox")
                )
            ).all()
            assert [tuple(r) for r in channel] == [("telegram",)]
            assert [tuple(r) for r in contact] == [(7, "+14155552671", "es", None)]
            assert [tuple(r) for r in message] == [("sent", None, None, None)]
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE patients SET preferred_channel = 'fax'"))
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE sms_contacts SET patient_id = 1"))
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO sms_contacts (phone, language, patient_id, created_at, "
                        "updated_at) VALUES ('+12125550187', 'en', 1, :at, :at)"
                    ),
                    {"at": at},
                )
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM patients"))  # the number goes with them
            assert (await conn.execute(text("SELECT count(*) FROM sms_contacts"))).scalar() == 0
    finally:
        await engine.dispose()

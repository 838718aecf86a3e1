"""Ids never come round again (issue 14, item 2), on both databases.

SQLite hands out max(id) + 1 unless a table is AUTOINCREMENT, so once an erasure deleted the
newest rows, the next patient's alert or check-in took an id an old card still named, and the
card acted on it. Here every table is filled, the newest rows go (through a patient's /delete and
by removing a clinic's staff), everything is made again, and no id may be one seen before. The
same holds across the upgrade of a database made before migration 0010. And where an id does
come round anyway (a restored backup), the tag in the button refuses the old card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path

from sqlalchemy import delete, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FakeClock
from bot.db.bulk import is_postgres
from bot.db.migrate import upgrade
from bot.db.models import (
    Base,
    Clinic,
    ConsentRecord,
    DashboardSession,
    DoseEvent,
    Question,
    SafetyCheck,
    SmsContact,
    Staff,
    StaffInvite,
    SupportLink,
    SupportStatus,
)
from bot.domain import texts
from bot.domain.replies import Reply
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from bot.services.staff_auth import create_login_link
from tests.conftest import make_settings
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
PATIENT_CHAT, STAFF_CHAT = 5100, 5900
# Keyed by something else than a generated id, so there is nothing to reuse.
NATURAL_KEYS = {"conversations", "patient_stats", "sms_usage"}
# Never deleted (its triggers refuse it), so it is checked for reuse but cannot lose a row.
APPEND_ONLY = {"audit_log"}
ID_TABLES = sorted(name for name, table in Base.metadata.tables.items() if name not in NATURAL_KEYS)


@dataclass(frozen=True)
class Person:
    """A patient with something in every table, at a clinic of their own with one nurse."""

    chat: int
    patient_id: int
    clinic_id: int
    staff_id: int


async def fill_every_table(ctx: AppContext, n: int) -> Person:
    now = ctx.clock.now()
    clinic = await new_clinic(ctx, f"Clinic {n}")
    nurse = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=STAFF_CHAT + n,
        name=f"Nurse {n}",
        clinic_code=clinic.invite_code,
    )
    chat = PATIENT_CHAT + n
    patient_id, schedule_id = await make_patient(
        ctx, PLAN, chat_id=chat, clinic_id=clinic.id, name=f"Pat {n}"
    )
    inbox, sender = Inbox(ctx), Sender(chat, f"Pat {n}")
    await inbox.text(sender, "i want to kill myself")  # an alert, and its card in the outbox
    await inbox.command(sender, "checkin", [])
    await inbox.command(sender, "support", [])
    await create_login_link(ctx, nurse.id, "cli")
    async with ctx.sessions.begin() as session:
        session.add_all(
            [
                DoseEvent(
                    schedule_id=schedule_id,
                    patient_id=patient_id,
                    due_at=now,
                    local_day=0,
                    window_ends_at=now + timedelta(hours=4),
                    created_at=now,
                ),
                ConsentRecord(patient_id=patient_id, version="1", decision="accepted", at=now),
                Question(patient_id=patient_id, asked_at=now, text="can I drink?"),
                SafetyCheck(patient_id=patient_id, asked_at=now, due_at=now),
                DashboardSession(
                    staff_id=nurse.id, token_hash=f"session-{n}", created_at=now, last_seen_at=now
                ),
            ]
        )
        if "staff_invites" in await _present(session):  # from migration 0011 on
            session.add(
                StaffInvite(
                    clinic_id=clinic.id,
                    token_hash=f"invite-{n}",
                    created_by=nurse.id,
                    created_at=now,
                    expires_at=now + timedelta(days=3),
                )
            )
        if await _revision(session) >= "0015":  # sms_contacts, from migration 0015 on
            session.add(
                SmsContact(
                    phone=f"+1415555{n:04d}",
                    clinic_id=clinic.id,
                    created_at=now,
                    updated_at=now,
                )
            )
    return Person(chat, patient_id, clinic.id, nurse.id)


async def erase_and_close(ctx: AppContext, person: Person) -> None:
    """The patient erases their data with /delete; their clinic's nurse and the clinic go."""
    inbox, sender = Inbox(ctx), Sender(person.chat)
    await inbox.command(sender, "delete", [])
    assert await inbox.text(sender, "DELETE") == [Reply(texts.DELETED, clear_keyboard=True)]
    async with ctx.sessions.begin() as session:
        await session.execute(delete(Staff).where(Staff.id == person.staff_id))
        await session.execute(delete(Clinic).where(Clinic.id == person.clinic_id))


async def _revision(session: AsyncSession) -> str:
    """The database's migration revision ("0009", ...)."""
    return str(await session.scalar(text("SELECT version_num FROM alembic_version")))


async def _present(session: AsyncSession) -> set[str]:
    """The tables the database has (one migrated to an older revision lacks the newer ones)."""
    return set(await session.run_sync(lambda s: inspect(s.connection()).get_table_names()))


async def ids_by_table(ctx: AppContext) -> dict[str, set[int]]:
    async with ctx.sessions() as session:
        present = await _present(session)
        return {
            name: set(await session.scalars(select(Base.metadata.tables[name].c.id)))
            if name in present
            else set()
            for name in ID_TABLES
        }


def came_round(erased: dict[str, set[int]], now: dict[str, set[int]]) -> dict[str, list[int]]:
    """Per table, ids of erased rows that rows present ``now`` have (audit rows are never
    erased, so they are left out)."""
    found = {name: sorted(erased[name] & now[name]) for name in ID_TABLES}
    return {name: ids for name, ids in found.items() if ids and name not in APPEND_ONLY}


async def test_no_id_comes_round_after_an_erasure(ctx: AppContext) -> None:
    first = await fill_every_table(ctx, 1)
    erased = await ids_by_table(ctx)
    await erase_and_close(ctx, first)
    # Staff are told someone left: that message is a new row, and takes a new id too.
    assert came_round(erased, await ids_by_table(ctx)) == {}

    await fill_every_table(ctx, 2)
    now = await ids_by_table(ctx)
    assert came_round(erased, now) == {}
    assert all(now[name] - erased[name] for name in ID_TABLES)  # every table made new rows


def _autoincrement_tables(rows: list[tuple[str, str]]) -> set[str]:
    return {name for name, sql in rows if re.search(r"\bAUTOINCREMENT\b", sql or "")}


async def _sqlite_tables(ctx: AppContext) -> list[tuple[str, str]]:
    async with ctx.sessions() as session:
        result = await session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type='table'")
        )
        return [(str(row[0]), str(row[1])) for row in result.all()]


async def _high_water_marks(ctx: AppContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        result = await session.execute(text("SELECT name, seq FROM sqlite_sequence"))
        return {str(row[0]): int(row[1]) for row in result.all()}


# Columns today's code writes that tables had not yet at 0009.
NEWER_COLUMNS = (
    ("outbox", "alert_id INTEGER"),  # migration 0012
    ("patients", "stats_seen_version INTEGER NOT NULL DEFAULT -1"),  # migration 0013
    ("patients", "stats_fresh_until DATETIME"),  # migration 0013
    ("consent_records", "language VARCHAR(16) NOT NULL DEFAULT 'en'"),  # migration 0014
    ("patients", "preferred_channel VARCHAR(16) NOT NULL DEFAULT 'telegram'"),  # migration 0016
    ("outbox", "sms_sid VARCHAR(64)"),  # migration 0016
    ("outbox", "sms_segments INTEGER"),  # migration 0016
    ("outbox", "delivery_status VARCHAR(16)"),  # migration 0016
    ("outbox", "delivery_updated_at DATETIME"),  # migration 0016
    ("clinics", "sms_quiet_hours VARCHAR(16)"),  # migration 0018
)


# A table today's code reads that 0009 had not: /delete erases a patient's phone number
# (migrations 0015 and 0016). Empty while it exists; the upgrade makes the real one.
NEWER_TABLE = "sms_contacts (id INTEGER PRIMARY KEY, patient_id INTEGER)"


async def _newer_columns(ctx: AppContext, *, add: bool) -> None:
    """Give a 0009 database the columns today's code writes while it fills the tables, and take
    them away again (SQLite drops a column in place: AUTOINCREMENT and high-water marks stay),
    so the upgrade meets 0009's schema with rows in it."""
    async with ctx.sessions.begin() as session:
        if add:
            await session.execute(text(f"CREATE TABLE {NEWER_TABLE}"))
        else:
            await session.execute(text(f"DROP TABLE {NEWER_TABLE.split()[0]}"))
        for table, column in NEWER_COLUMNS:
            name = column.split()[0]
            change = f"ADD COLUMN {column}" if add else f"DROP COLUMN {name}"
            await session.execute(text(f"ALTER TABLE {table} {change}"))


async def test_upgrading_a_database_from_before_0010_keeps_ids_from_going_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before-0010.db'}"
    await upgrade(url, "0009")
    async with app_context(make_settings(url), clock) as ctx:
        await _newer_columns(ctx, add=True)
        await erase_and_close(ctx, await fill_every_table(ctx, 1))
        await fill_every_table(ctx, 2)  # the newest rows when the upgrade comes
        before_upgrade = await ids_by_table(ctx)
        await _newer_columns(ctx, add=False)
    await upgrade(url)
    async with app_context(make_settings(url), clock) as ctx:
        third = await fill_every_table(ctx, 3)
        erased = {
            name: ids - before_upgrade[name] for name, ids in (await ids_by_table(ctx)).items()
        }
        went_back = {
            name: sorted(ids)
            for name, ids in erased.items()
            if before_upgrade[name] and min(ids) <= max(before_upgrade[name])
        }
        assert went_back == {}
        await erase_and_close(ctx, third)
        assert came_round(erased, await ids_by_table(ctx)) == {}
        await fill_every_table(ctx, 4)
        assert came_round(erased, await ids_by_table(ctx)) == {}

        # What makes it so: every rebuilt table remembers at least the largest id it had.
        tables = await _sqlite_tables(ctx)
        assert _autoincrement_tables(tables) == set(ID_TABLES) - APPEND_ONLY
        marks = await _high_water_marks(ctx)
        below = {
            name: (marks.get(name), max(ids))
            for name, ids in before_upgrade.items()
            if ids and name not in APPEND_ONLY and marks.get(name, 0) < max(ids)
        }
        assert below == {}


async def test_a_new_sqlite_database_declares_every_generated_id_autoincrement(
    tmp_path: Path, clock: FakeClock
) -> None:
    # Postgres needs no declaration: its sequences never go back.
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    await upgrade(url)
    async with app_context(make_settings(url), clock) as ctx:
        tables = await _sqlite_tables(ctx)
    assert _autoincrement_tables(tables) == set(ID_TABLES) - APPEND_ONLY


# Where an id comes round anyway -------------------------------------------------------------


async def wind_back(ctx: AppContext, table: str, next_id: int) -> None:
    """Make ``next_id`` the next id handed out, as a database restored from a backup, or one
    that erased rows before 0010 ran, can."""
    async with ctx.sessions.begin() as session:
        if is_postgres(session):
            await session.execute(
                text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :next, false)"),
                {"name": table, "next": next_id},
            )
        else:
            await session.execute(
                text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"),
                {"seq": next_id - 1, "name": table},
            )


def _button(replies: list[Reply], label: str) -> str:
    return next(b.data for r in replies for row in r.buttons for b in row if b.label == label)


async def test_an_old_support_button_leaves_the_invite_that_took_its_id(ctx: AppContext) -> None:
    """Erased, enrolled again, a new invite with the old one's id: the old Cancel is stale."""
    clinic = await new_clinic(ctx)
    inbox, sender = Inbox(ctx), Sender(PATIENT_CHAT)
    await make_patient(ctx, PLAN, chat_id=PATIENT_CHAT, clinic_id=clinic.id)
    old_cancel = _button(await inbox.command(sender, "support", []), "Cancel the invite")
    async with ctx.sessions() as session:
        [old_link] = list(await session.scalars(select(SupportLink.id)))
    await inbox.command(sender, "delete", [])
    await inbox.text(sender, "DELETE")

    await make_patient(ctx, PLAN, chat_id=PATIENT_CHAT, clinic_id=clinic.id)
    await wind_back(ctx, "support_links", old_link)
    await inbox.command(sender, "support", [])
    async with ctx.sessions() as session:
        [link] = list(await session.scalars(select(SupportLink)))
    assert link.id == old_link  # the id came round

    result = await inbox.tap(sender, old_cancel)
    assert result.notice == texts.STALE_BUTTON and result.chosen is None
    async with ctx.sessions() as session:
        link = await session.get_one(SupportLink, old_link)
    assert link.status == SupportStatus.INVITED and link.token is not None

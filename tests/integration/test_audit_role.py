"""The audit log cannot be emptied (issue 14, item 8), on the machine's Postgres.

TRUNCATE is refused even to the tables' owner (a statement trigger, migration 0009), and the
app runs as a role made by ``recovery-bot db upgrade --app-role``: it can do everything the
product does, but can only read and append audit rows and cannot switch the guards off.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import time

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.chat_cli import TerminalChat
from bot.cli import main
from bot.clock import FakeClock
from bot.db import migrate
from bot.db.models import Alert, AuditEntry, Patient
from bot.db.roles import RoleError, check_role_name, grant_app_role, grant_statements
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.services.inbox import Inbox, Sender
from jobs.followups import follow_up
from jobs.retention import apply_retention
from jobs.stats import refresh_stale_stats
from jobs.tick import tick
from tests.conftest import PG_ADMIN_DSN, make_settings
from tests.support import make_patient

pytestmark = pytest.mark.postgres

CHAT = 5151
PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))


def as_user(url: str, user: str, password: str | None = None) -> str:
    return make_url(url).set(username=user, password=password).render_as_string(False)


def plain(url: str) -> str:
    """An asyncpg DSN for a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(False)


@pytest.fixture
async def app_url(pg_url: str) -> AsyncIterator[str]:
    """A fresh login role set up by `db upgrade --app-role`, and a URL that connects as it."""
    role = f"rb_app_{uuid.uuid4().hex[:10]}"
    try:
        await grant_app_role(pg_url, role, "app-password-for-tests")
        yield as_user(pg_url, role, "app-password-for-tests")
    finally:
        await _drop_role(pg_url, role)


async def audit_rows(url: str) -> int:
    conn = await asyncpg.connect(plain(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM audit_log"))
    finally:
        await conn.close()


async def test_even_the_owner_cannot_truncate_the_audit_log(pg_url: str, clock: FakeClock) -> None:
    async with app_context(make_settings(pg_url), clock) as ctx:
        await make_patient(ctx, PLAN, chat_id=CHAT)
        await Inbox(ctx).text(Sender(CHAT), "i want to kill myself")
    before = await audit_rows(pg_url)
    assert before >= 1
    conn = await asyncpg.connect(plain(pg_url))
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("TRUNCATE audit_log")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit_log")
    finally:
        await conn.close()
    assert await audit_rows(pg_url) == before


async def test_the_app_role_runs_the_product(app_url: str, clock: FakeClock) -> None:
    # Start-up checks the schema without changing it.
    await migrate.upgrade(app_url)
    assert await migrate.is_up_to_date(app_url)
    async with app_context(make_settings(app_url), clock) as ctx:
        patient_id, _ = await make_patient(ctx, PLAN, chat_id=CHAT)
        inbox = Inbox(ctx)
        said: list[str] = []
        chat = TerminalChat(inbox, Sender(CHAT, "Pat"), said.append)
        await chat.handle("/checkin")
        await chat.handle("9")
        await inbox.text(Sender(CHAT), "i want to kill myself")  # an alert, audited
        await tick(ctx)
        await follow_up(ctx)
        await refresh_stale_stats(ctx)
        await apply_retention(ctx)
        async with ctx.sessions() as session:
            assert (
                await session.scalar(select(func.count()).select_from(Alert)) == 2
            )  # craving 9, crisis
        # Erasure deletes the patient's rows and appends to the audit log.
        await inbox.command(Sender(CHAT), "delete", [])
        await inbox.text(Sender(CHAT), "DELETE")
        async with ctx.sessions() as session:
            assert await session.get(Patient, patient_id) is None
            actions = set(await session.scalars(select(AuditEntry.action)))
    assert "alert.crisis" in actions
    assert any("erase" in action or "delete" in action for action in actions), actions


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_log",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET action = 'nothing happened'",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_no_change ON audit_log",
        "DROP TABLE audit_log",
        "CREATE TABLE audit_log_copy (id int)",
        "UPDATE alembic_version SET version_num = '0001'",
    ],
)
async def test_the_app_role_can_only_read_and_append_audit_rows(
    app_url: str, clock: FakeClock, statement: str
) -> None:
    async with app_context(make_settings(app_url), clock) as ctx:
        await make_patient(ctx, PLAN, chat_id=CHAT)
        await Inbox(ctx).text(Sender(CHAT), "i want to kill myself")
    before = await audit_rows(app_url)
    assert before >= 1  # it could append, and can read
    conn = await asyncpg.connect(plain(app_url))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)
    finally:
        await conn.close()
    assert await audit_rows(app_url) == before


def test_db_upgrade_with_an_app_role_from_the_command_line(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Synchronous on purpose: `main` runs its own event loop, as from a shell.
    role = f"rb_cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("APP_DB_PASSWORD", "a-password-that-must-not-be-printed")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    try:
        assert main(["db", "upgrade", "--app-role", role]) == 0
        out = capsys.readouterr()
        assert f"Role {role} can now use the tables" in out.out
        assert "a-password-that-must-not-be-printed" not in out.out + out.err
        # Safe to repeat on every deploy.
        assert main(["db", "upgrade", "--app-role", role]) == 0
        superuser, can_login, privileges = asyncio.run(_role_facts(pg_url, role))
        assert (superuser, can_login) == (False, True)
        assert privileges == "INSERT,SELECT"
    finally:
        asyncio.run(_drop_role(pg_url, role))


async def _role_facts(url: str, role: str) -> tuple[bool, bool, str]:
    conn = await asyncpg.connect(plain(url))
    try:
        superuser, can_login = await conn.fetchrow(
            "SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1", role
        )
        privileges = await conn.fetchval(
            "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) "
            "FROM information_schema.role_table_grants "
            "WHERE grantee = $1 AND table_name = 'audit_log'",
            role,
        )
    finally:
        await conn.close()
    return bool(superuser), bool(can_login), str(privileges)


async def _drop_role(url: str, role: str) -> None:
    conn = await asyncpg.connect(plain(url))
    try:
        await conn.execute(f'DROP OWNED BY "{role}"')
    except asyncpg.UndefinedObjectError:
        pass  # never created
    finally:
        await conn.close()
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        await admin.close()


async def test_the_owner_is_refused_as_the_app_role(pg_url: str) -> None:
    owner = make_url(pg_url).username or "postgres"
    with pytest.raises(RoleError, match=r"owns (the )?tables"):
        await grant_app_role(pg_url, owner, None)


@pytest.mark.parametrize("name", ["App", "app-role", "1app", 'x"; DROP TABLE audit_log; --', ""])
def test_role_names_that_could_break_out_are_refused(name: str) -> None:
    with pytest.raises(RoleError):
        check_role_name(name)


def test_a_password_with_quotes_stays_one_literal() -> None:
    [*_, password] = [s for s in grant_statements("app", "db", "it's") if "PASSWORD" in s]
    assert password.endswith("PASSWORD 'it''s'")

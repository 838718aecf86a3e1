"""The database role the application runs as, on Postgres.

Whoever owns a table can disable its triggers (``ALTER TABLE ... DISABLE TRIGGER``) and
``TRUNCATE`` it, so an application connected as the owner could empty the audit log however
many triggers guard it. Migrations therefore run as the owner, and the bot, the job workers and
the dashboard connect as a second role that owns nothing and may only:

* read and write the application's tables,
* read and append to ``audit_log`` (no UPDATE, DELETE or TRUNCATE, and no way to switch the
  append-only triggers off),
* read ``alembic_version``, so a start-up check sees the schema is current without changing it.

``recovery-bot db upgrade --app-role NAME`` applies the migrations and then (re)grants, so new
tables from a release are covered on the next deploy. SQLite has no roles: there the file's
permissions are the boundary.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.engine import create_engine

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
AUDIT_TABLE = "audit_log"
VERSION_TABLE = "alembic_version"


class RoleError(Exception):
    """Why the app role could not be set up, in words for the operator."""


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.fullmatch(name):
        raise RoleError(
            f"{name!r} is not a usable role name: lower-case letters, digits and _ only, "
            "starting with a letter or _, at most 63 characters"
        )
    return name


def _literal(value: str) -> str:
    """A SQL string literal. DDL such as ALTER ROLE ... PASSWORD takes no bind parameters."""
    if "\x00" in value:
        raise RoleError("the password contains a NUL character")
    return "'" + value.replace("'", "''") + "'"


def grant_statements(role: str, database: str, password: str | None) -> list[str]:
    """What makes ``role`` a login role with exactly the app's privileges (idempotent)."""
    check_role_name(role)
    quoted_db = '"' + database.replace('"', '""') + '"'
    statements = [
        # CREATE ROLE has no IF NOT EXISTS. The name passed check_role_name; DDL takes no binds.
        "DO $$ BEGIN "  # noqa: S608
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_literal(role)}) THEN "
        f'CREATE ROLE "{role}" LOGIN; END IF; END $$',
        # Whatever it was made with before, it must not be able to step around the grants.
        f'ALTER ROLE "{role}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
        "NOBYPASSRLS",
    ]
    if password:
        statements.append(f'ALTER ROLE "{role}" WITH PASSWORD {_literal(password)}')
    statements += [
        f'GRANT CONNECT, TEMPORARY ON DATABASE {quoted_db} TO "{role}"',
        f'REVOKE CREATE ON DATABASE {quoted_db} FROM "{role}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'REVOKE CREATE ON SCHEMA public FROM "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM "{role}"',
        f'REVOKE UPDATE, DELETE ON {AUDIT_TABLE} FROM "{role}"',
        f'REVOKE INSERT, UPDATE, DELETE ON {VERSION_TABLE} FROM "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    ]
    return statements


async def _owns_anything(conn: AsyncConnection, role: str) -> bool:
    owned = await conn.scalar(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE r.rolname = :role AND n.nspname = 'public'"
        ),
        {"role": role},
    )
    return bool(owned)


async def grant_app_role(owner_url: str, role: str, password: str | None) -> None:
    """Create or update ``role`` with the app's privileges, connected as the tables' owner."""
    check_role_name(role)
    engine = create_engine(owner_url)
    try:
        if engine.dialect.name != "postgresql":
            raise RoleError("an app role is a Postgres feature; SQLite has no roles")
        async with engine.begin() as conn:
            current = await conn.scalar(text("SELECT current_user"))
            if current == role:
                raise RoleError(
                    f"the migrations ran as {role!r} itself: run `db upgrade` as the role that "
                    "owns the tables and give the app a different one"
                )
            if await _owns_anything(conn, role):
                raise RoleError(
                    f"{role!r} owns tables in this database, so it could disable the audit "
                    "log's guards: give the app a role that owns nothing"
                )
            database = str(await conn.scalar(text("SELECT current_database()")))
            for statement in grant_statements(role, database, password):
                await conn.exec_driver_sql(statement)
    finally:
        await engine.dispose()

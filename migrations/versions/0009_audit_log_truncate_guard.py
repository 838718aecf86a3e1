"""audit log: refuse TRUNCATE too

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:40:00

The row triggers of 0001 stop UPDATE and DELETE, but TRUNCATE fires no row trigger, so one
statement could empty the log. A statement-level trigger refuses it. (SQLite has no TRUNCATE:
its "DELETE FROM audit_log" already meets the delete trigger.) The owner can still disable a
trigger, which is why the app runs as a role that does not own the tables (bot/db/roles.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")

"""ids never reused, everywhere

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 20:30:00

SQLite hands out max(id) + 1 unless a table is AUTOINCREMENT, so after an erasure deleted the
newest rows the next alert, check-in or dose could take an id that an old Telegram card still
names, and the card acted on someone else's record. 0007 fixed that for patients; here every
other table with a generated id gets it, which only a rebuild can do. The rebuild copies the
rows with their ids, so SQLite's high-water mark starts at the largest id present; an id deleted
above it before this migration can still come back once, which the tags in button data catch
(bot/domain/callback_tags.py).

Not rebuilt: audit_log, whose rows are never deleted (its triggers refuse it, and a rebuild would
drop them), and tables keyed by something else (conversations, patient_stats). Postgres sequences
never go back, so nothing happens there.

A later batch migration on one of these tables must pass table_kwargs={"sqlite_autoincrement":
True} again: SQLite reflection does not report it, and tests/integration/test_ids_never_reused.py
fails if a table loses it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents before children is not needed (foreign keys are off while migrating), but it keeps the
# order the same as the models'.
TABLES = (
    "clinics",
    "staff",
    "schedules",
    "dose_events",
    "check_ins",
    "alerts",
    "consent_records",
    "questions",
    "support_links",
    "outbox",
    "staff_login_tokens",
    "dashboard_sessions",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
        _keep_high_water_mark(bind, name)


def _keep_high_water_mark(bind: sa.Connection, name: str) -> None:
    """At least the largest id present. The copy's explicit ids set it already; saying so
    outright means a change in how SQLite or Alembic copies rows cannot let ids go back."""
    top = bind.scalar(sa.select(sa.func.max(sa.table(name, sa.column("id")).c.id)))
    if top is None:
        return
    sequence = sa.table("sqlite_sequence", sa.column("name"), sa.column("seq"))
    mark = bind.scalar(sa.select(sequence.c.seq).where(sequence.c.name == name))
    if mark is None:
        bind.execute(sequence.insert().values(name=name, seq=top))
    elif mark < top:
        bind.execute(sequence.update().where(sequence.c.name == name).values(seq=top))


def downgrade() -> None:
    # Left as they are: the older code works the same with ids that are never reused, and
    # rebuilding the tables again would bring the reuse back.
    pass

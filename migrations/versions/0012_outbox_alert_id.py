"""outbox alert id

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:30:00

Issue 18, item 2: an alert's staff cards are found by the alert's id. Before, refreshing them
filtered the outbox with ``dedupe_key LIKE 'alert:N:staff:%'``, which no index serves under a
non-C collation (C.UTF-8 included), so every Take, Resolve or repeat of an alert read the whole
outbox. The cards already queued get their alert's id from that dedupe key here.

The index is partial: only cards have an alert id, so it stays the size of the cards, not of the
outbox.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# bot/services/alerts.py: a card's kind and dedupe key, alert:<alert id>:staff:<staff id>.
_BACKFILL = {
    "postgresql": """
        UPDATE outbox SET alert_id = CAST(split_part(dedupe_key, ':', 2) AS INTEGER)
        WHERE kind = 'staff_alert' AND dedupe_key ~ '^alert:[0-9]+:staff:[0-9]+$'
    """,
    "sqlite": """
        UPDATE outbox
        SET alert_id = CAST(substr(dedupe_key, 7, instr(dedupe_key, ':staff:') - 7) AS INTEGER)
        WHERE kind = 'staff_alert' AND dedupe_key GLOB 'alert:[0-9]*:staff:[0-9]*'
    """,
}


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_id", sa.Integer(), nullable=True))
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_alert_id",
            ["alert_id"],
            unique=False,
            postgresql_where=sa.text("alert_id IS NOT NULL"),
            sqlite_where=sa.text("alert_id IS NOT NULL"),
        )


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_alert_id",
            postgresql_where=sa.text("alert_id IS NOT NULL"),
            sqlite_where=sa.text("alert_id IS NOT NULL"),
        )
    if bind.dialect.name != "sqlite":
        op.drop_column("outbox", "alert_id")
        return
    # SQLite drops a column by rebuilding the table, which must stay AUTOINCREMENT and keep its
    # high-water mark, not fall back to the largest id present (0010: ids are never reused).
    sequence = sa.table("sqlite_sequence", sa.column("name"), sa.column("seq"))
    mark = bind.scalar(sa.select(sequence.c.seq).where(sequence.c.name == "outbox"))
    with op.batch_alter_table(
        "outbox", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("alert_id")
    if mark is None:
        return
    now = bind.scalar(sa.select(sequence.c.seq).where(sequence.c.name == "outbox"))
    if now is None:
        bind.execute(sequence.insert().values(name="outbox", seq=mark))
    elif now < mark:
        bind.execute(sequence.update().where(sequence.c.name == "outbox").values(seq=mark))

"""sms dispatch: contacts linked to patients, a preferred channel, texts on the outbox

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 15:30:00

Issue 16, step 4 (outbound texts). An SMS contact belongs to at most one patient (unique,
ON DELETE CASCADE: deleting a patient erases their number, see SmsContact in bot/db/models.py);
a patient prefers "telegram" (everyone so far, hence the server default) or "sms"; an outbox row
sent by SMS keeps Twilio's message sid (indexed for the delivery receipts, only rows that have
one), the segments it was billed as and the latest receipt's status.

SQLite: ``patients`` and ``outbox`` are not rebuilt (a rebuild would have to carry their partial
indexes and AUTOINCREMENT high-water marks): their columns are added with ALTER TABLE, the
check constraint written into the new column's definition. ``sms_contacts`` is rebuilt for its
unique foreign key, keeping AUTOINCREMENT and its high-water mark (0010: ids are never reused).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHANNEL_CHECK = "preferred_channel IN ('telegram', 'sms')"


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _rebuild_sms_contacts(change: Callable[[Any], None]) -> None:
    """A batch change to sms_contacts; on SQLite a rebuild that keeps its id high-water mark."""
    if not _sqlite():
        with op.batch_alter_table("sms_contacts", schema=None) as batch_op:
            change(batch_op)
        return
    bind = op.get_bind()
    sequence = sa.table("sqlite_sequence", sa.column("name"), sa.column("seq"))
    mark = bind.scalar(sa.select(sequence.c.seq).where(sequence.c.name == "sms_contacts"))
    with op.batch_alter_table(
        "sms_contacts", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        change(batch_op)
    if mark is None:
        return
    now = bind.scalar(sa.select(sequence.c.seq).where(sequence.c.name == "sms_contacts"))
    if now is None:
        bind.execute(sequence.insert().values(name="sms_contacts", seq=mark))
    elif now < mark:
        bind.execute(sequence.update().where(sequence.c.name == "sms_contacts").values(seq=mark))


def _link(batch_op: Any) -> None:
    batch_op.add_column(sa.Column("patient_id", sa.Integer(), nullable=True))
    batch_op.create_unique_constraint(batch_op.f("uq_sms_contacts_patient_id"), ["patient_id"])
    batch_op.create_foreign_key(
        batch_op.f("fk_sms_contacts_patient_id_patients"),
        "patients",
        ["patient_id"],
        ["id"],
        ondelete="CASCADE",
    )


def _unlink(batch_op: Any) -> None:
    batch_op.drop_constraint(batch_op.f("fk_sms_contacts_patient_id_patients"), type_="foreignkey")
    batch_op.drop_constraint(batch_op.f("uq_sms_contacts_patient_id"), type_="unique")
    batch_op.drop_column("patient_id")


def upgrade() -> None:
    if _sqlite():
        op.execute(
            "ALTER TABLE patients ADD COLUMN preferred_channel VARCHAR(16) "
            "DEFAULT 'telegram' NOT NULL "
            f"CONSTRAINT ck_patients_preferred_channel_valid CHECK ({_CHANNEL_CHECK})"
        )
    else:
        op.add_column(
            "patients",
            sa.Column(
                "preferred_channel", sa.String(length=16), nullable=False, server_default="telegram"
            ),
        )
        op.create_check_constraint("preferred_channel_valid", "patients", _CHANNEL_CHECK)
    _rebuild_sms_contacts(_link)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sms_sid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sms_segments", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_sms_sid",
            ["sms_sid"],
            unique=False,
            postgresql_where=sa.text("sms_sid IS NOT NULL"),
            sqlite_where=sa.text("sms_sid IS NOT NULL"),
        )


def downgrade() -> None:
    op.drop_index(
        "ix_outbox_sms_sid",
        table_name="outbox",
        postgresql_where=sa.text("sms_sid IS NOT NULL"),
        sqlite_where=sa.text("sms_sid IS NOT NULL"),
    )
    # Plain ALTER TABLE ... DROP COLUMN on both (SQLite 3.35+): no rebuild of the outbox or of
    # patients. SQLite allows it for a column whose only constraint is its own CHECK.
    for column in ("delivery_updated_at", "delivery_status", "sms_segments", "sms_sid"):
        op.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
    _rebuild_sms_contacts(_unlink)
    if not _sqlite():
        op.drop_constraint("preferred_channel_valid", "patients", type_="check")
    op.execute("ALTER TABLE patients DROP COLUMN preferred_channel")

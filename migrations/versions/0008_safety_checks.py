"""safety checks (the "Are you safe right now?" tier)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("answered_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("alerted_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_safety_checks_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_checks")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("safety_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_checks_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_safety_checks_waiting",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("answered_at IS NULL AND alerted_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL AND alerted_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("safety_checks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_safety_checks_waiting",
            postgresql_where=sa.text("answered_at IS NULL AND alerted_at IS NULL"),
            sqlite_where=sa.text("answered_at IS NULL AND alerted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_safety_checks_patient_id"))
    op.drop_table("safety_checks")

"""sms contacts

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:00:00

Issue 16, step 3: the numbers that text the SMS number, with their opt-out (STOP) and opt-in
(START) and their language. Not linked to patients yet: enrolment by text is a later step.
AUTOINCREMENT on SQLite, like every table with a generated id since 0010.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False, server_default="en"),
        sa.Column("opted_out_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opted_in_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_sms_contacts_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_contacts")),
        sa.UniqueConstraint("phone", name=op.f("uq_sms_contacts_phone")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("sms_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_contacts_clinic_id"), ["clinic_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sms_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_contacts_clinic_id"))
    op.drop_table("sms_contacts")

"""sms usage

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:45:00

Issue 16, item 6: texts sent and segments billed per clinic per calendar month (UTC), counted by
the outbox sender as Twilio accepts each text. Counts only, about no patient.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_usage",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("texts", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_sms_usage_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("clinic_id", "month", name=op.f("pk_sms_usage")),
    )


def downgrade() -> None:
    op.drop_table("sms_usage")

"""sms enrolment

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:30:00

Issue 16, item 3: enrolment by text. ``sms_contacts.invited_at`` is when staff invited the number
(the invitation names ``clinic_id``); ``sms_contacts.menu`` holds the answers of the last numbered
question texted to it, so that "2" answers that question and not an older one. Item 4:
``clinics.sms_quiet_hours``, a clinic's own quiet hours (null: the deployment's SMS_QUIET_HOURS).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns without constraints: a plain ADD COLUMN on both databases, no rebuild.
    op.add_column(
        "sms_contacts",
        sa.Column("invited_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("sms_contacts", sa.Column("menu", sa.JSON(), nullable=True))
    op.add_column("clinics", sa.Column("sms_quiet_hours", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE clinics DROP COLUMN sms_quiet_hours")
    op.execute("ALTER TABLE sms_contacts DROP COLUMN menu")
    op.execute("ALTER TABLE sms_contacts DROP COLUMN invited_at")

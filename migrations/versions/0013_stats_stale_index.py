"""stats staleness found through an index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:30:00

Issue 18, item 3: the stats job found stale patients by comparing every patient with their
``patient_stats`` row, a read of both whole tables per batch. Each patient now carries the
``stats_version`` their figures were computed from by the job (``stats_seen_version``, -1: never)
and the instant their local day ends (``stats_fresh_until``); a partial index holds only the
patients whose history moved on since, and an index on ``stats_fresh_until`` finds those whose
day has ended. Every patient starts at -1, so the job recomputes everyone once after upgrading.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STALE = "stats_seen_version <> stats_version"


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stats_seen_version", sa.Integer(), nullable=False, server_default="-1")
        )
        batch_op.add_column(
            sa.Column("stats_fresh_until", bot.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index(
        "ix_patients_stats_stale",
        "patients",
        ["id"],
        unique=False,
        postgresql_where=sa.text(_STALE),
        sqlite_where=sa.text(_STALE),
    )
    op.create_index(
        "ix_patients_stats_fresh_until", "patients", ["stats_fresh_until"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_patients_stats_fresh_until", table_name="patients")
    op.drop_index("ix_patients_stats_stale", table_name="patients")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("stats_fresh_until")
        batch_op.drop_column("stats_seen_version")

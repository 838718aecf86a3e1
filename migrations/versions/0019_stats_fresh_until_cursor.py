"""stats: the day-ended index carries the id

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 22:00:00

Issue 18: the stats job finds the patients whose local day has ended through
``ix_patients_stats_fresh_until``. At local midnight every patient of a zone shares one
``stats_fresh_until``, so a run's probe, ordered by that alone, could not start after the last
patient its previous batch took, and walked again, batch after batch, the entries those batches
left behind (dead until vacuum). With the id in the index each probe starts after the last
``(stats_fresh_until, id)`` it did, as the other probe does after the last id.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_patients_stats_fresh_until", table_name="patients")
    op.create_index(
        "ix_patients_stats_fresh_until",
        "patients",
        ["stats_fresh_until", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_patients_stats_fresh_until", table_name="patients")
    op.create_index(
        "ix_patients_stats_fresh_until", "patients", ["stats_fresh_until"], unique=False
    )

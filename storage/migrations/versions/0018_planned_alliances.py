"""Which alliances the scorecard and the pulse have planned for, flagged on the alliance and indexed where not
yet: every sweep looked for alliances without their settings by comparing the two tables whole, which grew with
the number of alliances (8 ms each at 10,000 on PostgreSQL) however little was new.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alliance") as batch:
        batch.add_column(sa.Column("scorecard_planned", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("pulse_planned", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE alliance SET"
        " scorecard_planned = EXISTS (SELECT 1 FROM scorecardsettings s WHERE s.alliance_id = alliance.id),"
        " pulse_planned = EXISTS (SELECT 1 FROM pulse_settings p WHERE p.alliance_id = alliance.id)"
    )
    for name, column in (
        ("ix_alliance_scorecard_unplanned", "scorecard_planned"),
        ("ix_alliance_pulse_unplanned", "pulse_planned"),
    ):
        where = sa.text(f"NOT {column}")
        op.create_index(name, "alliance", ["id"], unique=False, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index("ix_alliance_pulse_unplanned", table_name="alliance")
    op.drop_index("ix_alliance_scorecard_unplanned", table_name="alliance")
    with op.batch_alter_table("alliance") as batch:
        batch.drop_column("pulse_planned")
        batch.drop_column("scorecard_planned")

"""Indexes that let the sweep find scorecard work without reading every alliance's settings. Each sweep looks for
alliances whose metrics changed (balance_dirty), whose digest is due (next_digest_at, indexed already) or whose
review dates were not looked at for a while (reviews_checked_at, not indexed): PostgreSQL read the whole table every
minute (0.7 ms at 10,000 alliances, growing with them), and so did SQLite. Now reviews_checked_at is indexed, and
the flag's full index gives way to a partial one of the rows it is set on (SQLite cannot tell that `true` is rare,
and never used the full one).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_scorecardsettings_reviews_checked_at", "scorecardsettings", ["reviews_checked_at"], unique=False
    )
    where = sa.text("balance_dirty")
    op.create_index(
        "ix_scorecardsettings_dirty",
        "scorecardsettings",
        ["alliance_id"],
        unique=False,
        sqlite_where=where,
        postgresql_where=where,
    )
    op.drop_index("ix_scorecardsettings_balance_dirty", table_name="scorecardsettings")


def downgrade() -> None:
    op.create_index("ix_scorecardsettings_balance_dirty", "scorecardsettings", ["balance_dirty"], unique=False)
    op.drop_index("ix_scorecardsettings_dirty", table_name="scorecardsettings")
    op.drop_index("ix_scorecardsettings_reviews_checked_at", table_name="scorecardsettings")

"""The scorecard: metrics per party and their readings, contributions, settings (balance, digest), review answers.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("party_team_id", sa.String(length=64), nullable=False),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=100), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contribution") as batch_op:
        batch_op.create_index(batch_op.f("ix_contribution_alliance_id"), ["alliance_id"], unique=False)

    op.create_table(
        "metric",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("party_team_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("due_at", AwareDateTime(), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "party_team_id", "name", name="uq_metric_name"),
    )
    with op.batch_alter_table("metric") as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_alliance_id"), ["alliance_id"], unique=False)

    op.create_table(
        "reviewanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("review_key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "review_key", "user_id", name="uq_review_answer"),
    )
    with op.batch_alter_table("reviewanswer") as batch_op:
        batch_op.create_index(batch_op.f("ix_reviewanswer_alliance_id"), ["alliance_id"], unique=False)

    op.create_table(
        "scorecardsettings",
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("balance_threshold", sa.Integer(), nullable=False),
        sa.Column("balance_dirty", sa.Boolean(), nullable=False),
        sa.Column("imbalance_episode", sa.Integer(), nullable=False),
        sa.Column("imbalanced_since", AwareDateTime(), nullable=True),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("next_digest_at", AwareDateTime(), nullable=True),
        sa.Column("reviews_checked_at", AwareDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("alliance_id"),
    )
    with op.batch_alter_table("scorecardsettings") as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecardsettings_balance_dirty"), ["balance_dirty"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecardsettings_next_digest_at"), ["next_digest_at"], unique=False)

    op.create_table(
        "metricreading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["metric_id"],
            ["metric.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("metricreading") as batch_op:
        batch_op.create_index(batch_op.f("ix_metricreading_metric_id"), ["metric_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("metricreading") as batch_op:
        batch_op.drop_index(batch_op.f("ix_metricreading_metric_id"))

    op.drop_table("metricreading")
    with op.batch_alter_table("scorecardsettings") as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecardsettings_next_digest_at"))
        batch_op.drop_index(batch_op.f("ix_scorecardsettings_balance_dirty"))

    op.drop_table("scorecardsettings")
    with op.batch_alter_table("reviewanswer") as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewanswer_alliance_id"))

    op.drop_table("reviewanswer")
    with op.batch_alter_table("metric") as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_alliance_id"))

    op.drop_table("metric")
    with op.batch_alter_table("contribution") as batch_op:
        batch_op.drop_index(batch_op.f("ix_contribution_alliance_id"))

    op.drop_table("contribution")

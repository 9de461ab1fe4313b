"""Alliances, parties, people, commitments and their history; processed Slack events.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import AwareDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alliance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host_team_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", AwareDateTime(), nullable=False),
        sa.Column("last_ref", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "channel_id", name="uq_alliance_channel"),
    )
    op.create_table(
        "person",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "processedevent",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("party_team_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", AwareDateTime(), nullable=False),
        sa.Column("milestone", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("slips", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("closed_at", AwareDateTime(), nullable=True),
        sa.Column("drop_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "ref", name="uq_commitment_ref"),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commitment_alliance_status_due",
            ["alliance_id", "status", "due_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_commitment_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_commitment_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=True),
        sa.Column("sponsor_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["alliance_id"],
            ["alliance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alliance_id", "team_id", name="uq_party_team"),
    )
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_alliance_id"), ["alliance_id"], unique=False)

    op.create_table(
        "commitmentevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("at", AwareDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitmentevent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitmentevent_commitment_id"),
            ["commitment_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("commitmentevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitmentevent_commitment_id"))

    op.drop_table("commitmentevent")
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_alliance_id"))

    op.drop_table("party")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index("ix_commitment_status_due")
        batch_op.drop_index(batch_op.f("ix_commitment_owner_id"))
        batch_op.drop_index("ix_commitment_alliance_status_due")

    op.drop_table("commitment")
    op.drop_table("processedevent")
    op.drop_table("person")
    op.drop_table("alliance")

"""road travel times kept with a planned team-day

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-23 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_travel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("warning", sa.String(length=32), nullable=True),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_day_travel_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_travel")),
        sa.UniqueConstraint("team_id", "day", name=op.f("uq_day_travel_team_id_day")),
    )


def downgrade() -> None:
    op.drop_table("day_travel")

"""team's maximum accepted risk of a worker's day ending after the shift

Revision ID: 0017
Revises: 0009
Create Date: 2026-11-23 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_late_risk", sa.Float(), nullable=False,
                                      server_default="0.1"))


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("max_late_risk")

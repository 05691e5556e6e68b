"""committee members' email address, for notices of proposals awaiting their stance

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-23 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("committee_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("committee_member", schema=None) as batch_op:
        batch_op.drop_column("email")

"""read log: who read one person's individual-level data, when, through which route

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-23 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_read_log_user_id_app_user")),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"],
                                name=op.f("fk_read_log_establishment_id_establishment")),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_read_log_worker_id_worker")),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"],
                                name=op.f("fk_read_log_client_id_client")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_log")),
    )
    with op.batch_alter_table("read_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_read_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_read_log_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_read_log_establishment_id"), ["establishment_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_read_log_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("read_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_read_log_worker_id"))
        batch_op.drop_index(batch_op.f("ix_read_log_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_read_log_user_id"))
        batch_op.drop_index(batch_op.f("ix_read_log_at"))
    op.drop_table("read_log")

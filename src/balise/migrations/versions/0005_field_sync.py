"""field sync: batches with their answers, records with their acknowledgments, conflicts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE",
                                name=op.f("fk_sync_batch_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_batch")),
        sa.UniqueConstraint("user_id", "idempotency_key",
                            name=op.f("uq_sync_batch_user_id_idempotency_key")),
    )
    op.create_table(
        "sync_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ack", sa.JSON(), nullable=False),
        sa.Column("applied_state", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_sync_record_user_id_app_user")),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_sync_record_worker_id_worker")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], ondelete="SET NULL",
                                name=op.f("fk_sync_record_visit_id_visit")),
        sa.ForeignKeyConstraint(["batch_id"], ["sync_batch.id"], ondelete="SET NULL",
                                name=op.f("fk_sync_record_batch_id_sync_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_record")),
        sa.UniqueConstraint("record_id", name=op.f("uq_sync_record_record_id")),
    )
    with op.batch_alter_table("sync_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_record_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_sync_record_visit_version",
                              ["visit_id", "status", "recorded_at"], unique=False)
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("kept_record_id", sa.Uuid(), nullable=True),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("set_aside_record_id", sa.Uuid(), nullable=True),
        sa.Column("set_aside_source", sa.String(length=16), nullable=False),
        sa.Column("set_aside", sa.JSON(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"],
                                name=op.f("fk_sync_conflict_establishment_id_establishment")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_sync_conflict_team_id_team")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], ondelete="CASCADE",
                                name=op.f("fk_sync_conflict_visit_id_visit")),
        sa.ForeignKeyConstraint(["reviewed_by"], ["app_user.id"],
                                name=op.f("fk_sync_conflict_reviewed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflict_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_conflict_visit_id"), ["visit_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflict_visit_id"))
        batch_op.drop_index(batch_op.f("ix_sync_conflict_team_id"))
    op.drop_table("sync_conflict")
    with op.batch_alter_table("sync_record", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_record_visit_version")
        batch_op.drop_index(batch_op.f("ix_sync_record_user_id"))
    op.drop_table("sync_record")
    op.drop_table("sync_batch")

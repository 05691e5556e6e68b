"""indicator alert notices: which member was told of which balancing alert

Revision ID: 0014
Revises: 0009
Create Date: 2026-11-23 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_alert_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("volume_code", sa.String(length=40), nullable=False),
        sa.Column("volume_need", sa.String(length=32), nullable=False),
        sa.Column("balancing_code", sa.String(length=40), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("emailed_to", sa.String(length=254), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE",
                                name=op.f("fk_indicator_alert_notice_project_id_project")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE",
                                name=op.f("fk_indicator_alert_notice_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_alert_notice")),
    )
    with op.batch_alter_table("indicator_alert_notice", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_alert_notice_project_user",
                              ["project_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator_alert_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_alert_notice_project_user")
    op.drop_table("indicator_alert_notice")

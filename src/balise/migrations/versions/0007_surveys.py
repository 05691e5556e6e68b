"""surveys: campaigns, anonymous responses, participation (to answer once)

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-25 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("public_code", sa.String(length=32), nullable=True),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("closes_on >= opens_on",
                           name=op.f("ck_survey_campaign_dates_in_order")),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"],
                                name=op.f("fk_survey_campaign_establishment_id_establishment")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_survey_campaign_team_id_team")),
        sa.ForeignKeyConstraint(["opened_by"], ["app_user.id"], ondelete="SET NULL",
                                name=op.f("fk_survey_campaign_opened_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_campaign")),
        sa.UniqueConstraint("public_code", name=op.f("uq_survey_campaign_public_code")),
    )
    with op.batch_alter_table("survey_campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_campaign_establishment_id"),
                              ["establishment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_campaign_team_id"), ["team_id"],
                              unique=False)
    # WITHOUT ROWID on SQLite: the file is ordered by the key, never by arrival.
    op.create_table(
        "survey_participation",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["survey_campaign.id"], ondelete="CASCADE",
                                name=op.f("fk_survey_participation_campaign_id_survey_campaign")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE",
                                name=op.f("fk_survey_participation_user_id_app_user")),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name=op.f("pk_survey_participation")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["survey_campaign.id"], ondelete="CASCADE",
                                name=op.f("fk_survey_response_campaign_id_survey_campaign")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_response_campaign_id"), ["campaign_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_response_campaign_id"))
    op.drop_table("survey_response")
    op.drop_table("survey_participation")
    with op.batch_alter_table("survey_campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_campaign_team_id"))
        batch_op.drop_index(batch_op.f("ix_survey_campaign_establishment_id"))
    op.drop_table("survey_campaign")

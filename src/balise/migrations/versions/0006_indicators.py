"""indicators: definitions people make, project indicator sets, hand entries, computed values

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-24 10:00:00

Branches from 0004 beside 0005 (field sync); a merge revision joins them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_fr", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_note", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("formula_fr", sa.Text(), nullable=False),
        sa.Column("formula_en", sa.Text(), nullable=False),
        sa.Column("balancing", sa.JSON(), nullable=False),
        sa.Column("baseline_start", sa.Date(), nullable=True),
        sa.Column("baseline_end", sa.Date(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["changed_by"], ["app_user.id"],
                                name=op.f("fk_indicator_definition_changed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_definition")),
        sa.UniqueConstraint("code", name=op.f("uq_indicator_definition_code")),
    )
    op.create_table(
        "project_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("baseline_start", sa.Date(), nullable=True),
        sa.Column("baseline_end", sa.Date(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("decision_ref", sa.String(length=64), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("ended_by_decision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],
                                name=op.f("fk_project_indicator_project_id_project")),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"],
                                name=op.f("fk_project_indicator_decision_id_decision")),
        sa.ForeignKeyConstraint(["ended_by_decision_id"], ["decision.id"],
                                name=op.f("fk_project_indicator_ended_by_decision_id_decision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_indicator")),
    )
    with op.batch_alter_table("project_indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_indicator_project_id"), ["project_id"],
                              unique=False)

    op.create_table(
        "indicator_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source_note", sa.String(length=300), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"],
                                name=op.f("fk_indicator_entry_establishment_id_establishment")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_indicator_entry_team_id_team")),
        sa.ForeignKeyConstraint(["entered_by"], ["app_user.id"],
                                name=op.f("fk_indicator_entry_entered_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_entry")),
    )
    with op.batch_alter_table("indicator_entry", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_entry_scope", ["establishment_id", "indicator_code"],
                              unique=False)

    op.create_table(
        "indicator_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"],
                                name=op.f("fk_indicator_value_establishment_id_establishment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
        sa.UniqueConstraint("indicator_code", "establishment_id", "scope", "need", "period_start",
                            name=op.f("uq_indicator_value_cell")),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_value_scope", ["establishment_id", "scope"],
                              unique=False)
    # The indicator engine refreshes a window of days; see indicators/models.py.
    op.create_index("ix_visit_establishment_id_day", "visit", ["establishment_id", "day"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_visit_establishment_id_day", table_name="visit")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_value_scope")
    op.drop_table("indicator_value")
    with op.batch_alter_table("indicator_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_entry_scope")
    op.drop_table("indicator_entry")
    with op.batch_alter_table("project_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_indicator_project_id"))
    op.drop_table("project_indicator")
    op.drop_table("indicator_definition")

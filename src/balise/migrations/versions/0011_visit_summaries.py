"""visit summaries: evidence histograms, their workers and team-weeks, act durations by week,
indicator worker-days

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-23 12:45:00

Kept by balise.grid.summary_upkeep in the transaction of every visit write. A database
upgraded with visits already in it fills them with ``balise summaries rebuild``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, cascade: bool = True) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="CASCADE" if cascade else None)


def upgrade() -> None:
    op.create_table(
        "evidence_cell",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("smaf_group", sa.Integer(), nullable=False),
        sa.Column("act_set", sa.String(length=400), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("histogram", sa.LargeBinary(), nullable=False),
        _fk("evidence_cell", "team_id", "team"),
        _fk("evidence_cell", "establishment_id", "establishment", cascade=False),
        sa.PrimaryKeyConstraint("team_id", "smaf_group", "act_set", name=op.f("pk_evidence_cell")),
    )
    op.create_index(op.f("ix_evidence_cell_establishment_id"), "evidence_cell",
                    ["establishment_id"])
    op.create_table(
        "evidence_worker",
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("smaf_group", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        _fk("evidence_worker", "team_id", "team"),
        _fk("evidence_worker", "worker_id", "worker"),
        _fk("evidence_worker", "establishment_id", "establishment", cascade=False),
        sa.PrimaryKeyConstraint("act_id", "team_id", "smaf_group", "worker_id",
                                name=op.f("pk_evidence_worker")),
    )
    op.create_index(op.f("ix_evidence_worker_establishment_id"), "evidence_worker",
                    ["establishment_id"])
    op.create_table(
        "evidence_team_week",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        _fk("evidence_team_week", "team_id", "team"),
        _fk("evidence_team_week", "establishment_id", "establishment", cascade=False),
        sa.PrimaryKeyConstraint("team_id", "week", name=op.f("pk_evidence_team_week")),
    )
    op.create_index(op.f("ix_evidence_team_week_establishment_id"), "evidence_team_week",
                    ["establishment_id"])
    op.create_table(
        "act_duration_week",
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        _fk("act_duration_week", "establishment_id", "establishment", cascade=False),
        _fk("act_duration_week", "act_id", "act"),
        sa.PrimaryKeyConstraint("establishment_id", "act_id", "week", "minutes",
                                name=op.f("pk_act_duration_week")),
    )
    counts = ("done", "timed", "travel_known", "with_usual", "by_usual", "clinical", "ref_known",
              "above_ref", "acts_scoped", "acts_mismatch")
    op.create_table(
        "worker_day",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("dayn", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in counts[:2]],
        sa.Column("realized_minutes", sa.Float(), nullable=False),
        sa.Column("first_start", sa.Float(), nullable=True),
        sa.Column("last_end", sa.Float(), nullable=True),
        sa.Column("travel_known", sa.Integer(), nullable=False),
        sa.Column("travel_minutes", sa.Float(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in counts[3:]],
        _fk("worker_day", "worker_id", "worker"),
        _fk("worker_day", "team_id", "team"),
        _fk("worker_day", "establishment_id", "establishment", cascade=False),
        sa.PrimaryKeyConstraint("worker_id", "day", "team_id", name=op.f("pk_worker_day")),
    )
    op.create_index(op.f("ix_worker_day_establishment_id"), "worker_day", ["establishment_id"])


def downgrade() -> None:
    op.drop_table("act_duration_week")
    for table in ("worker_day", "evidence_team_week", "evidence_worker", "evidence_cell"):
        op.drop_index(op.f(f"ix_{table}_establishment_id"), table_name=table)
        op.drop_table(table)

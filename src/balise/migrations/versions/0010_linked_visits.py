"""linked visits: double and sequenced visits, second windows, optional needs

Care-plan needs and visits may take two workers at once or come in a sequence with a
delay, accept a second window and be optional; the waiting list keeps why the planner
left an optional visit out.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WINDOW2 = "window2_start IS NULL OR window2_end IS NULL OR window2_start < window2_end"
DELAY_ORDER = "delay_min IS NULL OR delay_max IS NULL OR delay_min <= delay_max"


def upgrade() -> None:
    with op.batch_alter_table("care_plan_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workers_needed", sa.Integer(), nullable=False,
                                      server_default=sa.text("1")))
        batch_op.add_column(sa.Column("follows_act_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delay_min", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delay_max", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window2_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window2_end", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("optional", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f("fk_care_plan_item_follows_act_id_act"), "act",
                                    ["follows_act_id"], ["id"])
        batch_op.create_check_constraint(op.f("ck_care_plan_item_workers_needed_range"), "workers_needed BETWEEN 1 AND 2")
        batch_op.create_check_constraint(op.f("ck_care_plan_item_window2_order"), WINDOW2)
        batch_op.create_check_constraint(op.f("ck_care_plan_item_delay_nonnegative"), "delay_min IS NULL OR delay_min >= 0")
        batch_op.create_check_constraint(op.f("ck_care_plan_item_delay_order"), DELAY_ORDER)

    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_group", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("link_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("delay_min", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delay_max", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window2_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window2_end", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("optional", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_visit_link_group"), ["link_group"], unique=False)
        batch_op.create_check_constraint(op.f("ck_visit_window2_order"), WINDOW2)
        batch_op.create_check_constraint(op.f("ck_visit_delay_nonnegative"), "delay_min IS NULL OR delay_min >= 0")
        batch_op.create_check_constraint(op.f("ck_visit_delay_order"), DELAY_ORDER)
        batch_op.create_check_constraint(op.f("ck_visit_link_has_group"),
                                         "link_kind IS NULL OR link_group IS NOT NULL")

    with op.batch_alter_table("waiting_list_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planner_reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("waiting_list_entry", schema=None) as batch_op:
        batch_op.drop_column("planner_reason")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        for name in ("link_has_group", "delay_order", "delay_nonnegative", "window2_order"):
            batch_op.drop_constraint(op.f(f"ck_visit_{name}"), type_="check")
        batch_op.drop_index(batch_op.f("ix_visit_link_group"))
        for column in ("optional", "window2_end", "window2_start", "delay_max", "delay_min",
                       "link_kind", "link_group"):
            batch_op.drop_column(column)
    with op.batch_alter_table("care_plan_item", schema=None) as batch_op:
        for name in ("delay_order", "delay_nonnegative", "window2_order", "workers_needed_range"):
            batch_op.drop_constraint(op.f(f"ck_care_plan_item_{name}"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_care_plan_item_follows_act_id_act"),
                                 type_="foreignkey")
        for column in ("optional", "window2_end", "window2_start", "delay_max", "delay_min",
                       "follows_act_id", "workers_needed"):
            batch_op.drop_column(column)

"""join the linked visits, visit summaries, read log, member email, alert notices and
lateness-risk migrations

They were written side by side on top of 0009; this revision makes one head again.

Revision ID: 0018
Revises: 0010, 0011, 0012, 0013, 0014, 0017
Create Date: 2026-11-23 13:30:00
"""

revision = "0018"
down_revision = ("0010", "0011", "0012", "0013", "0014", "0017")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

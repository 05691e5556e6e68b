"""join the field sync, indicators, surveys and trusted-device migrations

They were written side by side on top of 0004; this revision makes one head again.

Revision ID: 0009
Revises: 0005, 0006, 0007, 0008
Create Date: 2026-11-23 10:15:00
"""

revision = "0009"
down_revision = ("0005", "0006", "0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""journal: the append-only, hash-chained journal

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:04:51.108998

Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) of ``journal_entry``,
so a bug or a careless hand at the SQL prompt cannot change history. They do not stop
someone who can drop them; the hash chain and the heads kept outside the database
catch that. A later migration that rebuilds this table on SQLite (batch mode copies
it) drops its triggers with it and must create them again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "journal is append-only"

POSTGRESQL_UP = [
    f"""
    CREATE FUNCTION journal_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'raise_exception';
    END
    $$
    """,
    """
    CREATE TRIGGER journal_entry_no_update_delete
    BEFORE UPDATE OR DELETE ON journal_entry
    FOR EACH ROW EXECUTE FUNCTION journal_entry_append_only()
    """,
    # TRUNCATE fires no row trigger; it needs a statement trigger of its own.
    """
    CREATE TRIGGER journal_entry_no_truncate
    BEFORE TRUNCATE ON journal_entry
    FOR EACH STATEMENT EXECUTE FUNCTION journal_entry_append_only()
    """,
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS journal_entry_no_truncate ON journal_entry",
    "DROP TRIGGER IF EXISTS journal_entry_no_update_delete ON journal_entry",
    "DROP FUNCTION IF EXISTS journal_entry_append_only()",
]
SQLITE_UP = [
    f"""
    CREATE TRIGGER journal_entry_no_update BEFORE UPDATE ON journal_entry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON journal_entry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS journal_entry_no_delete",
    "DROP TRIGGER IF EXISTS journal_entry_no_update",
]


def upgrade() -> None:
    op.create_table(
        "journal_entry",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_journal_entry_seq_positive")),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_journal_entry_establishment_id_establishment"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_journal_entry")),
    )
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_entry_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_entry_subject"), ["subject"], unique=False)

    for statement in _triggers(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _triggers(up=False):
        op.execute(statement)
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entry_subject"))
        batch_op.drop_index(batch_op.f("ix_journal_entry_establishment_id"))
    op.drop_table("journal_entry")


def _triggers(*, up: bool) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRESQL_UP if up else POSTGRESQL_DOWN
    return SQLITE_UP if up else SQLITE_DOWN

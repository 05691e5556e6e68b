"""``balise journal verify`` and ``export``: exit codes a committee member can rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise.cli import app
from balise.journal.service import append

runner = CliRunner()


@pytest.fixture
def journal(session: Session, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Session:
    for n in range(3):
        append(session, action="committee.decision.recorded", subject=f"decision:{n}")
    session.commit()
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    return session


def test_intact_journal_exits_zero_and_export_can_be_checked_later(
    journal: Session, tmp_path: Path
) -> None:
    out = tmp_path / "journal.json"
    assert runner.invoke(app, ["journal", "export", "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["journal", "verify", "--kept", str(out)])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_tampered_row_exits_one_and_names_the_entry(journal: Session) -> None:
    engine = journal.get_bind()
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS journal_entry_no_update"))
        else:
            conn.execute(text("ALTER TABLE journal_entry DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE journal_entry SET subject = 'decision:99' WHERE seq = 2"))
    result = runner.invoke(app, ["journal", "verify"])
    assert result.exit_code == 1
    assert "2" in result.output

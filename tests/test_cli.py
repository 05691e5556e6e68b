"""The ``balise`` command: clear messages, exit codes, no stack traces."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from balise.accounts.models import User
from balise.cli import app
from balise.core.db import make_engine, session_factory
from balise.territory.models import Establishment

runner = CliRunner()


def test_init_creates_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    monkeypatch.setenv("BALISE_DATABASE_URL", url)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "Base de données prête" in result.output
    assert runner.invoke(app, ["init"]).exit_code == 0  # upgrading again is harmless


@pytest.mark.parametrize("url", ["sqlite//missing-colon", "oracle://x@y/z"])
def test_bad_database_url_gets_a_message_not_a_traceback(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BALISE_DATABASE_URL", url)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 2
    assert "URL" in result.output and "Traceback" not in result.output


def test_unreachable_database_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALISE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("BALISE_LANGUAGE", "en")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 2
    assert "cannot be reached" in result.output


def test_users_create_refuses_a_common_password_then_accepts_a_good_one(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        session.add(Establishment(code="EST-X", name="CISSS X"))
        session.commit()
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    args = ["users", "create", "marie", "--role", "analyst", "--establishment", "EST-X"]
    weak = runner.invoke(app, [*args, "--password", "motdepasse123"])
    assert weak.exit_code == 2 and "courants" in weak.output
    good = runner.invoke(app, [*args, "--password", "une phrase assez longue"])
    assert good.exit_code == 0, good.output
    with session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.username == "marie"))
        assert user is not None and user.role == "analyst"
        assert user.password_hash.startswith("$argon2id$")
    engine.dispose()

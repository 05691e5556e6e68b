"""``balise evidence``: the same figures as the act pages, as JSON or a table."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise import cli
from balise.cli import app
from balise.core import clock
from tests.factories import MONDAY, Cast, make_visit

runner = CliRunner()


@pytest.fixture
def baths(session: Session, cast: Cast, database_url: str,
          monkeypatch: pytest.MonkeyPatch) -> Cast:
    """T1's six workers bathe clients in 40 to 70 minutes; T4's four workers in 90."""
    for worker, minutes in zip(cast.workers, [40, 44, 46, 50, 60, 70], strict=True):
        make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=minutes)
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], cast.acts["BAIN"], MONDAY, minutes=90)
    session.commit()
    clock.freeze(datetime(2026, 12, 1, 9, 0))
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    return cast


def test_json_gives_every_act_with_guarded_groups(baths: Cast) -> None:
    result = runner.invoke(app, ["evidence", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["k_min"] == 5 and data["confidence"] == 0.95
    acts = {a["code"]: a for a in data["acts"]}
    assert set(acts) == {"BAIN", "PLAIE"}
    bath = acts["BAIN"]
    assert bath["reference"]["minutes"] == 45 and bath["reference"]["decision_ref"] == "2026-001"
    overall = bath["overall"]
    assert overall["visits"] == 10 and overall["workers"] == 10
    assert overall["median"]["value"] == 65  # 40 44 46 50 60 | 70 90 90 90 90
    assert overall["share_above"] == pytest.approx(0.8)
    teams = {t["team"]: t for t in bath["by_team"]}
    # T4 has four workers; T1 is hidden with it, or subtraction from the total would tell.
    assert teams["T4"] == {"team": "T4", "name": "Équipe 4", "suppressed": True}
    assert teams["T1"]["suppressed"] is True
    assert acts["PLAIE"]["overall"] == {"suppressed": True}  # nobody did any


def test_one_act(baths: Cast) -> None:
    result = runner.invoke(app, ["evidence", "--act", "BAIN", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [a["code"] for a in data["acts"]] == ["BAIN"]
    assert [v["status"] for v in data["acts"][0]["versions"]] == ["current"]


def test_table_in_french(baths: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    # A wide console, so that no cell wraps whatever terminal runs the tests.
    monkeypatch.setattr(cli.console, "_width", 220)
    result = runner.invoke(app, ["evidence", "--act", "BAIN"])
    assert result.exit_code == 0, result.output
    assert "Toutes les visites" in result.output and "masqué" in result.output
    assert "65 [" in result.output  # the median and its interval


def test_unknown_act_is_refused_clearly(baths: Cast) -> None:
    result = runner.invoke(app, ["evidence", "--act", "NOPE"])
    assert result.exit_code == 2
    assert "Aucun acte n'a le code NOPE" in result.output
    assert "Traceback" not in result.output

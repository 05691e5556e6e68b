"""``balise plan --team``: the risk of each worker's day and the routing fallback, in words."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise.cli import app
from tests.factories import MONDAY, Cast, make_visit
from tests.planner.routing_server import Answer, recorded, routing_server

runner = CliRunner()


def _day(session: Session, cast: Cast) -> None:
    for i in range(3):
        make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], MONDAY, planned=30)
    session.commit()
    session.close()  # the command writes through its own connection


def test_the_plan_says_each_workers_risk_and_that_travel_is_guessed(
    session: Session, cast: Cast, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _day(session, cast)
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    monkeypatch.setenv("BALISE_LANGUAGE", "en")
    with routing_server(Answer(status=503, body=b"down")) as server:
        monkeypatch.setenv("BALISE_ROUTING_URL", server.url)
        result = runner.invoke(app, ["plan", "--team", "T1", "--date", MONDAY.isoformat(),
                                     "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "The routing server did not answer; travel times are straight-line" in result.output
    # One line per worker with a route, by employee code.
    risks = re.findall(r"^  A\d: risk of ending late (\d+) %\.$", result.output, re.MULTILINE)
    routes = re.search(r"3 visits on (\d+) routes", result.output)
    assert routes is not None and risks == ["0"] * int(routes.group(1))


def test_the_week_in_json_carries_risks_and_warnings(
    session: Session, cast: Cast, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _day(session, cast)
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    with routing_server(Answer(body=recorded("osrm_table_4.json"))) as server:
        monkeypatch.setenv("BALISE_ROUTING_URL", server.url)
        result = runner.invoke(app, ["plan", "--team", "T1", "--date",
                                     (MONDAY + timedelta(days=2)).isoformat(), "--week",
                                     "--time-limit", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    days = json.loads(result.stdout)
    assert [d["date"] for d in days] == [(MONDAY + timedelta(days=i)).isoformat()
                                         for i in range(5)]
    monday = days[0]
    assert monday["warnings"] == [] and monday["max_late_risk"] == 0.1
    assert monday["above_max_late_risk"] == [] and set(monday["late_risk"]) == set(
        monday["routes"])
    assert len(server.received) == 1  # Monday has visits; the empty days ask nothing

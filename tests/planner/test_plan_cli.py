"""``balise plan --team``: the risk of each worker's day and the routing fallback, in words."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise.cli import app
from balise.planner.plan_week import week_days
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
        result = runner.invoke(app, ["plan", "--team", "T1", "--week", "2026-W47",
                                     "--time-limit", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    days = json.loads(result.stdout)
    assert [d["date"] for d in days] == [(MONDAY + timedelta(days=i)).isoformat()
                                         for i in range(7)]
    monday = days[0]
    assert monday["warnings"] == [] and monday["max_late_risk"] == 0.1
    assert monday["above_max_late_risk"] == [] and set(monday["late_risk"]) == set(
        monday["routes"])
    assert len(server.received) == 1  # Monday has visits; the empty days ask nothing


def test_the_week_is_named_by_its_monday_and_every_day_is_planned(
    session: Session, cast: Cast, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _day(session, cast)
    wednesday = make_visit(session, cast.bob, cast.clients[0], cast.acts["BAIN"],
                           MONDAY + timedelta(days=2), planned=30)
    wednesday.worker_id = None
    session.commit()
    session.close()
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    result = runner.invoke(app, ["plan", "--team", "T1", "--week", MONDAY.isoformat(),
                                 "--time-limit", "0.5", "--json", "--apply"])
    assert result.exit_code == 0, result.output
    days = {d["date"]: d for d in json.loads(result.stdout)}
    assert len(days) == 7
    monday, wed = days[MONDAY.isoformat()], days[(MONDAY + timedelta(days=2)).isoformat()]
    assert sum(len(v) for v in monday["routes"].values()) == 3
    assert sum(len(v) for v in wed["routes"].values()) == 1  # the visit nobody had
    assert all(not d["routes"] for k, d in days.items()
               if k not in (MONDAY.isoformat(), (MONDAY + timedelta(days=2)).isoformat()))


@pytest.mark.parametrize(("value", "message"), [
    ("2026-11-18", "2026-11-18 is not a Monday: give the Monday of its week (2026-11-16) "
                   "or the ISO week (2026-W47)."),
    ("2026-W60", "--week takes an ISO week such as 2026-W48 or the Monday of the week such "
                 "as 2026-11-23, not 2026-W60."),
    ("next week", "not next week."),
])
def test_a_week_that_cannot_be_read_is_refused_with_the_reason(
    session: Session, cast: Cast, database_url: str, monkeypatch: pytest.MonkeyPatch,
    value: str, message: str,
) -> None:
    _day(session, cast)
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    monkeypatch.setenv("BALISE_LANGUAGE", "en")
    result = runner.invoke(app, ["plan", "--team", "T1", "--week", value])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_a_date_and_a_week_together_are_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    monkeypatch.setenv("BALISE_LANGUAGE", "en")
    result = runner.invoke(app, ["plan", "--team", "T1", "--week", "2026-W47",
                                 "--date", MONDAY.isoformat()])
    assert result.exit_code == 2
    assert "Give --date or --week, not both." in result.output


@pytest.mark.parametrize(("value", "first", "last"), [
    ("2026-W48", "2026-11-23", "2026-11-29"),
    ("2026w48", "2026-11-23", "2026-11-29"),
    ("2026-11-23", "2026-11-23", "2026-11-29"),
    ("2026-W53", "2026-12-28", "2027-01-03"),  # 2026 has 53 ISO weeks
    ("2027-W01", "2027-01-04", "2027-01-10"),
])
def test_week_days_reads_an_iso_week_or_a_monday(value: str, first: str, last: str) -> None:
    days = week_days(value)
    assert len(days) == 7
    assert (days[0].isoformat(), days[-1].isoformat()) == (first, last)

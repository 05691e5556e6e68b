"""How the engine groups worker-days into periods and stores a year of figures: a worker
of two teams is one worker-week of the establishment, the figures written straight
through the driver read back exactly as computed, and ``balise indicators compute
--json`` prints every stored figure once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise.cli import app
from balise.core import clock
from balise.indicators.compute import ENGINES, compute_establishment, refresh
from balise.indicators.models import IndicatorValue
from tests.factories import MONDAY, Cast, make_visit
from tests.indicators.data import build_week


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_worker_of_two_teams_is_one_worker_week_of_the_establishment(
        session: Session, cast: Cast, engine_name: str) -> None:
    for worker in cast.workers:
        make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], MONDAY, 40)
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], cast.acts["BAIN"], MONDAY, 30)
    # Alice lends a hand to team T4 on Wednesday: a visit of T4, by a worker of T1.
    lent = make_visit(session, cast.alice, cast.clients[3], cast.acts["BAIN"],
                      MONDAY + timedelta(days=2), 30)
    lent.team_id = cast.small_team.id
    session.commit()
    cells = {(c.code, c.scope): c for c in
             compute_establishment(session, cast.est_a.id, engine=engine_name).cells}
    whole = cells[("visits_per_worker_week", "establishment")]
    # 11 visits by 10 distinct workers in one week: Alice's two teams do not make her two.
    assert (whole.numerator, whole.denominator) == (11, 10)
    assert whole.value.workers == 10
    small = cells[("visits_per_worker_week", f"team:{cast.small_team.id}")]
    assert small.value.workers == 5 and small.value.value == pytest.approx(5 / 5)


def test_stored_figures_read_back_exactly_as_computed(session: Session, cast: Cast) -> None:
    build_week(session, cast)
    now = datetime(2026, 11, 30, 6, 15)
    clock.freeze(now)
    try:
        done = refresh(session, cast.est_a.id)
        session.commit()
    finally:
        clock.freeze(None)
    computed = {(c.code, c.scope, c.need, c.period_start):
                (c.numerator, c.denominator, c.value.value, c.value.workers) for c in done.cells}
    rows = session.scalars(select(IndicatorValue).where(
        IndicatorValue.establishment_id == cast.est_a.id)).all()
    stored = {(r.indicator_code, r.scope, r.need, r.period_start):
              (r.numerator, r.denominator, r.value, r.workers) for r in rows}
    assert stored == computed
    assert {r.computed_at for r in rows} == {now}
    # T4 has 4 workers, so T1 is hidden as its complement; the establishment is shown.
    assert stored[("visits_per_worker_week", "establishment", "", MONDAY)] == (
        13, 10, pytest.approx(13 / 10), 10)
    assert stored[("care_time_share", f"team:{cast.team.id}", "", MONDAY)] == (
        None, None, None, 6)


def test_the_json_prints_every_stored_figure_once(session: Session, cast: Cast,
                                                   database_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    build_week(session, cast)
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["indicators", "compute", "--json",
                                      "--establishment", "EST-A"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    computed = [v for v in printed["values"] if v["source"] == "computed"]
    session.expire_all()
    stored = session.scalars(select(IndicatorValue).where(
        IndicatorValue.establishment_id == cast.est_a.id)).all()
    assert len(computed) == len(stored) > 0
    keys = {(v["indicator"], v["team"], v["need"], v["period_start"]) for v in computed}
    assert len(keys) == len(computed)
    visits = next(v for v in computed if v["indicator"] == "visits_per_worker_week"
                  and v["scope"] == "establishment")
    assert (visits["numerator"], visits["denominator"], visits["workers"]) == (13, 10, 10)
    # T4 (4 workers) is suppressed, and T1 with it: the establishment minus T1 is T4.
    teams = [v for v in computed if v["indicator"] == "visits_per_worker_week"
             and v["team"] in ("T1", "T4")]
    assert len(teams) == 2
    assert all(v["value"] is None and v["status"] == "suppressed" for v in teams)


def test_figures_written_by_the_driver_roll_back_with_the_session(session: Session,
                                                                   cast: Cast) -> None:
    build_week(session, cast)
    assert refresh(session, cast.est_a.id).cells
    session.rollback()
    assert session.scalars(select(IndicatorValue)).all() == []

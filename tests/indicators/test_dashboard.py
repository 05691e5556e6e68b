"""The dashboard judges each indicator against its baseline, and raises the balancing
alert only when volume improves with a signal while a balancing measure worsens with one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from balise.committee.models import Project
from balise.committee.service import create_project
from balise.core import clock
from balise.core.i18n import language
from balise.indicators.dashboard import balancing_alerts, build_dashboard
from balise.indicators.spc import Outcome
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.indicators.data import (
    SCENARIO_FIRST,
    SCENARIO_WEEKS,
    adopt,
    scenario_set,
    store_alert_scenario,
)

AFTER_WEEKS = SCENARIO_WEEKS - 20


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


@pytest.fixture
def project(session: Session, cast: Cast, board: Board) -> Project:
    clock.freeze(datetime(2026, 9, 1, 10, 0))  # after every stored week
    return create_project(session, board.committee, title="Bains du matin",
                          objectives="Plus de bains sans user l'équipe.",
                          team_ids=[cast.team.id])


def _store(session: Session, cast: Cast, visits_after: float, overtime_after: float) -> None:
    store_alert_scenario(session, cast.est_a.id, f"team:{cast.team.id}", visits_after,
                         overtime_after)


def _adopt_visits(session: Session, board: Board, project: Project) -> None:
    adopt(session, board, project, scenario_set())


def test_alert_when_volume_improves_and_a_balancing_measure_worsens(
        session: Session, cast: Cast, board: Board, project: Project) -> None:
    _store(session, cast, visits_after=36.0, overtime_after=3.0)
    _adopt_visits(session, board, project)
    board_view = build_dashboard(session, project, compute=False)
    pair = board_view.pairs[0]
    assert pair.volume.definition.code == "visits_per_worker_week"
    panels = {p.definition.code: p for p in pair.balancing}
    assert pair.volume.outcome is Outcome.IMPROVED
    assert panels["overtime_hours_per_worker_week"].outcome is Outcome.WORSENED
    assert panels["above_reference_share"].outcome is Outcome.NO_SIGNAL
    assert panels["continuity_of_care"].verdict is None  # no figures: no verdict
    alerts = balancing_alerts(session, project)
    assert [(a.volume.definition.code, a.balancing.definition.code) for a in alerts] == [
        ("visits_per_worker_week", "overtime_hours_per_worker_week")]
    with language("fr"):
        assert "Heures supplémentaires" in alerts[0].sentence()
    with language("en"):
        assert "Overtime hours per worker-week" in alerts[0].sentence()


def test_no_alert_when_the_balancing_measure_only_varies(
        session: Session, cast: Cast, board: Board, project: Project) -> None:
    _store(session, cast, visits_after=36.0, overtime_after=1.0)
    _adopt_visits(session, board, project)
    assert build_dashboard(session, project, compute=False).pairs[0].volume.outcome is (
        Outcome.IMPROVED)
    assert balancing_alerts(session, project) == []


def test_no_alert_when_volume_does_not_improve(
        session: Session, cast: Cast, board: Board, project: Project) -> None:
    _store(session, cast, visits_after=30.0, overtime_after=3.0)
    _adopt_visits(session, board, project)
    assert balancing_alerts(session, project) == []


def test_verdict_sentences_and_figures(session: Session, cast: Cast, board: Board,
                                       project: Project) -> None:
    _store(session, cast, visits_after=36.0, overtime_after=3.0)
    _adopt_visits(session, board, project)
    volume = build_dashboard(session, project, compute=False).pairs[0].volume
    assert volume.baseline_value == pytest.approx(30.0)
    assert volume.current is not None and volume.current.value == pytest.approx(36.0)
    assert volume.target == 34
    assert volume.verdict is not None
    with language("fr"):
        sentences = volume.verdict.sentences()
        assert sentences[0] == "Verdict : l'indicateur s'est amélioré depuis la période de référence."
    with language("en"):
        assert "above the upper control limit" in " ".join(volume.verdict.sentences())
    svg = volume.svg
    assert svg.startswith("<svg") and svg.count("<circle") == 20 + AFTER_WEEKS


def test_weeks_still_running_are_left_out(session: Session, cast: Cast, board: Board,
                                          project: Project) -> None:
    _store(session, cast, visits_after=36.0, overtime_after=3.0)
    _adopt_visits(session, board, project)
    last_week = SCENARIO_FIRST + timedelta(weeks=SCENARIO_WEEKS - 1)
    clock.freeze(datetime.combine(last_week + timedelta(days=3), datetime.min.time()))
    volume = build_dashboard(session, project, compute=False).pairs[0].volume
    assert volume.current is not None and volume.current.period_start < last_week

"""Each built-in indicator on a small week worked out by hand (tests/indicators/data.py),
on both engines, with the k >= 5 rule and the records a committee switched off."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.service import file_proposal, record_stance
from balise.core import clock
from balise.indicators.builtins import BUILTINS, BY_CODE
from balise.indicators.catalogue import definitions
from balise.indicators.compute import ENGINES, Cell, compute_establishment, refresh
from balise.indicators.models import IndicatorValue
from balise.indicators.series import not_collected, records
from tests.committee.factories import Board, build_board
from tests.factories import MONDAY, Cast
from tests.indicators.data import EXPECTED_T1_MONTH, EXPECTED_T1_WEEK, build_week

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def _cells(session: Session, cast: Cast, engine: str = "database") -> dict[tuple[str, str, str], Cell]:
    computation = compute_establishment(session, cast.est_a.id, engine=engine)
    return {(c.code, c.scope, c.need): c for c in computation.cells}


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED_T1_WEEK.items()))
def test_each_formula_gives_the_figure_worked_out_by_hand(
        session: Session, cast: Cast, engine_name: str, code: str, expected: float) -> None:
    build_week(session, cast)
    cell = _cells(session, cast, engine_name)[(code, f"team:{cast.team.id}", "")]
    assert cell.period_start == MONDAY
    assert cell.value.value == pytest.approx(expected)
    assert cell.value.workers == 6


@pytest.mark.parametrize("engine_name", ENGINES)
def test_median_wait_is_over_the_needs_served_in_the_month(session: Session, cast: Cast,
                                                          engine_name: str) -> None:
    build_week(session, cast)
    cells = _cells(session, cast, engine_name)
    team = f"team:{cast.team.id}"
    overall = cells[("median_wait_days", team, "")]
    assert overall.period_start == date(2026, 11, 1)
    assert overall.value.value == EXPECTED_T1_MONTH["median_wait_days"]
    assert cells[("median_wait_days", team, "BAIN")].value.value == 10  # by need: baths
    assert cells[("waiting_list_size", team, "BAIN")].value.value == 2


def test_both_engines_give_the_same_cells(session: Session, cast: Cast) -> None:
    build_week(session, cast)
    assert _cells(session, cast, "database") == _cells(session, cast, "arrays")


def test_a_team_of_four_is_suppressed_not_rounded(session: Session, cast: Cast) -> None:
    build_week(session, cast)
    small = [c for c in compute_establishment(session, cast.est_a.id).cells
             if c.scope == f"team:{cast.small_team.id}"]
    assert small, "the small team worked that week"
    for cell in small:
        assert cell.value.suppressed and cell.value.workers == 4
        assert cell.numerator is None and cell.denominator is None
    refresh(session, cast.est_a.id)
    stored = session.scalars(select(IndicatorValue).where(
        IndicatorValue.scope == f"team:{cast.small_team.id}")).all()
    assert stored and all(v.value is None and v.numerator is None for v in stored)


def test_the_establishment_includes_every_team(session: Session, cast: Cast) -> None:
    build_week(session, cast)
    cell = _cells(session, cast)[("visits_per_worker_week", "establishment", "")]
    assert cell.value.value == pytest.approx((9 + 4) / (6 + 4))
    assert cell.value.workers == 10


def test_a_project_over_two_teams_gets_its_own_cells(session: Session, cast: Cast) -> None:
    from balise.committee.service import create_project

    board = build_board(session, cast)
    create_project(session, board.committee, title="Deux équipes", objectives="",
                   team_ids=[cast.team.id, cast.small_team.id])
    build_week(session, cast)
    key = f"teams:{min(cast.team.id, cast.small_team.id)},{max(cast.team.id, cast.small_team.id)}"
    cell = _cells(session, cast)[("visits_per_worker_week", key, "")]
    assert cell.value.workers == 10  # distinct workers of both teams, counted once each


def _switch_off_times(session: Session, board: Board, team_id: int) -> str:
    clock.freeze(datetime(2026, 11, 10, 9, 0))  # the decision comes before the week
    proposal = file_proposal(session, board.committee, board.union, title="Plus d'heures",
                             text="On ne saisit plus les heures.", kind="collection_setting",
                             effect={"key": "realized_times", "enabled": False,
                                     "team_id": team_id})
    decision = None
    for member in (board.union, board.union2, board.employer, board.employer2):
        decision = record_stance(session, proposal, member, "agree") or decision
    assert decision is not None
    session.commit()
    clock.freeze(None)
    return decision.number


def test_an_indicator_needing_a_switched_off_record_says_since_which_decision(
        session: Session, cast: Cast) -> None:
    board = build_board(session, cast)
    number = _switch_off_times(session, board, cast.team.id)
    build_week(session, cast)
    team = f"team:{cast.team.id}"
    care = BY_CODE["care_time_share"]
    off = not_collected(session, cast.est_a.id, team, care)
    assert off is not None and off.decision_ref == number and off.since == date(2026, 11, 10)
    assert f"depuis la décision {number}" in off.message()
    known = definitions(session)
    found = records(session, cast.est_a.id, compute_establishment(session, cast.est_a.id).cells,
                    {cast.team.id: "T1", cast.small_team.id: "T4"}, known)
    care_t1 = [r for r in found if r["indicator"] == "care_time_share" and r["team"] == "T1"]
    assert care_t1 and all(r["status"] == "not_collected" and r["value"] is None
                           and number in r["note"] for r in care_t1)
    visits_t1 = [r for r in found if r["indicator"] == "visits_per_worker_week"
                 and r["team"] == "T1"]
    assert visits_t1[0]["status"] == "ok"  # needs nothing that was switched off
    assert not_collected(session, cast.est_a.id, f"team:{cast.small_team.id}", care) is None


def test_since_recomputes_only_the_later_periods(session: Session, cast: Cast) -> None:
    build_week(session, cast)
    refresh(session, cast.est_a.id)
    before = session.scalar(select(IndicatorValue.id).where(
        IndicatorValue.indicator_code == "median_wait_days", IndicatorValue.need == ""))
    refresh(session, cast.est_a.id, since=date(2026, 12, 7))
    kept = session.scalar(select(IndicatorValue.id).where(
        IndicatorValue.indicator_code == "median_wait_days", IndicatorValue.need == ""))
    assert kept == before  # November was not touched


@pytest.mark.parametrize("definition", BUILTINS, ids=lambda d: d.code)
def test_every_builtin_is_documented_in_french_then_english(definition: object) -> None:
    text = DOCS.read_text(encoding="utf-8")
    french, _sep, english = text.partition("\n## English")
    code = definition.code
    assert re.search(rf"`{code}`", french), f"{code} missing from the French part"
    assert re.search(rf"`{code}`", english), f"{code} missing from the English part"

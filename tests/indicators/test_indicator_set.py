"""A project's indicators and targets are a committee decision, and a change is another."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.models import Project
from balise.committee.service import create_project, file_proposal
from balise.core import clock
from balise.core.errors import InvalidInput
from balise.indicators.builtins import BY_CODE
from balise.indicators.catalogue import change_definition, define_indicator
from balise.indicators.dashboard import build_dashboard
from balise.indicators.definitions import Definition, IndicatorInputError, check_definition
from balise.indicators.sets import indicator_set
from balise.indicators.spc import Direction
from balise.journal.models import JournalEntry
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.indicators.data import adopt


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


@pytest.fixture
def project(session: Session, cast: Cast, board: Board) -> Project:
    clock.freeze(datetime(2026, 11, 23, 10, 0))
    return create_project(session, board.committee, title="Bains", objectives="Attente",
                          team_ids=[cast.team.id])


def _actions(session: Session, action: str) -> list[JournalEntry]:
    return list(session.scalars(select(JournalEntry).where(JournalEntry.action == action)))


def test_indicator_set_is_adopted_by_decision_and_shown_with_it(
        session: Session, board: Board, project: Project) -> None:
    decision = adopt(session, board, project, {"indicators": [
        {"code": "visits_per_worker_week", "target": "32,5"},
        {"code": "waiting_list_size", "need": "BAIN", "target": 10}]})
    rows = indicator_set(session, project.id)
    assert [(r.indicator_code, r.need, r.target, r.decision_ref) for r in rows] == [
        ("visits_per_worker_week", "", 32.5, decision.number),
        ("waiting_list_size", "BAIN", 10.0, decision.number)]
    view = build_dashboard(session, project, compute=False)
    volume = view.pairs[0].volume
    assert volume.decision_ref == decision.number and volume.target == 32.5
    assert [p.decision_ref for p in view.pairs[0].balancing] == [None] * 4  # shown, not adopted
    assert view.others[0].title.endswith("BAIN") and view.others[0].decision_ref == decision.number
    assert len(_actions(session, "indicators.set.adopted")) == 1


def test_a_later_decision_changes_one_indicator_and_keeps_the_others(
        session: Session, board: Board, project: Project) -> None:
    first = adopt(session, board, project, {"indicators": [
        {"code": "visits_per_worker_week", "target": 32},
        {"code": "travel_share", "target": 12}]})
    second = adopt(session, board, project, {"indicators": [
        {"code": "visits_per_worker_week", "target": 31}], "remove": ["travel_share"]})
    rows = {r.indicator_code: r for r in indicator_set(session, project.id)}
    assert set(rows) == {"visits_per_worker_week"}
    assert rows["visits_per_worker_week"].target == 31
    assert rows["visits_per_worker_week"].decision_ref == second.number != first.number
    third = adopt(session, board, project, {"indicators": [{"code": "continuity_of_care"}]})
    by_code = {p.definition.code: p.decision_ref
               for p in build_dashboard(session, project, compute=False).panels if p.adopted}
    assert by_code == {"visits_per_worker_week": second.number,
                       "continuity_of_care": third.number}


@pytest.mark.parametrize(("effect", "field"), [
    ({"indicators": []}, "indicators"),  # nothing chosen
    ({"indicators": [{"code": "no_such_thing"}]}, "indicators"),
    ({"indicators": [{"code": "travel_share", "target": "beaucoup"}]}, "target"),
    ({"indicators": [{"code": "travel_share", "need": "BAIN"}]}, "need"),  # not by need
    ({"indicators": [{"code": "travel_share", "baseline_start": "2026-13-01"}]}, "baseline_start"),
])
def test_a_wrong_indicator_set_is_refused_when_filed(
        session: Session, board: Board, project: Project, effect: dict[str, object],
        field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        file_proposal(session, board.committee, board.union, title="T", text="x",
                      kind="indicator_set", effect=effect, project=project)
    assert refused.value.field == field


def _manual(code: str = "home_visits_quarterly", **changes: object) -> Definition:
    values: dict[str, object] = dict(
        code=code, name_fr="Visites du trimestre", name_en="Visits of the quarter",
        family="service_volume", source="manual", unit="count",
        direction=Direction.HIGHER_IS_BETTER, period="month",
        formula_fr="Nombre de visites.", formula_en="Number of visits.",
        source_note="Rapport trimestriel", balancing=("sick_leave_rate",))
    values.update(changes)
    return Definition(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "code"), [
    ({"balancing": ()}, "indicator_balancing_required"),  # volume without balancing
    ({"balancing": ("visits_per_worker_week",)}, "indicator_balancing_unknown"),  # volume
    ({"balancing": ("nothing",)}, "indicator_balancing_unknown"),
    ({"source_note": " "}, "indicator_source_required"),
    ({"code": "Visites!"}, "indicator_code"),
    ({"unit": "furlongs"}, "unknown_choice"),
])
def test_definition_rules(changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_definition(_manual(**changes), BY_CODE)
    assert refused.value.code == code


@pytest.mark.parametrize("definition", list(BY_CODE.values()), ids=lambda d: d.code)
def test_every_builtin_follows_the_rules(definition: Definition) -> None:
    check_definition(definition, {c: d for c, d in BY_CODE.items() if c != definition.code})


def test_definition_changes_go_to_the_journal(session: Session, cast: Cast) -> None:
    define_indicator(session, _manual(), actor=cast.users["analyst"].id)
    changed = change_definition(session, _manual(name_en="Home visits of the quarter",
                                                 target=1200.0),
                                actor=cast.users["analyst"].id)
    assert changed == ["name_en", "target"]
    assert len(_actions(session, "indicators.definition.created")) == 1
    entry = _actions(session, "indicators.definition.changed")[0]
    assert entry.subject == "indicator:home_visits_quarterly" and "target" in entry.payload
    with pytest.raises(IndicatorInputError):
        define_indicator(session, _manual(), actor=None)  # the code is taken
    with pytest.raises(IndicatorInputError):
        change_definition(session, _manual("travel_share"), actor=None)  # a built-in

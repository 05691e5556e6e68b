"""Letter 27's aims measured: attraction, retention, climate and use of skills, each by
indicators with a documented formula; the figures Balise does not hold are typed on a
page or imported per team and period; every figure obeys k >= 5 and the committee's
collection decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.indicators.builtins import BY_CODE
from balise.indicators.entries import import_entries, record_entry
from balise.indicators.letter27 import AIMS, measured_aims
from balise.indicators.models import HandEntry
from balise.journal.models import JournalEntry
from tests.committee.factories import build_board
from tests.factories import Cast
from tests.grid.test_collection import switch_off
from tests.web.conftest import csrf_of

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
OCTOBER = date(2026, 10, 1)  # a complete month: the tests run with today's date after it


def test_each_aim_is_measured_by_indicators_whose_formula_is_documented() -> None:
    assert [aim.code for aim in AIMS] == ["attraction", "retention", "climate", "skills"]
    docs = DOCS.read_text(encoding="utf-8")
    for aim in AIMS:
        assert aim.indicators
        for code in aim.indicators:
            assert f"`{code}`" in docs, code
            definition = BY_CODE.get(code)
            if definition is not None:  # the CBI scales are declared by the surveys
                assert definition.family == "working_conditions"
                assert definition.formula_fr.strip() and definition.formula_en.strip()
    assert "lettre d'entente no 27" in docs.lower() and "letter of agreement no. 27" in docs


def _journal_count(session: Session, action: str) -> int:
    return int(session.scalar(select(func.count(JournalEntry.seq))
                              .where(JournalEntry.action == action)) or 0)


HR_FILE = ("indicateur;equipe;periode;valeur;source\n"
           "departures;T1;2026-10;2;RH\n"
           "vacant_positions;T1;2026-10;3;RH\n"
           "sick_leave_rate;T1;2026-10-01;6,5;Santé au travail\n")


def test_the_same_file_twice_creates_nothing_new(session: Session, cast: Cast) -> None:
    analyst = cast.users["analyst"].id
    first = import_entries(session, "rh.csv", HR_FILE.encode(), establishment_id=cast.est_a.id,
                           actor=analyst)
    assert first.ok and first.written == 3
    again = import_entries(session, "rh.csv", HR_FILE.encode(), establishment_id=cast.est_a.id,
                           actor=analyst)
    assert again.ok and (again.written, again.unchanged) == (0, 3)
    assert session.scalar(select(func.count(HandEntry.id))) == 3
    assert _journal_count(session, "indicators.entries.imported") == 1
    corrected = import_entries(session, "rh.csv", HR_FILE.replace(";2;RH", ";1;RH").encode(),
                               establishment_id=cast.est_a.id, actor=analyst)
    assert (corrected.written, corrected.unchanged) == (1, 2)
    assert session.scalar(select(HandEntry.value).where(
        HandEntry.indicator_code == "departures")) == 1.0


def test_a_bad_row_names_file_line_column_value_and_reason(session: Session,
                                                          cast: Cast) -> None:
    data = (HR_FILE + "turnover_rate;T1;2026-10;beaucoup;RH\n").encode()
    report = import_entries(session, "rh.csv", data, establishment_id=cast.est_a.id,
                            actor=cast.users["analyst"].id)
    assert not report.ok and session.scalar(select(func.count(HandEntry.id))) == 0
    problem = report.errors[0]
    assert (problem.file, problem.line, problem.column, problem.value) == (
        "rh.csv", 5, "valeur", "beaucoup")
    assert "Entrez un nombre" in problem.reason() or "nombre" in problem.reason()


def _enter(session: Session, cast: Cast, code: str, team_id: int, value: float) -> None:
    record_entry(session, establishment_id=cast.est_a.id, indicator_code=code, team_id=team_id,
                 period_start=OCTOBER, value=value, source_note="RH",
                 actor=cast.users["analyst"].id)


def test_a_team_of_four_has_its_figures_suppressed(session: Session, cast: Cast) -> None:
    for team in (cast.team, cast.small_team):
        _enter(session, cast, "departures", team.id, 1)
    retention = {v.aim.code: v for v in measured_aims(
        session, cast.est_a.id, f"team:{cast.small_team.id}")}["retention"]
    departures = next(f for f in retention.figures if f.definition.code == "departures")
    assert departures.suppressed and departures.latest is not None
    assert departures.latest.workers == 4
    big = {v.aim.code: v for v in measured_aims(session, cast.est_a.id,
                                                 f"team:{cast.team.id}")}["retention"]
    assert next(f for f in big.figures
                if f.definition.code == "departures").latest.value == 1.0  # type: ignore[union-attr]


def test_entered_on_the_page_and_shown_by_aim(
    session: Session, cast: Cast, browser: Callable[[str | None], TestClient],
) -> None:
    analyst = browser("analyst")
    token = csrf_of(analyst.get("/indicators/entries").text)
    saved = analyst.post("/indicators/entries", data={
        "indicator": "vacant_positions", "team": str(cast.team.id), "period": "2026-10",
        "value": "3", "source": "RH", "csrf_token": token})
    assert saved.status_code == 200, saved.text
    _enter(session, cast, "vacant_positions", cast.small_team.id, 2)
    session.commit()
    page = unescape(analyst.get(f"/indicators/letter-27?team={cast.team.id}").text)
    assert "Attraction" in page and "Rétention" in page and "Climat" in page
    assert "Postes vacants" in page and "3,0" in page and "2026-10-01" in page, page[page.find("<main>"):]
    small = unescape(analyst.get(f"/indicators/letter-27?team={cast.small_team.id}").text)
    assert "moins de 5 intervenant" in small
    assert analyst.get(f"/indicators/letter-27?team={cast.other_team.id}").status_code == 404


def test_overtime_says_since_which_decision_it_is_not_collected(
    session: Session, cast: Cast, browser: Callable[[str | None], TestClient],
) -> None:
    board = build_board(session, cast)
    number = switch_off(session, board, "realized_times", cast.team.id)
    page = unescape(browser("union").get(f"/indicators/letter-27?team={cast.team.id}").text)
    assert f"n'est plus recueilli depuis la décision {number}" in page
    other = unescape(browser("union").get(
        f"/indicators/letter-27?team={cast.small_team.id}").text)
    assert "n'est plus recueilli" not in other


def test_the_establishment_adds_up_its_teams_counts_under_the_same_rule(
        session: Session, cast: Cast) -> None:
    _enter(session, cast, "departures", cast.team.id, 2)  # 6 workers
    whole = {v.aim.code: v for v in measured_aims(session, cast.est_a.id,
                                                   "establishment")}["retention"]
    departures = next(f for f in whole.figures if f.definition.code == "departures")
    assert departures.latest is not None and departures.latest.value == 2.0
    _enter(session, cast, "departures", cast.small_team.id, 1)  # 4 more workers
    whole = {v.aim.code: v for v in measured_aims(session, cast.est_a.id,
                                                   "establishment")}["retention"]
    departures = next(f for f in whole.figures if f.definition.code == "departures")
    assert departures.latest is not None
    assert (departures.latest.value, departures.latest.workers) == (3.0, 10)
    # A rate is not added up: the establishment shows its own figure or none.
    _enter(session, cast, "turnover_rate", cast.team.id, 10)
    turnover = next(f for f in whole.figures if f.definition.code == "turnover_rate")
    assert turnover.latest is None

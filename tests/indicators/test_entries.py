"""Figures Balise does not hold: typed or imported per team and period, with a source;
a file with one bad row writes nothing and says where and why."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.core.i18n import language
from balise.indicators.builtins import BY_CODE
from balise.indicators.definitions import IndicatorInputError
from balise.indicators.entries import import_entries, record_entry
from balise.indicators.models import HandEntry
from balise.indicators.series import hand_entered
from balise.journal.models import JournalEntry
from tests.factories import Cast


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count(HandEntry.id))) or 0)


def test_entering_twice_corrects_and_the_journal_keeps_the_old_value(
        session: Session, cast: Cast) -> None:
    for value in (33.0, 15.0):
        record_entry(session, establishment_id=cast.est_a.id,
                     indicator_code="surgery_postponement_rate", team_id=None,
                     period_start=date(2026, 10, 1), value=value, source_note="",
                     actor=cast.users["analyst"].id)
    entry = session.scalars(select(HandEntry)).one()
    assert entry.value == 15.0 and entry.source_note.startswith("Rapport du bloc")
    journal = session.scalars(select(JournalEntry).where(
        JournalEntry.action == "indicators.entry.recorded").order_by(JournalEntry.seq)).all()
    assert len(journal) == 2 and '"old":"33.0"' in journal[1].payload.replace(" ", "")


@pytest.mark.parametrize(("code", "start", "error"), [
    ("travel_share", date(2026, 10, 1), "indicator_not_manual"),  # Balise computes it
    ("sick_leave_rate", date(2026, 10, 6), "indicator_not_period_start"),  # not the 1st
    ("nothing", date(2026, 10, 1), "indicator_unknown"),
])
def test_a_wrong_entry_is_refused(session: Session, cast: Cast, code: str, start: date,
                                  error: str) -> None:
    with pytest.raises(IndicatorInputError) as refused:
        record_entry(session, establishment_id=cast.est_a.id, indicator_code=code,
                     team_id=cast.team.id, period_start=start, value=3.0, source_note="RH",
                     actor=cast.users["analyst"].id)
    assert refused.value.code == error


def test_another_establishments_team_is_refused(session: Session, cast: Cast) -> None:
    with pytest.raises(IndicatorInputError):
        record_entry(session, establishment_id=cast.est_a.id, indicator_code="departures",
                     team_id=cast.other_team.id, period_start=date(2026, 10, 1), value=1,
                     source_note="RH", actor=cast.users["analyst"].id)


def test_a_team_of_four_has_its_entered_figures_suppressed(session: Session,
                                                           cast: Cast) -> None:
    for team in (cast.team, cast.small_team):
        record_entry(session, establishment_id=cast.est_a.id, indicator_code="departures",
                     team_id=team.id, period_start=date(2026, 10, 1), value=1,
                     source_note="RH", actor=cast.users["analyst"].id)
    departures = BY_CODE["departures"]
    assert hand_entered(session, departures, cast.est_a.id, f"team:{cast.team.id}")[0].value == 1
    small = hand_entered(session, departures, cast.est_a.id, f"team:{cast.small_team.id}")
    assert small[0].value is None and small[0].workers == 4


GOOD_CSV = ("indicateur;equipe;periode;valeur;source\n"
            "sick_leave_rate;T1;2026-10;6,5;Santé et sécurité\n"
            "departures;;2026-10-01;2;RH\n")


def test_a_good_file_is_imported_whole(session: Session, cast: Cast) -> None:
    report = import_entries(session, "rh.csv", GOOD_CSV.encode(), establishment_id=cast.est_a.id,
                            actor=cast.users["analyst"].id)
    assert report.ok and report.written == 2 and _count(session) == 2
    rows = {(e.indicator_code, e.team_id): e.value for e in session.scalars(select(HandEntry))}
    assert rows == {("sick_leave_rate", cast.team.id): 6.5, ("departures", None): 2.0}
    assert session.scalar(select(func.count(JournalEntry.seq)).where(
        JournalEntry.action == "indicators.entries.imported")) == 1


def test_one_bad_row_writes_nothing_and_each_error_says_where(session: Session,
                                                              cast: Cast) -> None:
    data = (GOOD_CSV + "turnover_rate;T9;2026-10-01;3;RH\n"
            "vacant_positions;T1;2026-10-15;3;RH\n"
            "departures;T1;2026-10-01;beaucoup;RH\n"
            "departures;;2026-10-01;3;RH\n").encode()
    report = import_entries(session, "rh.csv", data, establishment_id=cast.est_a.id,
                            actor=cast.users["analyst"].id)
    assert not report.ok and _count(session) == 0
    found = [(p.line, p.column, p.value, p.code) for p in report.errors]
    assert found == [
        (4, "equipe", "T9", "indicator_team_unknown"),
        (5, "periode", "2026-10-15", "indicator_not_period_start"),
        (6, "valeur", "beaucoup", "indicator_not_a_number"),
        (7, "periode", "2026-10-01", "indicator_value_duplicate"),
    ]
    with language("fr"):
        message = report.errors[0].message()
    assert message.startswith("rh.csv, ligne 4, colonne equipe ('T9')")


def test_an_excel_file_and_unknown_columns(session: Session, cast: Cast) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["indicator", "team", "period", "value", "colour"])
    sheet.append(["departures", "T1", date(2026, 10, 1), 1, "blue"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_entries(session, "rh.xlsx", buffer.getvalue(),
                            establishment_id=cast.est_a.id, actor=cast.users["analyst"].id)
    assert [(p.line, p.column, p.code) for p in report.errors] == [(1, "colour", "unknown_column")]
    sheet.delete_cols(5)
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_entries(session, "rh.xlsx", buffer.getvalue(),
                            establishment_id=cast.est_a.id, actor=cast.users["analyst"].id)
    assert report.ok and report.written == 1

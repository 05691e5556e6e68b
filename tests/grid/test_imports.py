"""Imports: every row checked, every error reported, all or nothing, idempotent."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.i18n import language
from balise.grid.exports import operator_scope, write_export
from balise.grid.imports import ImportReport, import_file
from balise.grid.io_schema import SCHEMAS, Kind
from balise.grid.models import Act, CollectionSetting, Visit
from balise.territory.models import Client, Worker
from tests.factories import Cast, make_visit
from tests.grid.io_samples import (
    DAY,
    VISIT_ROWS,
    clients_file,
    counts,
    csv_file,
    visits_file,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "imports.md"


def _import(session: Session, cast: Cast, kind: Kind, data: bytes, name: str = "f.csv",
            dry_run: bool = False) -> ImportReport:
    return import_file(session, kind, name, data, establishment_id=cast.est_a.id,
                       dry_run=dry_run)


def test_good_visits_file_imports_and_twice_creates_nothing(session: Session, cast: Cast) -> None:
    before = counts(session)
    report = _import(session, cast, Kind.VISITS, visits_file())
    assert report.ok, [p.message() for p in report.errors]
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    session.commit()
    assert counts(session)["Visit"] == before["Visit"] + 4

    again = _import(session, cast, Kind.VISITS, visits_file())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    session.commit()
    assert counts(session)["Visit"] == before["Visit"] + 4


def test_realized_row_closes_the_visit_with_its_acts_and_reasons(session: Session,
                                                                   cast: Cast) -> None:
    _import(session, cast, Kind.VISITS, visits_file())
    session.commit()
    third = session.scalar(select(Visit).where(Visit.day == DAY.replace(day=17)))
    assert third is not None
    assert third.status == "done"  # « realisee » is the French for done
    assert third.realized_start == datetime(2026, 11, 17, 14, 0)
    flags = {a.act.code: (a.planned, a.done) for a in third.acts}
    assert flags == {"BAIN": (True, True), "PLAIE": (False, True)}  # an added act
    first = session.scalar(select(Visit).where(Visit.travel_minutes == 12))
    assert first is not None and [r.code for r in first.reasons] == ["DETRESSE"]


def test_a_changed_value_updates_the_record(session: Session, cast: Cast) -> None:
    _import(session, cast, Kind.VISITS, visits_file())
    session.commit()
    changed = [VISIT_ROWS[0].replace("09:58", "10:20"), *VISIT_ROWS[1:]]
    report = _import(session, cast, Kind.VISITS, visits_file(changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    session.commit()
    visit = session.scalar(select(Visit).where(Visit.travel_minutes == 12))
    assert visit is not None and visit.realized_end == datetime(2026, 11, 16, 10, 20)


def test_three_bad_rows_are_all_reported_and_nothing_is_written(session: Session,
                                                                 cast: Cast) -> None:
    before = counts(session)
    rows = [
        VISIT_ROWS[0],
        "U0001;T1;A1;2026-13-01;08:00;12:00;10:00;45;BAIN;;planned;;;;",  # line 3: no such date
        VISIT_ROWS[2],
        "U0002;T1;A0;2026-11-19;08:00;12:00;09:00;45;NAGE;;;;;;",  # line 5: no such act
        "U0003;T4;S0;2026-11-19;08:00;12:00;09:00;45;BAIN;;done;10:00;09:30;;",  # line 6
    ]
    report = _import(session, cast, Kind.VISITS, visits_file(rows), name="semaine.csv")
    assert not report.ok
    found = [(p.file, p.line, p.column, p.value, p.code) for p in report.errors]
    assert found == [
        ("semaine.csv", 3, "date_visite", "2026-13-01", "not_a_date"),
        ("semaine.csv", 5, "actes_prevus", "NAGE", "unknown_act"),
        ("semaine.csv", 6, "fin_reelle", "09:30", "end_before_start"),
    ]
    reasons = [p.reason() for p in report.errors]
    assert reasons[1] == "Aucun acte n'a le code NAGE."
    assert all(reasons) and "line" not in report.errors[0].message()  # French, not English
    assert report.created == report.updated == 0
    session.commit()
    assert counts(session) == before


def test_dry_run_reports_what_would_change_and_writes_nothing(session: Session,
                                                              cast: Cast) -> None:
    before = counts(session)
    report = _import(session, cast, Kind.VISITS, visits_file(), dry_run=True)
    assert report.ok and report.created == 4 and not report.written
    session.commit()
    assert counts(session) == before


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_french_and_english_headers_import_the_same_clients(session: Session, cast: Cast,
                                                            lang: str) -> None:
    report = _import(session, cast, Kind.CLIENTS, clients_file(lang))
    assert report.ok, [p.message() for p in report.errors]
    assert report.created == 2
    session.commit()
    client = session.scalar(select(Client).where(Client.code == "N0001"))
    assert client is not None
    assert (client.lat, client.lon, client.iso_smaf) == (46.812, -71.215, 5)
    assert client.usual_worker_id == cast.alice.id and client.team_id == cast.team.id


def test_an_unknown_column_is_refused_with_the_expected_ones(session: Session,
                                                              cast: Cast) -> None:
    data = csv_file("code_acte;libelle_fr;libelle_en;titres_emploi;couleur",
                    ["BAIN;Bain;Bath;auxiliary;bleu"])
    report = _import(session, cast, Kind.ACTS, data)
    assert [(p.line, p.column, p.code) for p in report.errors] == [(1, "couleur", "unknown_column")]
    assert "code_acte, libelle_fr" in report.errors[0].reason()


def test_a_client_file_with_names_is_refused(session: Session, cast: Cast) -> None:
    data = csv_file("code_usager;Nom;Prénom;equipe;latitude;longitude;profil_iso_smaf;"
                    "actif_depuis", ["N9;Tremblay;Rita;T1;46.8;-71.2;4;2026-01-01"])
    report = _import(session, cast, Kind.CLIENTS, data)
    assert [(p.column, p.code) for p in report.errors] == [
        ("Nom", "identifying_column"), ("Prénom", "identifying_column")]
    assert session.scalar(select(Client).where(Client.code == "N9")) is None


def test_missing_required_column_and_duplicate_key(session: Session, cast: Cast) -> None:
    missing = _import(session, cast, Kind.ACTS, csv_file("code_acte;libelle_fr", ["X;Y"]))
    assert {p.column for p in missing.errors} == {"libelle_en"}
    assert {p.code for p in missing.errors} == {"missing_column"}
    twice = _import(session, cast, Kind.VISITS, visits_file([VISIT_ROWS[1], VISIT_ROWS[1]]))
    assert [(p.line, p.code, p.params["first_line"]) for p in twice.errors] == [
        (3, "duplicate_key", 2)]


def test_care_plan_profession_must_be_allowed_for_the_act(session: Session, cast: Cast) -> None:
    header = "code_usager;code_acte;titre_emploi;fois_par_semaine;debut_fenetre;fin_fenetre"
    data = csv_file(header, ["U0000;PLAIE;infirmière;2;08:00;10:00",  # French alias: nurse
                             "U0001;PLAIE;auxiliary;2;08:00;10:00",
                             "U0002;BAIN;auxiliary;0;10:00;08:00"])
    report = _import(session, cast, Kind.CARE_PLANS, data)
    assert [(p.line, p.column, p.code) for p in report.errors] == [
        (3, "titre_emploi", "profession_not_allowed"),
        (4, "fois_par_semaine", "out_of_range"),  # a bad cell does not hide the next one
        (4, "fin_fenetre", "end_before_start"),
    ]
    good = _import(session, cast, Kind.CARE_PLANS, csv_file(header, [
        "U0000;PLAIE;infirmière;2;08:00;10:00", "U0000;BAIN;auxiliary;3;08:00;12:00"]))
    assert (good.created, good.updated) == (1, 1)  # the cast's BAIN need went to 3 a week


def test_realized_times_switched_off_by_a_committee_are_skipped(session: Session,
                                                                 cast: Cast) -> None:
    session.add(CollectionSetting(establishment_id=cast.est_a.id, team_id=cast.team.id,
                                  key="realized_times", enabled=False, decision_ref="2026-007",
                                  set_at=datetime(2026, 10, 1)))
    session.commit()
    report = _import(session, cast, Kind.VISITS, visits_file(VISIT_ROWS[:2]))
    assert report.ok and report.created == 2
    assert [(p.line, p.column, p.code) for p in report.skipped] == [
        (2, "debut_reel", "not_collected_skipped"), (2, "fin_reelle", "not_collected_skipped")]
    assert "2026-007" in report.skipped[0].reason()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("kind", list(Kind))
def test_an_export_imports_back_unchanged(session: Session, cast: Cast, kind: Kind, fmt: str,
                                          lang: str) -> None:
    make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], DAY, minutes=50)
    make_visit(session, cast.bob, cast.clients[1], cast.acts["BAIN"], DAY)
    session.add(Act(code="FORM", label_fr="=HYPERLINK(\"x\")", label_en="-1", professions=[]))
    session.commit()
    scope = operator_scope(session, "EST-A")
    buffer = io.BytesIO()
    with language(lang):
        write_export(buffer, session, kind, scope, fmt, DAY, DAY)
        report = _import(session, cast, kind, buffer.getvalue(), name=f"export.{fmt}")
    assert report.ok, [p.message() for p in report.errors]
    assert report.rows > 0 and report.rows == report.unchanged


def test_a_synthetic_export_says_so_and_still_imports(session: Session, cast: Cast) -> None:
    cast.est_a.code = "DEMO-A"
    session.commit()
    buffer = io.BytesIO()
    write_export(buffer, session, Kind.WORKERS, operator_scope(session, "DEMO-A"), "csv")
    text = buffer.getvalue().decode("utf-8-sig")
    assert text.startswith("# Données synthétiques")
    report = _import(session, cast, Kind.WORKERS, buffer.getvalue())
    assert report.ok and report.unchanged == len(cast.workers) + len(cast.small_workers)


def test_excel_cells_keep_text_codes_and_formulas_stay_text(session: Session, cast: Cast) -> None:
    from openpyxl import load_workbook

    session.add(Act(code="FORM", label_fr="=1+1", label_en="x", professions=["nurse"]))
    session.commit()
    buffer = io.BytesIO()
    write_export(buffer, session, Kind.ACTS, operator_scope(session, "EST-A"), "xlsx")
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    labels = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "'=1+1" in labels  # shown as text by Excel, read back as "=1+1"
    act = session.scalar(select(Act).where(Act.code == "FORM"))
    assert act is not None and act.label_fr == "=1+1"


def test_a_worker_file_adds_and_moves_workers(session: Session, cast: Cast) -> None:
    data = csv_file("worker_code,team,name,profession,skills,active",
                    ["A0,T4,Worker A0,auxiliary,,yes", "N1,T1,Nouvelle,nurse,wound|iv,oui"])
    report = _import(session, cast, Kind.WORKERS, data)
    assert (report.created, report.updated) == (1, 1)
    session.commit()
    new = session.scalar(select(Worker).where(Worker.code == "N1"))
    assert new is not None and new.skills == ["iv", "wound"] and new.home_site_id
    assert session.get(Worker, cast.alice.id).team_id == cast.small_team.id  # type: ignore[union-attr]


def test_an_unreadable_file_is_one_clear_error(session: Session, cast: Cast) -> None:
    latin = _import(session, cast, Kind.ACTS, "code_acte;libellé\n".encode("latin-1"))
    assert [p.code for p in latin.errors] == ["not_utf8"]
    broken = _import(session, cast, Kind.ACTS, b"PK\x03\x04 not a workbook", name="x.xlsx")
    assert [p.code for p in broken.errors] == ["unreadable_file"]
    empty = _import(session, cast, Kind.ACTS, b"\n\n")
    assert [p.code for p in empty.errors] == ["empty_file"]


def test_the_docs_list_every_header_of_every_kind() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for schema in SCHEMAS.values():
        for column in schema.columns:
            assert f"`{column.fr}`" in text and f"`{column.en}`" in text, column.name

"""Double visits, sequences, second windows and optional needs in care-plan and visit files."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.i18n import language
from balise.grid.exports import operator_scope, write_export
from balise.grid.imports import import_file
from balise.grid.io_schema import Kind
from balise.territory.models import CarePlanItem
from tests.factories import MONDAY, Cast, make_visit
from tests.grid.io_samples import csv_file

CARE_FR = ("code_usager;code_acte;titre_emploi;fois_par_semaine;debut_fenetre;fin_fenetre;"
           "intervenants_requis;apres_acte;delai_min;delai_max;debut_fenetre_2;fin_fenetre_2;"
           "facultatif")


def test_care_plan_needs_carry_double_sequence_window_and_optional(
        session: Session, cast: Cast) -> None:
    data = csv_file(CARE_FR, [
        "U0000;BAIN;auxiliary;1;08:00;12:00;2;;;;13:00;15:00;oui",
        "U0000;PLAIE;nurse;1;08:00;12:00;1;BAIN;30;90;;;non",
    ])
    report = import_file(session, Kind.CARE_PLANS, "plan.csv", data,
                         establishment_id=cast.est_a.id)
    assert report.ok, [p.message() for p in report.errors]
    session.commit()
    items = {i.act_id: i for i in session.scalars(select(CarePlanItem).where(
        CarePlanItem.client_id == cast.clients[0].id))}
    bath, wound = items[cast.acts["BAIN"].id], items[cast.acts["PLAIE"].id]
    assert (bath.workers_needed, bath.window2_start, bath.window2_end, bath.optional) == (
        2, 13 * 60, 15 * 60, True)
    assert (wound.follows_act_id, wound.delay_min, wound.delay_max) == (
        cast.acts["BAIN"].id, 30, 90)


@pytest.mark.parametrize(("row", "column"), [
    ("U0000;PLAIE;nurse;1;08:00;12:00;1;BAIN;90;30;;;non", "delai_max"),
    ("U0000;PLAIE;nurse;1;08:00;12:00;1;;30;90;;;non", "delai_min"),
    ("U0000;PLAIE;nurse;1;08:00;12:00;1;NAGE;30;90;;;non", "apres_acte"),
    ("U0000;PLAIE;nurse;1;08:00;12:00;3;;;;;;non", "intervenants_requis"),
    ("U0000;PLAIE;nurse;1;08:00;12:00;1;;;;15:00;13:00;non", "fin_fenetre_2"),
    ("U0000;PLAIE;nurse;1;08:00;12:00;1;;;;15:00;;non", "fin_fenetre_2"),
])
def test_a_bad_linked_need_is_refused_with_its_column(session: Session, cast: Cast, row: str,
                                                       column: str) -> None:
    before = session.scalars(select(CarePlanItem)).all()
    report = import_file(session, Kind.CARE_PLANS, "plan.csv", csv_file(CARE_FR, [row]),
                         establishment_id=cast.est_a.id)
    assert not report.ok
    assert [(p.file, p.line, p.column) for p in report.errors][:1] == [("plan.csv", 2, column)]
    assert session.scalars(select(CarePlanItem)).all() == before  # nothing written


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_linked_visits_export_and_import_back_unchanged(session: Session, cast: Cast,
                                                        lang: str) -> None:
    first = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    second = make_visit(session, cast.bob, cast.clients[0], cast.acts["BAIN"], MONDAY)
    for visit in (first, second):
        visit.link_group, visit.link_kind = "D1-20261116", "double"
        visit.window2_start, visit.window2_end, visit.optional = 13 * 60, 15 * 60, True
    after = make_visit(session, cast.alice, cast.clients[1], cast.acts["PLAIE"], MONDAY)
    after.link_group, after.link_kind, after.delay_min, after.delay_max = "S9", "after", 30, 90
    session.commit()
    buffer = io.BytesIO()
    with language(lang):
        write_export(buffer, session, Kind.VISITS, operator_scope(session, "EST-A"), "csv",
                     MONDAY, MONDAY)
    text = buffer.getvalue().decode("utf-8-sig")
    assert ("groupe_lien" if lang == "fr" else "link_group") in text and "D1-20261116" in text
    with language(lang):
        report = import_file(session, Kind.VISITS, "export.csv", buffer.getvalue(),
                             establishment_id=cast.est_a.id)
    assert report.ok and report.rows == report.unchanged == 3

    # A file that changes the delay updates the visit's link.
    changed = text.replace("after;30;90" if lang == "fr" else "after,30,90",
                           "after;45;90" if lang == "fr" else "after,45,90")
    with language(lang):
        report = import_file(session, Kind.VISITS, "export.csv", changed.encode(),
                             establishment_id=cast.est_a.id)
    assert report.ok and report.updated == 1, [p.message() for p in report.errors]
    session.commit()
    session.refresh(after)
    assert (after.link_kind, after.delay_min, after.delay_max) == ("after", 45, 90)

"""Each collection setting, once a committee switches it off, holds on every surface:
the field app stops asking, the sync refuses with the decision, imports leave the value
out with a row-level message, pages and exports (CSV, Excel, FHIR) no longer show it,
and indicators say "not collected since decision …" instead of a number.

One table of cases, one test per surface, parametrised over the five settings.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.grid import collection
from balise.grid.exports import ExportScope, write_export
from balise.grid.imports import import_file
from balise.grid.io_schema import SCHEMAS, Kind
from balise.grid.models import VarianceReason, Visit
from balise.grid.realization import Realization, record
from balise.indicators.builtins import BUILTINS
from balise.indicators.series import not_collected
from tests.committee.factories import Board, build_board
from tests.factories import MONDAY, Cast, make_visit
from tests.field.helpers import acks, send
from tests.field.helpers import record as field_record
from tests.grid.io_samples import VISITS_FR, csv_file
from tests.grid.test_collection import switch_off


@dataclass(frozen=True)
class Case:
    key: str
    form_field: str  # the visit form's input for it
    sync: dict[str, Any]  # what a phone's record carries of it (besides times)
    columns: tuple[str, ...]  # import/export columns (visits schema) holding it
    snapshot: tuple[str, ...]  # keys of the field app's realized state holding it


CASES = {
    "realized_times": Case("realized_times", "start", {}, ("realized_start", "realized_end"),
                           ("start", "end")),
    "variance_reasons": Case("variance_reasons", "reasons", {"reason_ids": ["DETRESSE"]},
                             ("reasons",), ("reason_ids",)),
    "notes": Case("notes", "note", {"note": "Cliente fatiguée"}, (), ("note",)),
    "unmet_needs": Case("unmet_needs", "unmet", {"unmet_act_ids": ["BAIN"]}, (), ()),
    "travel": Case("travel", "travel", {"travel_minutes": 12}, ("travel_minutes",),
                   ("travel_minutes",)),
}
KEYS = list(CASES)


def test_the_table_covers_every_setting() -> None:
    assert set(CASES) == set(collection.KINDS)


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


def _recorded_visit(session: Session, cast: Cast) -> Visit:
    """Alice's visit of Monday with everything recorded, before any decision."""
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    reason = session.scalars(select(VarianceReason).where(VarianceReason.code == "DETRESSE")).one()
    record(session, visit, Realization(
        start=datetime(2026, 11, 16, 9, 5), end=datetime(2026, 11, 16, 9, 58),
        travel_minutes=12, note="Cliente fatiguée", reason_ids=frozenset({reason.id})))
    session.commit()
    return visit


def _ids(session: Session, cast: Cast, values: dict[str, Any]) -> dict[str, Any]:
    """Codes in a case's sync values, as the ids a phone sends."""
    reasons = {r.code: r.id for r in session.scalars(select(VarianceReason))}
    out = dict(values)
    if "reason_ids" in out:
        out["reason_ids"] = [reasons[c] for c in out["reason_ids"]]
    if "unmet_act_ids" in out:
        out["unmet_act_ids"] = [cast.acts[c].id for c in out["unmet_act_ids"]]
    return out


# --- field app -------------------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
def test_field_day_stops_asking_and_shows_nothing_of_it(
    key: str, session: Session, cast: Cast, board: Board,
    browser: Callable[[str | None], TestClient],
) -> None:
    case = CASES[key]
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], clock.today())
    record(session, visit, Realization(start=datetime.combine(clock.today(), datetime.min.time()
                                                              ).replace(hour=9),
                                       end=datetime.combine(clock.today(), datetime.min.time()
                                                            ).replace(hour=10),
                                       travel_minutes=12, note="Cliente fatiguée"))
    session.commit()
    client = browser("alice")
    assert client.get("/api/field/day").json()["collect"][key] is True
    switch_off(session, board, key, cast.team.id)
    day = client.get("/api/field/day").json()
    assert day["collect"][key] is False
    realized = day["visits"][0]["realized"]
    assert all(realized[name] in (None, []) for name in case.snapshot), realized
    others = [k for k in ("travel_minutes", "note") if k not in case.snapshot]
    assert all(realized[k] is not None for k in others)  # the rest is still shown


# --- sync ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
def test_sync_refuses_it_with_the_decision(
    key: str, session: Session, cast: Cast, board: Board,
    browser: Callable[[str | None], TestClient],
) -> None:
    visits = [make_visit(session, cast.alice, cast.clients[i], cast.acts["BAIN"], clock.today())
              for i in range(2)]
    session.commit()
    number = switch_off(session, board, key, cast.team.id)
    timed = key == "realized_times"
    carrying = field_record(visits[0].id, clock.today(), start="09:05" if timed else None,
                            end="09:50" if timed else None, **_ids(session, cast,
                                                                   CASES[key].sync))
    plain = field_record(visits[1].id, clock.today(), start=None, end=None)
    session.commit()  # SQLite: no open transaction while the app writes
    got = acks(send(browser("alice"), [carrying, plain]))
    assert got[carrying["record_id"]]["status"] == "refused"
    assert got[carrying["record_id"]]["code"] == "not_collected"
    assert number in got[carrying["record_id"]]["message"]
    assert got[plain["record_id"]]["status"] != "refused"  # done / not done still goes


# --- imports ---------------------------------------------------------------------------

IMPORTED = {  # a visits row carrying each kind, in the French headers of VISITS_FR
    "realized_times": "U0000;T1;A0;2026-11-16;08:00;12:00;09:00;45;BAIN;BAIN;done;09:05;09:58;;",
    "variance_reasons": "U0000;T1;A0;2026-11-16;08:00;12:00;09:00;45;BAIN;BAIN;done;;;;DETRESSE",
    "travel": "U0000;T1;A0;2026-11-16;08:00;12:00;09:00;45;BAIN;BAIN;done;;;12;",
}


@pytest.mark.parametrize("key", KEYS)
def test_imports_leave_it_out_with_a_row_level_message(
    key: str, session: Session, cast: Cast, board: Board,
) -> None:
    case = CASES[key]
    schema_columns = {c.name for c in SCHEMAS[Kind.VISITS].columns}
    if not case.columns:
        # Nothing to leave out: a visits file has no column for it at all.
        assert not ({"note", "notes", "unmet", "unmet_needs"} & schema_columns)
        return
    number = switch_off(session, board, key, cast.team.id)
    report = import_file(session, Kind.VISITS, "visites.csv",
                         csv_file(VISITS_FR, [IMPORTED[key]]), establishment_id=cast.est_a.id)
    assert report.ok and report.created == 1, [e.message() for e in report.errors]
    assert {p.line for p in report.skipped} == {2}
    assert all(number in p.reason() and "le reste de la ligne" in p.reason()
               for p in report.skipped)
    visit = session.scalars(select(Visit)).one()
    assert visit.status == "done"  # the row's other values are recorded
    assert all(getattr(visit, name) in (None, []) for name in case.columns)


def test_a_file_does_not_erase_what_was_recorded_before_the_decision(
    session: Session, cast: Cast, board: Board,
) -> None:
    visit = _recorded_visit(session, cast)
    switch_off(session, board, "travel", cast.team.id)
    row = "U0000;T1;A0;2026-11-16;08:00;12:00;09:00;30;BAIN;BAIN;done;09:05;09:58;40;DETRESSE"
    report = import_file(session, Kind.VISITS, "v.csv", csv_file(VISITS_FR, [row]),
                         establishment_id=cast.est_a.id)
    assert report.ok and [p.column for p in report.skipped] == ["deplacement_min"]
    session.refresh(visit)
    assert visit.travel_minutes == 12  # kept under the retention rules, not overwritten


# --- pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
def test_pages_stop_asking_and_showing_it(
    key: str, session: Session, cast: Cast, board: Board,
    browser: Callable[[str | None], TestClient],
) -> None:
    visit = _recorded_visit(session, cast)
    alice = browser("alice")
    assert f'name="{CASES[key].form_field}"' in alice.get(f"/visits/{visit.id}").text
    number = switch_off(session, board, key, cast.team.id)
    page = alice.get(f"/visits/{visit.id}").text
    assert f'name="{CASES[key].form_field}"' not in page
    week = unescape(alice.get(f"/me/week?week={MONDAY.isoformat()}").text)
    assert ("Réalisé :" not in week) == (key == "realized_times")
    settings = unescape(alice.get("/settings/collection").text)
    assert f"décision {number}" in settings


# --- exports ---------------------------------------------------------------------------

def _export(session: Session, cast: Cast, fmt: str) -> Any:
    scope = ExportScope(cast.est_a.id, cast.est_a.code, worker_id=cast.alice.id)
    stream = io.BytesIO()
    write_export(stream, session, Kind.VISITS, scope, fmt, MONDAY, MONDAY)
    data = stream.getvalue()
    if fmt == "fhir":
        return json.loads(data)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        rows = [["" if c is None else str(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    return dict(zip(rows[0], rows[1], strict=True))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("key", KEYS)
def test_exports_no_longer_show_it(
    key: str, fmt: str, session: Session, cast: Cast, board: Board,
) -> None:
    case = CASES[key]
    _recorded_visit(session, cast)
    headers = {c.name: c.header("fr") for c in SCHEMAS[Kind.VISITS].columns}
    before = _export(session, cast, fmt)
    assert all(before[headers[name]] for name in case.columns)  # the worker's own figures
    switch_off(session, board, key, cast.team.id)
    after = _export(session, cast, fmt)
    assert all(after[headers[name]] == "" for name in case.columns), after
    kept = [n for n in ("realized_start", "travel_minutes", "reasons") if n not in case.columns]
    assert all(after[headers[name]] for name in kept)  # what is still collected stays


@pytest.mark.parametrize("key", KEYS)
def test_fhir_export_no_longer_shows_it(
    key: str, session: Session, cast: Cast, board: Board,
) -> None:
    _recorded_visit(session, cast)
    before = _export(session, cast, "fhir")["entry"][0]["resource"]
    assert "period" in before and "extension" in before
    switch_off(session, board, key, cast.team.id)
    after = _export(session, cast, "fhir")["entry"][0]["resource"]
    assert ("period" in after) == (key != "realized_times")
    assert ("length" in after) == (key != "realized_times")
    assert ("extension" in after) == (key != "variance_reasons")


# --- indicators ------------------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
def test_indicators_say_not_collected_since_the_decision(
    key: str, session: Session, cast: Cast, board: Board,
) -> None:
    needing = [d for d in BUILTINS if key in d.needs]
    others = [d for d in BUILTINS if d.needs and key not in d.needs]
    number = switch_off(session, board, key, cast.team.id)
    scope = f"team:{cast.team.id}"
    for definition in needing:
        off = not_collected(session, cast.est_a.id, scope, definition)
        assert off is not None, definition.code
        assert off.message() == (f"Ce type de donnée ({collection.KINDS[key]}) n'est plus "
                                 f"recueilli depuis la décision {number}.").replace(
            collection.KINDS[key], str(collection.NotCollected(key, number).params["key"]))
        assert off.since == clock.today()
    for definition in others:  # an indicator that does not need it keeps its number
        assert not_collected(session, cast.est_a.id, scope, definition) is None
    # The other team's indicators are untouched.
    for definition in needing:
        assert not_collected(session, cast.est_a.id, f"team:{cast.small_team.id}",
                             definition) is None
    if key == "notes":
        assert needing == []  # no indicator reads notes: nothing to switch off there

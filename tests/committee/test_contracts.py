"""Consultant contracts: how they were procured, what they cost, what they promised."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.contracts import (
    ContractInput,
    change_contract,
    contract_summary,
    contracts,
    fee_difference,
    parse_amount,
    register_contract,
    summary_total,
)
from balise.committee.contracts_example import seed_contracts_example
from balise.committee.record_errors import RecordError
from balise.committee.service import add_member, create_committee
from balise.core.errors import InvalidInput
from balise.journal.models import JournalEntry
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.web.conftest import csrf_of

Browser = Callable[[str | None], TestClient]


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


def _input(**changes: object) -> ContractInput:
    values: dict[str, object] = {
        "firm": "Firme X", "purpose": "Diagnostic SAD", "procurement": "tender",
        "total_amount": Decimal("100000"), "signed_on": date(2026, 3, 1),
    }
    values.update(changes)
    return ContractInput(**values)


@pytest.mark.parametrize("typed, amount", [
    ("27540", Decimal("27540")),
    ("27 540,50", Decimal("27540.50")),  # Quebec French, ordinary space
    ("27\u00a0540,50 $", Decimal("27540.50")),  # no-break space, as pasted from a report
    ("27,540.50", Decimal("27540.50")),  # English
    ("27,540", Decimal("27540")),  # a comma then three digits: thousands
    ("27,5", Decimal("27.5")),  # otherwise the comma is the decimal mark
    ("1.234.567,89", Decimal("1234567.89")),
    ("", None),
])
def test_amounts_read_as_people_type_them(typed: str, amount: Decimal | None) -> None:
    assert parse_amount("total_amount", typed) == amount


@pytest.mark.parametrize("typed, says", [
    ("douze mille", "Inscrivez un montant"),
    ("12.345", "Inscrivez un montant"),  # three decimals: a typing mistake, not cents
    ("-5", "ne peut pas être négatif"),
])
def test_wrong_amounts_say_why(typed: str, says: str) -> None:
    with pytest.raises(RecordError) as refused:
        parse_amount("total_amount", typed)
    assert says in refused.value.message()


@pytest.mark.parametrize("total, fee, weeks, difference", [
    ("963900", "27540", 35, None),  # the seed's figures agree
    ("1000000", "27540", 35, Decimal("36100.00")),  # 36,100 $ more than fee × weeks
    ("900000", "27540", 35, Decimal("-63900.00")),
    ("35000", None, None, None),  # no weekly fee: nothing to compare
])
def test_fee_times_weeks_is_compared_with_the_total(total: str, fee: str | None,
                                                    weeks: int | None,
                                                    difference: Decimal | None) -> None:
    assert fee_difference(Decimal(total), Decimal(fee) if fee else None, weeks) == difference


def test_sole_source_needs_a_justification(session: Session, board: Board) -> None:
    with pytest.raises(RecordError) as refused:
        register_contract(session, board.committee, board.union,
                          _input(procurement="sole_source", justification="  "))
    assert "sans appel d'offres doit être justifié" in refused.value.message()
    contract = register_contract(session, board.committee, board.union, _input(
        procurement="sole_source", justification="Urgence invoquée"))
    assert contract.procurement == "sole_source"


@pytest.mark.parametrize("changes, field", [
    ({"firm": ""}, "firm"),
    ({"purpose": " "}, "purpose"),
    ({"procurement": "friendly"}, "procurement"),
    ({"total_amount": None}, "total_amount"),
    ({"weekly_fee": Decimal("-1")}, "weekly_fee"),
    ({"weeks": 9999}, "weeks"),
    ({"signed_on": None}, "signed_on"),
])
def test_incomplete_contract_names_the_field(session: Session, board: Board,
                                             changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        register_contract(session, board.committee, board.union, _input(**changes))
    assert refused.value.field == field


def test_registering_and_changing_a_contract_is_journaled(session: Session,
                                                          board: Board) -> None:
    contract = register_contract(session, board.committee, board.employer, _input())
    change_contract(session, contract, board.union, _input(indicator="Attente des bains"))
    entries = session.scalars(select(JournalEntry).order_by(JournalEntry.seq.desc())
                              .limit(2)).all()
    assert [e.action for e in entries] == ["committee.contract.changed",
                                           "committee.contract.created"]
    assert '"fields":["indicator"]' in entries[0].payload


def test_seed_example_totals_7_3_million_with_seven_sole_source(session: Session,
                                                                 board: Board,
                                                                 cast: Cast) -> None:
    added = seed_contracts_example(session, board.committee, cast.est_a.id)
    assert len(added) == 16
    [row] = contract_summary(session, [cast.est_a.id])
    assert (row.count, row.total) == (16, Decimal("7300000"))
    assert (row.sole_source_count, row.sole_source_total) == (7, Decimal("2350000"))
    lines = contracts(session, committee=board.committee)
    weekly = [line for line in lines if line.contract.weekly_fee == Decimal("27540")]
    assert weekly and weekly[0].contract.weeks == 35 and weekly[0].difference is None
    assert any("18 %" in line.contract.purpose and line.contract.total_amount == 35000
               for line in lines)
    assert all("Exemple illustratif" in line.contract.purpose for line in lines)


def test_national_committee_sums_across_its_establishments(session: Session, board: Board,
                                                           cast: Cast) -> None:
    national = create_committee(session, kind="national", name="Comité national",
                                establishment_id=cast.est_a.id, covered=[cast.est_b.id])
    member = add_member(session, national, cast.users["national"], side="union")
    register_contract(session, board.committee, board.union, _input(
        total_amount=Decimal("200000"), procurement="sole_source", justification="Urgence"))
    register_contract(session, national, member, _input(
        total_amount=Decimal("50000"), establishment_id=cast.est_b.id))
    register_contract(session, national, member, _input(
        total_amount=Decimal("30000.50"), establishment_id=cast.est_b.id,
        procurement="sole_source", justification="Seule firme disponible"))
    rows = contract_summary(session, [cast.est_a.id, cast.est_b.id])
    by_name = {row.name: row for row in rows}
    assert by_name["CISSS A"].total == Decimal("200000")
    assert by_name["CISSS A"].sole_source_total == Decimal("200000")
    assert (by_name["CISSS B"].count, by_name["CISSS B"].total) == (2, Decimal("80000.50"))
    assert by_name["CISSS B"].sole_source_total == Decimal("30000.50")
    total = summary_total(rows, "Tous")
    assert (total.count, total.total, total.sole_source_count) == (3, Decimal("280000.50"), 2)


def test_local_committee_cannot_book_another_establishment(session: Session, board: Board,
                                                           cast: Cast) -> None:
    with pytest.raises(RecordError) as refused:
        register_contract(session, board.committee, board.union,
                          _input(establishment_id=cast.est_b.id))
    assert "ne couvre pas" in refused.value.message()


def test_contract_form_and_summary_page(browser: Browser, board: Board, session: Session,
                                       cast: Cast) -> None:
    seed_contracts_example(session, board.committee, cast.est_a.id)
    session.commit()
    union = browser("union")
    records = f"/committees/{board.committee.id}/records"
    response = union.post(f"/committees/{board.committee.id}/contracts", data={
        "csrf_token": csrf_of(union.get(records).text), "firm": "Firme Y",
        "purpose": "Diagnostic", "procurement": "sole_source", "justification": "",
        "total_amount": "10 000", "signed_on": "2026-05-01"})
    text = unescape(response.text)
    assert response.status_code == 400 and "doit être justifié" in text
    assert 'value="Firme Y"' in text  # what the member typed is kept
    page = unescape(browser("employer").get("/contracts").text)
    assert "7\u00a0300\u00a0000,00\u00a0$" in page and "2\u00a0350\u00a0000,00\u00a0$" in page
    assert "27\u00a0540,00\u00a0$ × 35 = 963\u00a0900,00\u00a0$" in page
    assert "le retour promis n'est pas mesuré" in page


def test_contract_weeks_written_as_a_superscript_is_refused_by_name(
        browser: Browser, board: Board) -> None:
    # "²" is a digit to str.isdigit but not a number: the form names the field, no 500.
    union = browser("union")
    records = f"/committees/{board.committee.id}/records"
    response = union.post(f"/committees/{board.committee.id}/contracts", data={
        "csrf_token": csrf_of(union.get(records).text), "firm": "Firme Y",
        "purpose": "Diagnostic", "procurement": "tender", "justification": "",
        "total_amount": "10 000", "weeks": "²", "signed_on": "2026-05-01"})
    assert response.status_code == 400
    assert 'value="Firme Y"' in unescape(response.text)

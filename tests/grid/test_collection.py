"""What Balise records is a joint decision, enforced on every path that records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.service import file_proposal, record_stance
from balise.grid import collection
from balise.grid.models import Visit
from balise.grid.realization import Realization, record
from balise.journal.models import JournalEntry
from tests.committee.factories import Board, build_board
from tests.factories import MONDAY, Cast, make_visit


def switch_off(session: Session, board: Board, key: str, team_id: int | None) -> str:
    proposal = file_proposal(session, board.committee, board.union, title=f"Ne plus saisir {key}",
                             text="Retrait d'un commun accord.", kind="collection_setting",
                             effect={"key": key, "enabled": False, "team_id": team_id})
    decision = None
    for member in (board.union, board.union2, board.employer, board.employer2):
        decision = record_stance(session, proposal, member, "agree") or decision
    assert decision is not None
    session.commit()
    return decision.number


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


def test_defaults_record_everything_but_location(session: Session, cast: Cast) -> None:
    settings = collection.effective(session, cast.est_a.id, cast.team.id)
    assert all(s.enabled and s.decision_ref is None for s in settings.values())
    assert "location" not in collection.KINDS  # no setting can turn location on


def test_decision_switches_times_off_for_one_team_only(session: Session, cast: Cast,
                                                       board: Board) -> None:
    number = switch_off(session, board, "realized_times", cast.team.id)
    team = collection.effective(session, cast.est_a.id, cast.team.id)["realized_times"]
    other = collection.effective(session, cast.est_a.id, cast.small_team.id)["realized_times"]
    assert not team.enabled and team.decision_ref == number
    assert other.enabled
    entry = session.scalars(select(JournalEntry).where(
        JournalEntry.action == "settings.collection.changed")).one()
    assert '"old":true' in entry.payload.replace(" ", "")
    assert '"new":false' in entry.payload.replace(" ", "")


def test_switched_off_times_are_refused_with_the_decision(session: Session, cast: Cast,
                                                          board: Board) -> None:
    number = switch_off(session, board, "realized_times", cast.team.id)
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    timed = Realization(start=datetime(2026, 11, 16, 9), end=datetime(2026, 11, 16, 10))
    with pytest.raises(collection.NotCollected) as refused:
        record(session, visit, timed)
    assert number in refused.value.message()
    record(session, visit, Realization(status="done"))  # done / not done still works
    assert visit.status == "done" and visit.realized_start is None


def test_visit_form_stops_asking_for_what_is_not_collected(
    session: Session, cast: Cast, board: Board, browser: Callable[[str | None], TestClient],
) -> None:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    session.commit()
    client = browser("alice")
    assert 'name="start"' in client.get(f"/visits/{visit.id}").text
    switch_off(session, board, "realized_times", cast.team.id)
    switch_off(session, board, "notes", None)
    page = client.get(f"/visits/{visit.id}").text
    assert 'name="start"' not in page and 'name="note"' not in page
    assert 'name="reasons"' in page  # still collected


def test_settings_page_shows_each_value_with_its_decision(
    session: Session, cast: Cast, board: Board, browser: Callable[[str | None], TestClient],
) -> None:
    number = switch_off(session, board, "realized_times", cast.team.id)
    text = unescape(browser("alice").get("/settings/collection").text)
    assert f"décision {number}" in text and "non enregistré" in text


def test_unmet_need_goes_to_the_waiting_list_once(session: Session, cast: Cast) -> None:
    from balise.grid.models import WaitingListEntry

    visit: Visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    need = Realization(status="not_done", unmet_act_ids=frozenset({cast.acts["BAIN"].id}))
    record(session, visit, need)
    record(session, visit, need)  # saved twice: still one entry
    entries = session.scalars(select(WaitingListEntry)).all()
    assert len(entries) == 1 and entries[0].source == "unmet_need"
    assert entries[0].requested_on == MONDAY and entries[0].served_on is None


def test_worker_adds_an_act_without_being_asked_why(session: Session, cast: Cast) -> None:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    record(session, visit, Realization(acts_done=frozenset({cast.acts["BAIN"].id,
                                                            cast.acts["PLAIE"].id})))
    added = [a for a in visit.acts if not a.planned]
    assert [a.act_id for a in added] == [cast.acts["PLAIE"].id] and added[0].done

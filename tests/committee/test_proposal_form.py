"""The proposal form refuses numbers it cannot read by naming the field, never with a 500."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.committee.models import Proposal
from tests.committee.factories import Board, build_board
from tests.factories import Cast
from tests.web.conftest import csrf_of


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    board = build_board(session, cast)
    session.commit()
    return board


@pytest.mark.parametrize("field, value", [
    ("minutes", "³"), ("minutes", "٣٠"), ("project_id", "²"), ("setting_team", "¹")])
def test_digits_that_are_no_number_are_refused_or_ignored(
        session: Session, board: Board, browser: Callable[[str | None], TestClient],
        field: str, value: str) -> None:
    client = browser("union")
    url = f"/committees/{board.committee.id}"
    kind = "collection_setting" if field == "setting_team" else "reference_time"
    data = {"title": "Bain", "text": "Temps de référence du bain.", "kind": kind,
            "act_code": "BAIN", "valid_from": "2027-01-04", "minutes": "40",
            "setting_key": "notes", "setting_enabled": "0",
            "csrf_token": csrf_of(client.get(url).text), field: value}
    response = client.post(f"{url}/proposals", data=data)
    assert response.status_code in (200, 400), response.text
    filed = session.scalar(select(func.count()).select_from(Proposal))
    if field == "minutes":
        # An unreadable reference time is refused, naming it; nothing is filed.
        assert response.status_code == 400 and filed == 0
        assert "Bain" in unescape(response.text)
    else:
        # An unreadable project or team is no project or team: the proposal is filed.
        assert response.status_code == 200 and filed == 1

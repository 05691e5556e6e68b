"""Route × role table of the waiting list (team lead of the team only)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from balise.grid.models import WaitingListEntry
from tests.factories import MONDAY, Cast
from tests.web.matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, only

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/teams/{team_id}/waiting-list"): only(FORBIDDEN, lead=OK, outsider=NOT_FOUND),
    # An empty request form: the lead gets the page back with a clear message.
    ("POST", "/teams/{team_id}/waiting-list"): only(FORBIDDEN, lead=400, outsider=NOT_FOUND),
    ("POST", "/teams/{team_id}/waiting-list/{entry_id}/served"): only(
        FORBIDDEN, lead=REDIRECT, outsider=NOT_FOUND),
}


def params(session: Session, cast: Cast) -> dict[str, object]:
    entry = WaitingListEntry(establishment_id=cast.est_a.id, team_id=cast.team.id,
                             client_id=cast.clients[0].id, act_id=cast.acts["BAIN"].id,
                             source="request", requested_on=MONDAY)
    session.add(entry)
    session.flush()
    return {"entry_id": entry.id}

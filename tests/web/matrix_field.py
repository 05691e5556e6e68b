"""Route × role table of the field app: the worker's day and sync, the lead's conflicts.

The matrix posts a form with only its CSRF token: the sync API answers that with a
clear 422 (the body is not a batch), never a 500.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from balise.core import clock
from balise.field.models import SyncConflict
from tests.factories import Cast, make_visit
from tests.web.matrix import EVERYONE_OK, FORBIDDEN, NOT_FOUND, OK, REDIRECT, only

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/field"): only(FORBIDDEN, alice=OK),
    ("GET", "/field/sw.js"): EVERYONE_OK,  # code only; the page it keeps needs a session
    ("GET", "/api/field/day"): only(FORBIDDEN, alice=OK),
    ("POST", "/api/sync"): only(FORBIDDEN, alice=422),
    ("GET", "/field/conflicts"): only(FORBIDDEN, lead=OK, outsider=OK),  # each their team
    ("POST", "/field/conflicts/{conflict_id}/reviewed"): only(
        FORBIDDEN, lead=REDIRECT, outsider=NOT_FOUND),
}
PUBLIC = {("GET", "/field/sw.js")}


def params(session: Session, cast: Cast) -> dict[str, object]:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], clock.today())
    version = {"status": "done", "note": "matrix"}
    conflict = SyncConflict(establishment_id=visit.establishment_id, team_id=visit.team_id,
                            visit_id=visit.id, rule="later_recorded_at", kept=version,
                            set_aside=version, set_aside_source="device",
                            detected_at=datetime(2026, 11, 16, 10, 0))
    session.add(conflict)
    session.flush()
    return {"conflict_id": conflict.id}

"""Route × role table of committee pages and the journal.

Members of the committee (``union``, ``employer``) reach everything of it; the national
user is not a member of this local committee, so it answers "not found"; other roles
are refused by role.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from balise.committee.service import create_project, file_proposal
from tests.committee.factories import build_board
from tests.factories import Cast
from tests.web.matrix import FORBIDDEN, NOT_FOUND, OK, only

MEMBERS_OK = only(FORBIDDEN, union=OK, employer=OK, national=NOT_FOUND)
MEMBERS_REFUSED_INPUT = only(FORBIDDEN, union=400, employer=400, national=NOT_FOUND)

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/committees"): only(FORBIDDEN, union=OK, employer=OK, national=OK),
    ("GET", "/committees/{committee_id}"): MEMBERS_OK,
    ("GET", "/proposals/{proposal_id}"): MEMBERS_OK,
    ("GET", "/projects/{project_id}"): MEMBERS_OK,
    # The matrix posts an empty form: members get a clear 400, never a 500.
    ("POST", "/committees/{committee_id}/proposals"): MEMBERS_REFUSED_INPUT,
    ("POST", "/proposals/{proposal_id}/stance"): MEMBERS_REFUSED_INPUT,
    ("POST", "/committees/{committee_id}/projects"): MEMBERS_REFUSED_INPUT,
    ("POST", "/proposals/{proposal_id}/amend"): MEMBERS_REFUSED_INPUT,
    ("GET", "/journal"): only(FORBIDDEN, union=OK, employer=OK, national=OK, admin=OK),
    ("GET", "/journal/export"): only(FORBIDDEN, union=OK, employer=OK, national=OK, admin=OK),
}


def params(session: Session, cast: Cast) -> dict[str, object]:
    board = build_board(session, cast)
    project = create_project(session, board.committee, title="Bains", objectives="Attente")
    proposal = file_proposal(session, board.committee, board.union, title="T", text="x",
                             project=project)
    return {"committee_id": board.committee.id, "proposal_id": proposal.id,
            "project_id": project.id}

"""Route × role table of indicator pages.

A project's dashboard, reports and indicator-set proposals belong to the members of
its committee (``union`` and ``employer`` here; the national user is not a member and
gets "not found"). The catalogue of formulas is for everyone; entering figures is for
the analyst and committee members; the cross-establishment view for the national role.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from balise.committee.service import add_member, create_committee, create_project
from tests.factories import Cast
from tests.web.matrix import EVERYONE_OK, FORBIDDEN, NOT_FOUND, OK, only

MEMBERS_OK = only(FORBIDDEN, union=OK, employer=OK, national=NOT_FOUND)
ENTERERS_REFUSED_INPUT = only(FORBIDDEN, analyst=400, union=400, employer=400)

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/projects/{project_id}/dashboard"): MEMBERS_OK,
    ("GET", "/projects/{project_id}/report.pdf"): MEMBERS_OK,
    ("GET", "/projects/{project_id}/report.xlsx"): MEMBERS_OK,
    # The matrix posts a form with only its token: a clear 400, never a 500.
    ("POST", "/projects/{project_id}/indicator-set"): only(
        FORBIDDEN, union=400, employer=400, national=NOT_FOUND),
    ("GET", "/national/indicators"): only(FORBIDDEN, national=OK),
    ("GET", "/indicators"): EVERYONE_OK,
    ("GET", "/indicators/entries"): only(FORBIDDEN, analyst=OK, union=OK, employer=OK),
    ("POST", "/indicators/entries"): ENTERERS_REFUSED_INPUT,
    ("POST", "/indicators/entries/import"): ENTERERS_REFUSED_INPUT,
    ("POST", "/indicators/definitions"): ENTERERS_REFUSED_INPUT,
}


def params(session: Session, cast: Cast) -> dict[str, object]:
    committee = create_committee(session, kind="local", name="Suivi des indicateurs",
                                 establishment_id=cast.est_a.id)
    add_member(session, committee, cast.users["union"], side="union")
    add_member(session, committee, cast.users["employer"], side="employer")
    project = create_project(session, committee, title="Bains", objectives="Attente",
                             team_ids=[cast.team.id])
    return {"project_id": project.id}

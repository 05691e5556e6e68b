"""Route × role table of the web shell, accounts, teams and the worker's week."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.factories import MONDAY, Cast, make_visit
from tests.web.matrix import EVERYONE_OK, FORBIDDEN, NOT_FOUND, OK, REDIRECT, ROLES, only

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): dict.fromkeys(ROLES, REDIRECT),  # each role is redirected to its page
    ("GET", "/login"): dict.fromkeys(ROLES, REDIRECT),  # already logged in: go home
    ("GET", "/healthz"): EVERYONE_OK,
    ("GET", "/teams"): {**EVERYONE_OK, "alice": FORBIDDEN},
    ("GET", "/teams/{team_id}/plan"): only(FORBIDDEN, lead=OK, admin=OK, outsider=NOT_FOUND),
    ("GET", "/me/week"): only(FORBIDDEN, alice=OK),
    ("GET", "/teams/{team_id}/realization"): {**EVERYONE_OK, "alice": FORBIDDEN,
                                              "outsider": NOT_FOUND},
    ("POST", "/teams/{team_id}/plan/optimize"): only(FORBIDDEN, lead=REDIRECT,
                                                      outsider=NOT_FOUND),
    ("POST", "/teams/{team_id}/plan/generate"): only(FORBIDDEN, lead=REDIRECT,
                                                      outsider=NOT_FOUND),
    ("GET", "/visits/{visit_id}"): only(FORBIDDEN, alice=OK, lead=OK, outsider=NOT_FOUND),
    ("GET", "/admin/users"): only(FORBIDDEN, admin=OK),
    # Both sides of the committee and the administrators (traceability, Law 25).
    ("GET", "/read-log"): only(FORBIDDEN, union=OK, employer=OK, admin=OK),
    ("GET", "/me/reads"): only(FORBIDDEN, alice=OK),  # a worker: who read their data
    ("GET", "/settings/collection"): EVERYONE_OK,
    # Only the visit's worker records it: realized times are their own figures.
    ("POST", "/visits/{visit_id}/realization"): only(FORBIDDEN, alice=REDIRECT),
    ("POST", "/admin/users"): only(FORBIDDEN, admin=400),  # empty form: refused clearly
    ("POST", "/login"): dict.fromkeys(ROLES, 401),  # empty credentials
    ("POST", "/logout"): dict.fromkeys(ROLES, REDIRECT),
    ("POST", "/language"): dict.fromkeys(ROLES, REDIRECT),
}
PUBLIC = {("GET", "/login"), ("GET", "/healthz"), ("POST", "/login"), ("POST", "/logout"),
          ("POST", "/language")}


def params(session: Session, cast: Cast) -> dict[str, object]:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    return {"team_id": cast.team.id, "visit_id": visit.id}

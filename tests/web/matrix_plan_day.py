"""Route × role table of a team's day of routes: its team lead and the establishment's
administrators only (the outsider leads a team of another establishment)."""

from __future__ import annotations

from tests.web.matrix import FORBIDDEN, NOT_FOUND, OK, only

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/teams/{team_id}/plan/day"): only(FORBIDDEN, lead=OK, admin=OK,
                                                outsider=NOT_FOUND),
    # Empty forms: refused with the field named, nothing written.
    ("POST", "/teams/{team_id}/plan/day/check"): only(FORBIDDEN, lead=400, admin=400,
                                                       outsider=NOT_FOUND),
    ("POST", "/teams/{team_id}/plan/day/move"): only(FORBIDDEN, lead=400, admin=400,
                                                      outsider=NOT_FOUND),
    ("POST", "/teams/{team_id}/plan/risk"): only(FORBIDDEN, lead=400, admin=400,
                                                  outsider=NOT_FOUND),
}

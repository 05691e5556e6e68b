"""Route × role table of committee administration: the admin of the hosting
establishment only; the outsider's admin is not in the cast, every other role is
refused by role."""

from __future__ import annotations

from sqlalchemy.orm import Session

from balise.accounts.service import create_user
from balise.committee.service import add_member, create_committee
from balise.core.access import Role
from tests.factories import PASSWORD, Cast
from tests.web.matrix import FORBIDDEN, OK, REDIRECT, only

ADMIN_OK = only(FORBIDDEN, admin=OK)
# The matrix posts an empty form: a clear 400 for what needs fields, never a 500.
ADMIN_REFUSED_INPUT = only(FORBIDDEN, admin=400)

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/admin/committees"): ADMIN_OK,
    ("POST", "/admin/committees"): ADMIN_REFUSED_INPUT,
    ("GET", "/admin/committees/{admin_committee_id}"): ADMIN_OK,
    ("POST", "/admin/committees/{admin_committee_id}/mandate"): ADMIN_REFUSED_INPUT,
    ("POST", "/admin/committees/{admin_committee_id}/members"): ADMIN_REFUSED_INPUT,
    # An empty form makes the seat non-voting, without substitute or address: allowed.
    ("POST", "/admin/committees/{admin_committee_id}/members/{admin_member_id}"):
        only(FORBIDDEN, admin=REDIRECT),
    ("POST", "/admin/committees/{admin_committee_id}/members/{admin_member_id}/remove"):
        only(FORBIDDEN, admin=REDIRECT),
}


def params(session: Session, cast: Cast) -> dict[str, object]:
    committee = create_committee(session, kind="local", name="Comité à administrer",
                                 establishment_id=cast.est_a.id, mandate="Mandat")
    seated = create_user(session, username="siege", password=PASSWORD,
                         role=Role.COMMITTEE_UNION, establishment_id=cast.est_a.id)
    member = add_member(session, committee, seated, side="union")
    return {"admin_committee_id": committee.id, "admin_member_id": member.id}

"""Route × role table of committee records: meetings, minutes, documents, contracts.

As for the committee pages, members of the committee (``union``, ``employer``) reach its
records; the national user, not a member of this local committee, gets "not found";
other roles are refused by role. The contract summary is per person: the national user
sees it (empty: it sits on no committee here).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.contracts import ContractInput, register_contract
from balise.committee.documents import share_document
from balise.committee.meetings import schedule_meeting, write_minutes
from balise.committee.models import Committee, CommitteeMember
from tests.committee.factories import build_board
from tests.factories import Cast
from tests.web.matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, only

MEMBERS_OK = only(FORBIDDEN, union=OK, employer=OK, national=NOT_FOUND)
# The matrix posts a form holding only the CSRF token: members get a clear 400.
MEMBERS_REFUSED_INPUT = only(FORBIDDEN, union=400, employer=400, national=NOT_FOUND)

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/committees/{committee_id}/records"): MEMBERS_OK,
    ("POST", "/committees/{committee_id}/meetings"): MEMBERS_REFUSED_INPUT,
    ("GET", "/meetings/{meeting_id}"): MEMBERS_OK,
    ("POST", "/meetings/{meeting_id}/minutes"): MEMBERS_REFUSED_INPUT,
    # Approving needs no field: the minutes of the table's meeting are written.
    ("POST", "/meetings/{meeting_id}/approve"): only(
        FORBIDDEN, union=REDIRECT, employer=REDIRECT, national=NOT_FOUND),
    ("GET", "/meetings/{meeting_id}/minutes.pdf"): MEMBERS_OK,
    ("POST", "/committees/{committee_id}/documents"): MEMBERS_REFUSED_INPUT,
    ("GET", "/documents/{document_id}"): MEMBERS_OK,
    ("GET", "/documents/{document_id}/accesses"): MEMBERS_OK,
    ("POST", "/committees/{committee_id}/contracts"): MEMBERS_REFUSED_INPUT,
    ("GET", "/contracts"): only(FORBIDDEN, union=OK, employer=OK, national=OK),
}


def params(session: Session, cast: Cast) -> dict[str, object]:
    # matrix_committee.py may have built the board already (same users, same names).
    committee = session.scalar(select(Committee).where(Committee.name == "Comité paritaire SAD"))
    if committee is None:
        committee = build_board(session, cast).committee
    union = session.scalars(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id,
        CommitteeMember.user_id == cast.users["union"].id)).one()
    meeting = schedule_meeting(session, committee, union, held_on=date(2026, 11, 20),
                               agenda="1. Bains")
    write_minutes(session, meeting, union, text="Discussion des bains.", present=[union.id],
                  decision_ids=[])
    document = share_document(session, committee, union, filename="diagnostic.pdf",
                              declared_type="application/pdf", data=b"%PDF-1.7\n%%EOF\n")
    contract = register_contract(session, committee, union, ContractInput(
        firm="Firme X", purpose="Diagnostic", procurement="tender",
        total_amount=Decimal("1000"), signed_on=date(2026, 1, 5)))
    return {"committee_id": committee.id, "meeting_id": meeting.id,
            "document_id": document.id, "contract_id": contract.id}

"""A committee's records in one read: its meetings, shared documents and contracts.

The committee page includes ``committee/_records.html`` with what
:func:`records_context` returns; the records page of ``web/committee_records.py`` does
the same. Both sides see the same lists: nothing here depends on who asks, and the
caller has already checked membership with ``access_committee``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.contracts import contracts, covered
from balise.committee.documents import ALLOWED_TEXT, MAX_DOCUMENT_BYTES, documents
from balise.committee.models import PROCUREMENT, Committee
from balise.committee.queries import meetings
from balise.territory.models import Establishment


def records_context(session: Session, committee: Committee) -> dict[str, Any]:
    """``meetings``, ``documents`` and ``contracts`` of the committee, plus what their
    forms need (the choices of procurement and of establishment, the upload limits).

    Spread it into the page's context (``**records_context(db, committee)``); it also
    sets ``records`` so that the committee page's ``{% if records is defined %}``
    includes the fragment.
    """
    establishments = session.execute(
        select(Establishment.id, Establishment.name)
        .where(Establishment.id.in_(covered(session, committee)))
        .order_by(Establishment.name)).all()
    return {
        "records": True,
        "meetings": meetings(session, committee),
        "documents": documents(session, committee),
        "contracts": contracts(session, committee=committee),
        "procurement_labels": PROCUREMENT,
        "contract_establishments": establishments,
        "upload_limit_mb": MAX_DOCUMENT_BYTES // (1024 * 1024),
        "upload_types": ALLOWED_TEXT,
    }
